// gog gmail track retention check: the CI check of the 90-day policy
// (docs/retention.md).
//
//   gog gmail track retention check [--from pipelines/tracker.yaml]
//       [--account A] [--json]
//
// Three findings, each ok or failed:
//   cron    the deployed Worker's schedules (Cloudflare API, bearer
//           $CLOUDFLARE_API_TOKEN, account $CLOUDFLARE_ACCOUNT_ID, base
//           $CLOUDFLARE_API_BASE_URL) include the declared cron, and it
//           runs once a day;
//   window  the declared retention_days equals the window the code purges
//           at (core::kRetentionDays), and the live tracker's /health
//           reports that same window;
//   oldest  the oldest open in D1 (`wrangler d1 execute --remote`) is no
//           older than the window plus one day (the purge runs daily, so
//           an open may outlive the window by up to a day).
// Exit 0 when all pass, 1 naming every failure, 2 for bad usage. Appends
// retention.checked with the findings.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace gog::retention {

struct Finding {
  std::string check;  // "cron", "window" or "oldest"
  bool ok = false;
  std::string detail;  // what was found, in words
};

// True for a five-field cron that fires once a day: fixed minute and
// hour, '*' for day of month, month and day of week.
bool is_daily_cron(const std::string& cron);

// The cron finding from the schedules the API listed.
Finding check_cron(const std::vector<std::string>& deployed,
                   const std::string& declared);

// The window finding; reported is /health's "retention_days" (nullopt
// when the tracker did not say).
Finding check_window(int declared, std::optional<std::int64_t> reported);

// The oldest finding; oldest is MIN(opened_at), nullopt for no opens.
Finding check_oldest(std::optional<std::int64_t> oldest, int declared,
                     std::int64_t now);

int run(std::vector<std::string> args);

}  // namespace gog::retention
