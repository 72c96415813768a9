#include "serve/recent_opens.hpp"

#include <mutex>

#include "core/sql.hpp"

namespace gog::serve {
namespace {

// NUL cannot occur in any of the three parts (HTTP header values and ids
// exclude it), so the joined key is unambiguous.
std::string key_of(const Hit& hit) {
  std::string key;
  key.reserve(hit.tracking_id.size() + hit.ip.size() + hit.user_agent.size() +
              2);
  key += hit.tracking_id;
  key += '\0';
  key += hit.ip;
  key += '\0';
  key += hit.user_agent;
  return key;
}

}  // namespace

bool RecentOpens::is_duplicate(const Hit& hit) const {
  std::int64_t since =
      core::sql::record_open_bounds(hit.opened_at).dedupe_since;
  std::string key = key_of(hit);  // built before the lock, kept short
  std::shared_lock lock(mutex_);
  auto it = stored_at_.find(key);
  if (it == stored_at_.end())
    return false;
  return it->second >= since && it->second <= hit.opened_at;
}

void RecentOpens::remember(const Hit& hit) {
  std::string key = key_of(hit);
  std::unique_lock lock(mutex_);
  if (stored_at_.size() >= kMaxEntries)
    sweep();
  stored_at_[std::move(key)] = hit.opened_at;
  if (hit.opened_at > newest_)
    newest_ = hit.opened_at;
}

void RecentOpens::forget_all() {
  std::unique_lock lock(mutex_);
  stored_at_.clear();
  newest_ = 0;
}

// Drops entries outside the window of the newest open; if that frees
// nothing (a flood of distinct opens within the hour), starts over rather
// than grow: forgetting only costs a trip to the SQL.
void RecentOpens::sweep() {
  std::int64_t since = core::sql::record_open_bounds(newest_).dedupe_since;
  std::erase_if(stored_at_,
                [since](const auto& entry) { return entry.second < since; });
  if (stored_at_.size() >= kMaxEntries)
    stored_at_.clear();
}

}  // namespace gog::serve
