#include "common/tool_main.hpp"
#include "status/status.hpp"

int main(int argc, char** argv) {
  return gog::run_tool("status", argc, argv, gog::status::run);
}
