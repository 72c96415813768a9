#include "common/tool_main.hpp"
#include "setup/setup.hpp"

int main(int argc, char** argv) {
  return gog::run_tool("setup", argc, argv, gog::setup::run);
}
