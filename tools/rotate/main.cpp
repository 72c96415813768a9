#include "common/tool_main.hpp"
#include "rotate/rotate.hpp"

int main(int argc, char** argv) {
  return gog::run_tool("rotate", argc, argv, gog::rotate::run);
}
