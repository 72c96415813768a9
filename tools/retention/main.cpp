#include "common/tool_main.hpp"
#include "retention/retention.hpp"

int main(int argc, char** argv) {
  return gog::run_tool("retention", argc, argv, gog::retention::run);
}
