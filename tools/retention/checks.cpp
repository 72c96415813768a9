// The three findings, as pure functions of what was read.
#include <regex>

#include "core/rules.hpp"
#include "retention/retention.hpp"

namespace gog::retention {
namespace {

constexpr std::int64_t kDay = 86400;

std::string days(std::int64_t n) {
  return std::to_string(n) + (n == 1 ? " day" : " days");
}

}  // namespace

bool is_daily_cron(const std::string& cron) {
  static const std::regex daily(
      R"(^\s*([0-5]?[0-9])\s+([01]?[0-9]|2[0-3])\s+\*\s+\*\s+\*\s*$)");
  return std::regex_match(cron, daily);
}

Finding check_cron(const std::vector<std::string>& deployed,
                   const std::string& declared) {
  std::string listed;
  bool found = false;
  for (const auto& c : deployed) {
    listed += (listed.empty() ? "" : ", ") + c;
    found = found || c == declared;
  }
  if (listed.empty())
    listed = "none";
  if (!is_daily_cron(declared))
    return {"cron", false,
            "the declared cron '" + declared + "' does not run once a day"};
  if (!found)
    return {"cron", false,
            "the Worker's schedules (" + listed + ") lack the declared '" +
                declared + "'"};
  return {"cron", true, "daily purge scheduled at '" + declared + "'"};
}

Finding check_window(int declared, std::optional<std::int64_t> reported) {
  if (declared != core::kRetentionDays)
    return {"window", false,
            "tracker.yaml declares " + days(declared) +
                " but the tracker purges at " + days(core::kRetentionDays)};
  if (reported && *reported != declared)
    return {"window", false,
            "the live tracker reports " + days(*reported) + ", not " +
                days(declared)};
  if (!reported)
    return {"window", true,
            days(declared) +
                " (the live tracker does not report its "
                "window)"};
  return {"window", true, days(declared) + ", as the live tracker reports"};
}

Finding check_oldest(std::optional<std::int64_t> oldest, int declared,
                     std::int64_t now) {
  if (!oldest)
    return {"oldest", true, "no stored opens"};
  std::int64_t age = (now - *oldest) / kDay;
  // One day of grace: the purge runs once a day.
  bool ok = *oldest >= now - (declared + 1) * kDay;
  return {"oldest", ok,
          "the oldest stored open is " + days(age) + " old" +
              (ok ? "" : ", beyond the " + days(declared) + " window")};
}

}  // namespace gog::retention
