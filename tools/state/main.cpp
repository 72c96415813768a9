#include "common/tool_main.hpp"
#include "state/state.hpp"

int main(int argc, char** argv) {
  return gog::run_tool("state", argc, argv, gog::state::run);
}
