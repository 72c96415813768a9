#include "common/tool_main.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "common/error.hpp"

namespace gog {
namespace {

// "gog <tool>", or just "gog" for the dispatcher (tool "").
std::string program(const char* tool) {
  return *tool ? std::string("gog ") + tool : std::string("gog");
}

void print_error(const char* tool, const std::string& what,
                 const std::string& hint) {
  std::cerr << program(tool) << ": error: " << what << "\n";
  if (!hint.empty())
    std::cerr << hint << "\n";
}

// A full disk or a closed pipe on stdout must not look like success.
bool stdout_ok() {
  std::cout.flush();
  return std::cout.good() && std::fflush(stdout) == 0 && !std::ferror(stdout);
}

}  // namespace

bool parse_args(CLI::App& app, std::vector<std::string> args) {
  // CLI11 consumes a vector from the back.
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return false;
  } catch (const CLI::ParseError& e) {
    throw UsageError(e.what(), "run with --help for usage");
  }
  return true;
}

int run_tool(const char* tool, int argc, char** argv, const ToolBody& body) {
  std::vector<std::string> args(argv + 1, argv + argc);
  int code = kExitOk;
  try {
    code = body(std::move(args));
  } catch (const CLI::CallForHelp& e) {
    code = kExitOk;
  } catch (const CLI::ParseError& e) {
    print_error(tool, e.what(), "run 'gog help' for usage");
    code = kExitUsage;
  } catch (const Error& e) {
    print_error(tool, e.what(), e.hint());
    code = e.exit_code();
  } catch (const std::exception& e) {
    print_error(tool, e.what(), "");
    code = kExitFailed;
  }
  if (!stdout_ok()) {
    std::cerr << program(tool) << ": error: cannot write standard output\n";
    if (code == kExitOk)
      code = kExitFailed;
  }
  return code;
}

}  // namespace gog
