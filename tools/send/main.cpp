#include "common/tool_main.hpp"
#include "send/send.hpp"

int main(int argc, char** argv) {
  return gog::run_tool("send", argc, argv, gog::send::run);
}
