// Where an account's tracker is deployed, as rotation and the retention
// check need it: from pipelines/tracker.yaml (--from) or from the config
// that `gog gmail track setup` wrote.
#pragma once

#include <filesystem>
#include <string>

namespace gog::rotate {

struct Target {
  std::string account;
  std::string worker_url;   // the live Worker, without a trailing '/'
  std::string worker_name;  // the script name on Cloudflare
  std::string d1_database;
  std::filesystem::path worker_dir = "worker";  // holds the pinned wrangler
  int retention_days = 90;                      // as declared
  std::string cron = "0 2 * * *";
};

// With `from` (a tracker.yaml path): the file decides, and account_flag
// must be empty or name the same account (UsageError otherwise). Without
// it: the account from the flag, $GOG_ACCOUNT or the default, and its
// config entry (worker_url required; worker_name, d1_database and
// worker_dir when setup recorded them, else setup's defaults). Throws
// UsageError naming what is missing.
Target resolve_target(const std::string& from, const std::string& account_flag);

}  // namespace gog::rotate
