#include "setup/tracker_spec.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <regex>
#include <sstream>
#include <vector>

#include "common/error.hpp"
#include "common/files.hpp"

namespace gog::setup {
namespace {

// yaml-cpp 0.7.0 accepts 498 nested flow collections and throws
// DeepRecursion at 499 (measured, case C19).
constexpr int kMaxFlowDepth = 498;
constexpr std::size_t kMaxScalarBytes = 2048;
constexpr std::size_t kExcerptWidth = 72;

struct Problem {
  int line = 0;  // 0-based, as yaml-cpp marks are
  int column = 0;
  std::string what;
};

class Problems {
 public:
  Problems(std::string_view text, std::string file)
      : text_(text), file_(std::move(file)) {}

  void add(const YAML::Mark& mark, std::string what) {
    list_.push_back({std::max(mark.line, 0), std::max(mark.column, 0),
                     std::move(what)});
  }
  void add(int line, int column, std::string what) {
    list_.push_back({line, column, std::move(what)});
  }
  bool empty() const { return list_.empty(); }

  [[noreturn]] void raise() const {
    std::string message;
    for (const auto& p : list_) {
      if (!message.empty()) message += "\n";
      message += render(p);
    }
    throw UsageError(message, "fix " + file_ + " and run again");
  }

 private:
  std::string render(const Problem& p) const {
    auto [excerpt, caret] = excerpt_of(p.line, p.column);
    return file_ + ":" + std::to_string(p.line + 1) + ":" +
           std::to_string(p.column + 1) + ": " + p.what + "\n  " + excerpt +
           "\n  " + std::string(caret, ' ') + "^";
  }

  // The problem's line, cut to a window around the column so a hostile
  // one-line file does not flood the terminal.
  std::pair<std::string, std::size_t> excerpt_of(int line, int column) const {
    std::size_t start = 0;
    for (int i = 0; i < line && start != std::string_view::npos; ++i) {
      start = text_.find('\n', start);
      if (start != std::string_view::npos) ++start;
    }
    if (start == std::string_view::npos || start > text_.size()) return {"", 0};
    auto end = text_.find('\n', start);
    std::string_view whole = text_.substr(start, end == std::string_view::npos
                                                     ? std::string_view::npos
                                                     : end - start);
    std::size_t col = std::min<std::size_t>(column, whole.size());
    if (whole.size() <= kExcerptWidth) return {std::string(whole), col};
    std::size_t from = col > kExcerptWidth / 2 ? col - kExcerptWidth / 2 : 0;
    std::string cut(whole.substr(from, kExcerptWidth));
    if (from == 0) return {cut + "...", col};
    return {"..." + cut + "...", col - from + 3};
  }

  std::string_view text_;
  std::string file_;
  std::vector<Problem> list_;
};

// Where flow nesting first goes past what yaml-cpp accepts, so the error
// names that place rather than yaml-cpp's start-of-file mark.
std::optional<std::pair<int, int>> too_deep_at(std::string_view text) {
  int depth = 0, line = 0, column = 0;
  char quote = 0;
  for (char c : text) {
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxFlowDepth) return std::pair{line, column};
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
    if (c == '\n') {
      ++line;
      column = 0;
    } else {
      ++column;
    }
  }
  return std::nullopt;
}

YAML::Node parse_yaml(std::string_view text, Problems& problems) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::DeepRecursion& e) {
    auto at = too_deep_at(text);
    if (at) {
      problems.add(at->first, at->second, "nested too deeply");
    } else {
      problems.add(e.mark, "nested too deeply");
    }
  } catch (const YAML::ParserException& e) {
    problems.add(e.mark, e.msg);
  }
  problems.raise();
}

using Pairs = std::map<std::string, YAML::Node>;

// The map's pairs by key; unknown, duplicate and non-word keys reported.
Pairs known_pairs(const YAML::Node& map, const std::vector<std::string>& keys,
                  Problems& problems) {
  Pairs pairs;
  std::map<std::string, YAML::Mark> first_seen;
  for (const auto& it : map) {
    if (!it.first.IsScalar()) {
      problems.add(it.first.Mark(), "keys must be plain words");
      continue;
    }
    std::string key = it.first.Scalar();
    if (auto seen = first_seen.find(key); seen != first_seen.end()) {
      problems.add(it.first.Mark(),
                   "duplicate key " + quoted(key) + " (first at line " +
                       std::to_string(seen->second.line + 1) + ")");
      continue;
    }
    first_seen[key] = it.first.Mark();
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      std::string expected;
      for (const auto& k : keys) expected += (expected.empty() ? "" : ", ") + k;
      problems.add(it.first.Mark(), "unknown key " + quoted(key) +
                                        " (known keys: " + expected + ")");
      continue;
    }
    pairs[key] = it.second;
  }
  return pairs;
}

class Fields {
 public:
  Fields(Pairs pairs, const YAML::Node& map, Problems& problems)
      : pairs_(std::move(pairs)), map_(map), problems_(problems) {}

  // A string value, or fallback when absent (required: report it).
  std::string text(const std::string& key, const std::string& fallback,
                   bool required = false) {
    auto it = pairs_.find(key);
    if (it == pairs_.end()) {
      if (required)
        problems_.add(map_.Mark(), "missing required key " + quoted(key));
      return fallback;
    }
    const YAML::Node& node = it->second;
    if (!node.IsScalar() || node.Scalar().empty()) {
      problems_.add(node.Mark(), quoted(key) + " must be a non-empty string");
    } else if (node.Scalar().size() > kMaxScalarBytes) {
      problems_.add(node.Mark(), quoted(key) + " is longer than " +
                                     std::to_string(kMaxScalarBytes) +
                                     " bytes");
    } else {
      return node.Scalar();
    }
    return fallback;
  }

  int number(const std::string& key, int fallback, int low, int high) {
    auto it = pairs_.find(key);
    if (it == pairs_.end()) return fallback;
    const YAML::Node& node = it->second;
    long value = 0;
    bool ok = node.IsScalar() && YAML::convert<long>::decode(node, value) &&
              value >= low && value <= high;
    if (ok) return static_cast<int>(value);
    problems_.add(node.Mark(), quoted(key) + " must be a whole number from " +
                                   std::to_string(low) + " to " +
                                   std::to_string(high));
    return fallback;
  }

  const YAML::Node* node(const std::string& key) const {
    auto it = pairs_.find(key);
    return it == pairs_.end() ? nullptr : &it->second;
  }

  void check(const std::string& key, bool ok, const std::string& why) {
    const YAML::Node* n = node(key);
    if (!ok && n) problems_.add(n->Mark(), quoted(key) + " " + why);
  }

 private:
  Pairs pairs_;
  YAML::Node map_;
  Problems& problems_;
};

const std::vector<std::string> kTopKeys = {
    "kind",       "account",        "worker_url", "worker_name",
    "d1_database", "worker_dir",    "retention_days", "cron",
    "key_rotation"};

bool is_resource_name(const std::string& s) {
  static const std::regex re("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$");
  return std::regex_match(s, re);
}

bool is_cron(const std::string& s) {
  static const std::regex re("^\\s*([0-9*/,A-Za-z-]+\\s+){4}[0-9*/,A-Za-z-]+"
                             "\\s*$");
  return std::regex_match(s, re);
}

void read_rotation(const Fields& top, TrackerSpec& spec, Problems& problems) {
  const YAML::Node* rotation = top.node("key_rotation");
  if (!rotation) return;
  if (!rotation->IsMap()) {
    problems.add(rotation->Mark(), "'key_rotation' must be a map");
    return;
  }
  Fields fields(known_pairs(*rotation, {"max_key_age_days"}, problems),
                *rotation, problems);
  spec.max_key_age_days =
      fields.number("max_key_age_days", spec.max_key_age_days, 1, 3650);
}

TrackerSpec read_fields(Fields& f, Problems& problems) {
  TrackerSpec spec;
  std::string kind = f.text("kind", "", true);
  f.check("kind", kind.empty() || kind == "tracker",
          "must be 'tracker', not " + quoted(kind));
  spec.account = f.text("account", "", true);
  f.check("account", spec.account.empty() ||
                         spec.account.find('@') != std::string::npos,
          "must be an email address");
  spec.worker_url = f.text("worker_url", "", true);
  f.check("worker_url", spec.worker_url.empty() ||
                            spec.worker_url.rfind("https://", 0) == 0 ||
                            spec.worker_url.rfind("http://", 0) == 0,
          "must start with https://");
  spec.worker_name =
      f.text("worker_name", default_worker_name(spec.account));
  f.check("worker_name", is_resource_name(spec.worker_name),
          "must be 1-63 lowercase letters, digits and '-'");
  spec.d1_database = f.text("d1_database", spec.worker_name);
  f.check("d1_database", is_resource_name(spec.d1_database),
          "must be 1-63 lowercase letters, digits and '-'");
  spec.worker_dir = f.text("worker_dir", "worker");
  spec.retention_days = f.number("retention_days", 90, 1, 3650);
  spec.cron = f.text("cron", spec.cron);
  f.check("cron", is_cron(spec.cron), "must be a five-field cron expression");
  return spec;
}

}  // namespace

TrackerSpec parse_tracker_spec(std::string_view text, const std::string& file) {
  Problems problems(text, file);
  if (text.size() > kMaxTrackerFileBytes) {
    problems.add(0, 0, "file is larger than " +
                           std::to_string(kMaxTrackerFileBytes) + " bytes");
    problems.raise();
  }
  YAML::Node root = parse_yaml(text, problems);
  if (!root.IsMap()) {
    problems.add(root.Mark(), "expected a map of keys (kind: tracker, ...)");
    problems.raise();
  }

  Fields top(known_pairs(root, kTopKeys, problems), root, problems);
  TrackerSpec spec = read_fields(top, problems);
  read_rotation(top, spec, problems);

  if (!problems.empty()) problems.raise();
  return spec;
}

TrackerSpec load_tracker_spec(const std::filesystem::path& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec)
    throw UsageError("cannot read tracker file " + quoted(path.string()) +
                     ": " + ec.message());
  if (size > kMaxTrackerFileBytes)
    throw UsageError(path.string() + ":1:1: file is larger than " +
                     std::to_string(kMaxTrackerFileBytes) + " bytes");
  return parse_tracker_spec(read_file(path), path.string());
}

std::string default_worker_name(std::string_view account) {
  std::string name = "gog-email-tracker-";
  for (char c : account) {
    char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool word = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9');
    if (word) {
      name += lower;
    } else if (name.back() != '-') {
      name += '-';
    }
  }
  if (name.size() > 63) name.resize(63);
  while (name.back() == '-') name.pop_back();
  return name;
}

}  // namespace gog::setup
