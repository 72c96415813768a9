// The human views of /q/ and /opens replies.
#include <algorithm>
#include <sstream>

#include "opens/opens.hpp"

namespace gog::opens {
namespace {

using nlohmann::json;

// Server text goes to a terminal: no escape sequences, no line breaks.
std::string printable(const json& value) {
  std::string text = value.is_string() ? value.get<std::string>()
                     : value.is_null() ? "-"
                                       : value.dump();
  for (auto& c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f)
      c = '?';
  }
  return text;
}

// "human", "human (gmail_proxy)", "bot (scanner)".
std::string kind(const json& open) {
  std::string type = printable(open.value("bot_type", json("")));
  bool bot = open.value("is_bot", false);
  std::string word = bot ? "bot" : "human";
  if (type.empty() || type == "human")
    return word;
  return word + " (" + type + ")";
}

std::string padded(std::string text, std::size_t width) {
  if (text.size() < width)
    text.append(width - text.size(), ' ');
  return text;
}

int human_count(const json& opens) {
  return static_cast<int>(
      std::count_if(opens.begin(), opens.end(),
                    [](const json& o) { return !o.value("is_bot", false); }));
}

std::string plural(std::int64_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

std::string format_query_report(const json& report) {
  std::ostringstream out;
  out << "recipient  " << printable(report["recipient"]) << "\n"
      << "subject    " << printable(report["subject_hash"])
      << " (first 6 hex of SHA-256)\n"
      << "sent       " << printable(report["sent_at"]) << "\n\n";

  const json& opens = report["opens"];
  if (opens.empty())
    out << "no opens recorded\n";
  for (const auto& open : opens) {
    out << padded(printable(open["opened_at"]), 22) << kind(open) << "\n";
  }

  out << "\n"
      << plural(report.value("total_opens", 0), "open") << ", "
      << report.value("human_opens", 0) << " likely human, "
      << report.value("dropped_opens", 0) << " dropped over the per-IP cap\n";
  if (report.contains("first_human_open") &&
      !report["first_human_open"].is_null()) {
    out << "first human open " << printable(report["first_human_open"]) << "\n";
  }
  return out.str();
}

std::string format_opens_list(const json& list) {
  const json& opens = list["opens"];
  std::size_t width = 9;  // "RECIPIENT"
  for (const auto& open : opens) {
    width = std::max(width, printable(open["recipient"]).size());
  }

  std::ostringstream out;
  if (opens.empty()) {
    out << "no opens recorded\n";
    return out.str();
  }
  out << padded("OPENED", 22) << padded("RECIPIENT", width + 2) << "KIND\n";
  for (const auto& open : opens) {
    out << padded(printable(open["opened_at"]), 22)
        << padded(printable(open["recipient"]), width + 2) << kind(open)
        << "\n";
  }

  out << "\n"
      << plural(static_cast<std::int64_t>(opens.size()), "open") << ", "
      << human_count(opens) << " likely human";
  if (list.value("count", 0) >= list.value("limit", 0)) {
    out << " (the newest " << list.value("limit", 0)
        << "; --limit takes up to 500)";
  }
  out << "\n";
  return out.str();
}

}  // namespace gog::opens
