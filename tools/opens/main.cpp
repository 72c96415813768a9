#include "common/tool_main.hpp"
#include "opens/opens.hpp"

int main(int argc, char** argv) {
  return gog::run_tool("opens", argc, argv, gog::opens::run);
}
