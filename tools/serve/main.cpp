#include "common/tool_main.hpp"
#include "serve/serve.hpp"

int main(int argc, char** argv) {
  return gog::run_tool("serve", argc, argv, gog::serve::run);
}
