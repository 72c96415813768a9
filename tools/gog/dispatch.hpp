// The dispatcher `gog`: one table of commands drives dispatch, `gog help`
// and "did you mean". Each command is a separate executable gog-<name>,
// found beside gog first, then on PATH; `gog foo` with no table entry runs
// gog-foo when it exists (so tools plug in without a rebuild).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace gog::dispatcher {

struct Command {
  std::vector<std::string> words;  // {"gmail", "track", "status"}
  std::string executable;          // "gog-status"
  std::string help;                // one line
};

// The table, in the order `gog help` lists it.
const std::vector<Command>& commands();

// "gmail track status"
std::string joined(const std::vector<std::string>& words);

struct Match {
  const Command* command = nullptr;
  std::size_t words_used = 0;  // how many leading args named it
};

// The table entry whose words are a prefix of args, if any.
std::optional<Match> find_command(const std::vector<std::string>& args);

// Table entries that the leading words probably meant (edit distance),
// closest first; for "did you mean".
std::vector<const Command*> suggestions(const std::vector<std::string>& args);

// Levenshtein distance over bytes.
std::size_t edit_distance(const std::string& a, const std::string& b);

// The executable's path: beside the running gog, else the first match on
// PATH. nullopt when neither exists.
std::optional<std::string> locate(const std::string& executable);

// Dispatches args (argv[1..]): help, --version, or exec of the command's
// executable with the remaining args. Returns only on error or for help.
int run(std::vector<std::string> args);

}  // namespace gog::dispatcher
