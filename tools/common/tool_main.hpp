// The one place where a tool's errors are caught and printed.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace gog {

using ToolBody = std::function<int(std::vector<std::string> args)>;

// Runs body with argv[1..], prints any gog::Error (or CLI11 parse error) as
// "gog <tool>: error: ...", and fails when stdout could not be written
// (so `gog ... > /dev/full` is never success). Returns the exit code.
int run_tool(const char* tool, int argc, char** argv, const ToolBody& body);

// Parses args into app. Returns false when --help was asked for and printed,
// in which case the tool should return kExitOk. Parse errors throw
// UsageError with CLI11's message.
bool parse_args(CLI::App& app, std::vector<std::string> args);

}  // namespace gog
