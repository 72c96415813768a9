// The command table and the matching that reads it.
#include <algorithm>

#include "gog/dispatch.hpp"

namespace gog::dispatcher {

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {{"gmail", "send"}, "gog-send", "send mail; --track adds an open pixel"},
      {{"gmail", "track", "setup"},
       "gog-setup",
       "configure tracking for an account"},
      {{"gmail", "track", "serve"},
       "gog-serve",
       "run the native tracker (SQLite)"},
      {{"gmail", "track", "opens"}, "gog-opens", "report recorded opens"},
      {{"gmail", "track", "status"},
       "gog-status",
       "show tracker, keys held, event log"},
      {{"gmail", "track", "key", "rotate"},
       "gog-rotate",
       "add a key version, make it current"},
      {{"gmail", "track", "retention", "check"},
       "gog-retention",
       "check that old opens are deleted"},
      {{"state"}, "gog-state", "verify, log, commit the event log"},
  };
  return table;
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words)
    out += (out.empty() ? "" : " ") + w;
  return out;
}

std::optional<Match> find_command(const std::vector<std::string>& args) {
  for (const auto& c : commands()) {
    if (c.words.size() <= args.size() &&
        std::equal(c.words.begin(), c.words.end(), args.begin()))
      return Match{&c, c.words.size()};
  }
  return std::nullopt;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Compares the typed words with each command's words, as many as the
// command has, so that trailing arguments do not count against it.
std::vector<const Command*> suggestions(const std::vector<std::string>& args) {
  std::vector<std::pair<std::size_t, const Command*>> scored;
  for (const auto& c : commands()) {
    auto n = std::min(args.size(), c.words.size());
    std::vector<std::string> typed(args.begin(), args.begin() + n);
    auto want = std::vector<std::string>(c.words.begin(), c.words.begin() + n);
    auto d = edit_distance(joined(typed), joined(want));
    auto allowed = std::max<std::size_t>(2, joined(want).size() / 4);
    if (d <= allowed)
      scored.emplace_back(d, &c);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](auto& a, auto& b) { return a.first < b.first; });
  std::vector<const Command*> out;
  for (auto& [d, c] : scored)
    out.push_back(c);
  return out;
}

}  // namespace gog::dispatcher
