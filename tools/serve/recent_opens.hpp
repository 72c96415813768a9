// A decoded pixel hit, and the memory of opens stored within the dedupe
// window that lets exact repeats skip the writer entirely.
#pragma once

#include <cstdint>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/tracking_id.hpp"

namespace gog::serve {

struct Hit {
  std::string tracking_id;  // canonical (unpadded)
  core::Payload payload;
  std::int64_t opened_at = 0;
  std::string ip;
  std::string user_agent;
  bool is_bot = false;
  std::string_view bot_type;  // static storage (core::Classification)
};

// Remembers, per (tracking id, IP, user agent), the time of the latest open
// the database stored. is_duplicate() answers true only when that stored
// open lies inside the SQL's dedupe window for the hit's time, so skipping
// the hit changes nothing: the trigger would have skipped it too. A miss
// (forgotten, evicted, clock moved backwards) just goes to the SQL.
class RecentOpens {
 public:
  // Entries kept before old ones are swept out.
  static constexpr std::size_t kMaxEntries = 65536;

  bool is_duplicate(const Hit& hit) const;
  // Called after the open is committed.
  void remember(const Hit& hit);
  // Called after a purge: a remembered row may be gone.
  void forget_all();

 private:
  void sweep();

  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, std::int64_t> stored_at_;
  std::int64_t newest_ = 0;
};

}  // namespace gog::serve
