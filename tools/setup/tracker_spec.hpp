// pipelines/tracker.yaml: one tracking deployment, declared.
//
//   kind: tracker                      required, exactly "tracker"
//   account: me@example.com            required
//   worker_url: https://...            required, http:// or https://
//   worker_name: gog-email-tracker-me  default from the account
//   d1_database: gog-email-tracker-me  default: worker_name
//   worker_dir: worker                 default "worker", relative to the
//                                      repository (the current folder)
//   retention_days: 90                 1..3650, default 90
//   cron: "0 2 * * *"                  five fields, default "0 2 * * *"
//   key_rotation:
//     max_key_age_days: 90             1..3650, default 90
//
// Every problem is reported, each as "file:line:col: what" followed by the
// line and a caret under the column: unknown and duplicate keys (yaml-cpp
// keeps both pairs and lookups see one, so duplicates are found from the
// pairs), wrong types, missing fields. Hostile input (deep nesting, huge
// files) is an error, never a crash (case C19): the validation walks only
// the two known maps, without recursion.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace gog::setup {

struct TrackerSpec {
  std::string account;
  std::string worker_url;
  std::string worker_name;
  std::string d1_database;
  std::filesystem::path worker_dir = "worker";
  int retention_days = 90;
  std::string cron = "0 2 * * *";
  int max_key_age_days = 90;
};

// Files larger than this are refused before parsing.
inline constexpr std::size_t kMaxTrackerFileBytes = 1024 * 1024;

// Parses and validates text read from `file` (the name used in messages).
// Throws UsageError listing every problem.
TrackerSpec parse_tracker_spec(std::string_view text, const std::string& file);

// Reads and parses a file. Throws UsageError (bad content) or gog::Error
// (unreadable).
TrackerSpec load_tracker_spec(const std::filesystem::path& path);

// "gog-email-tracker-<account>" made a valid Worker name: lowercase, runs
// of other characters as one '-', at most 63 characters.
std::string default_worker_name(std::string_view account);

}  // namespace gog::setup
