// Errors and exit codes shared by every gog tool.
//
// Library code throws gog::Error (or returns a value); only run_tool() at the
// top of each executable catches and prints, as
//   gog <tool>: error: <what failed> '<value>': <reason>
//   <hint, on its own line, when there is a next step>
#pragma once

#include <stdexcept>
#include <string>

namespace gog {

// The exit-code contract, documented in docs/architecture.md.
enum Exit : int {
  kExitOk = 0,
  kExitFailed = 1,       // the work was attempted and failed
  kExitUsage = 2,        // bad usage or bad input: nothing was done
  kExitInterrupted = 130,
};

class Error : public std::runtime_error {
 public:
  explicit Error(std::string message, std::string hint = {},
                 int exit_code = kExitFailed)
      : std::runtime_error(std::move(message)),
        hint_(std::move(hint)),
        exit_code_(exit_code) {}

  const std::string& hint() const { return hint_; }
  int exit_code() const { return exit_code_; }

 private:
  std::string hint_;
  int exit_code_;
};

// Bad input from the user: exit code 2.
class UsageError : public Error {
 public:
  explicit UsageError(std::string message, std::string hint = {})
      : Error(std::move(message), std::move(hint), kExitUsage) {}
};

// "'value'" with control characters made visible, for error messages.
std::string quoted(std::string_view value);
// An exact match for std::string, so that argument-dependent lookup never
// prefers std::quoted (from <iomanip>) for an unqualified quoted(str).
inline std::string quoted(const std::string& value) {
  return quoted(std::string_view(value));
}
inline std::string quoted(std::string& value) {
  return quoted(std::string_view(value));
}
inline std::string quoted(const char* value) {
  return quoted(std::string_view(value));
}

}  // namespace gog
