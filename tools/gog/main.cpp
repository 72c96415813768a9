#include "common/tool_main.hpp"
#include "gog/dispatch.hpp"

int main(int argc, char** argv) {
  return gog::run_tool("", argc, argv, gog::dispatcher::run);
}
