// SQL shared by the native tracker (SQLite) and the Worker (D1). The schema
// is migrations/*.sql; these statements are its only readers and writers.
#pragma once

#include <cstdint>

#include "core/rules.hpp"

namespace gog::core::sql {

// One statement per pixel hit; the record_open trigger (migration 0002)
// dedupes, applies the per-IP cap, counts drops and inserts atomically.
// Binds: ?1 tracking_id ?2 recipient ?3 subject_hash ?4 sent_at ?5 opened_at
// ?6 ip ?7 user_agent ?8 is_bot ?9 bot_type ?10 dedupe_since ?11 cap_since
// ?12 ip_cap (see record_open_bounds).
inline constexpr const char* kRecordOpen =
    "INSERT INTO record_open (tracking_id, recipient, subject_hash, sent_at, "
    "opened_at, ip, user_agent, is_bot, bot_type, dedupe_since, cap_since, "
    "ip_cap) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

struct RecordOpenBounds {
  std::int64_t dedupe_since;
  std::int64_t cap_since;
  int ip_cap;
};

// "Within one hour" is the closed range [now - 3599, now]: an open exactly
// 3600 s after a stored one is stored again.
constexpr RecordOpenBounds record_open_bounds(std::int64_t now) {
  return {now - kDedupeWindowSeconds + 1, now - kIpCapWindowSeconds + 1,
          kIpCapOpens};
}

// Binds: ?1 cutoff (unix seconds; rows older than it go).
inline constexpr const char* kPurgeOpens =
    "DELETE FROM opens WHERE opened_at < ?1";
// Binds: ?1 cutoff hour (unix seconds / 3600).
inline constexpr const char* kPurgeDropped =
    "DELETE FROM dropped_opens WHERE hour < ?1";

constexpr std::int64_t purge_cutoff(std::int64_t now) {
  return now - kRetentionSeconds;
}

// Columns of every opens listing, in this order.
#define GOG_OPEN_COLUMNS                                           \
  "tracking_id, recipient, subject_hash, sent_at, opened_at, ip, " \
  "user_agent, is_bot, bot_type"

// Binds: ?1 recipient or NULL ?2 since or NULL ?3 limit (1..500).
inline constexpr const char* kListOpens =
    "SELECT " GOG_OPEN_COLUMNS
    " FROM opens WHERE (?1 IS NULL OR recipient = ?1)"
    " AND (?2 IS NULL OR opened_at >= ?2)"
    " ORDER BY opened_at DESC, id DESC LIMIT ?3";

// Binds: ?1 tracking_id (canonical, unpadded).
inline constexpr const char* kOpensForId =
    "SELECT " GOG_OPEN_COLUMNS
    " FROM opens WHERE tracking_id = ?1 ORDER BY opened_at, id";

// Binds: ?1 tracking_id.
inline constexpr const char* kDroppedForId =
    "SELECT COALESCE(SUM(count), 0) FROM dropped_opens WHERE tracking_id = ?1";

// The oldest stored open, for the retention check. No binds.
inline constexpr const char* kOldestOpen = "SELECT MIN(opened_at) FROM opens";

#undef GOG_OPEN_COLUMNS

}  // namespace gog::core::sql
