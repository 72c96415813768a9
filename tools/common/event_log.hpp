// The append-only event log. Format, validity and recovery rules are
// documented at the top of event_log.cpp; in short: one JSON object per
// line, each carrying the SHA-256 of the previous line, appended under an
// exclusive file lock and fsynced. Never holds a secret.
#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace gog {

struct Event {
  std::int64_t seq = 0;
  std::string time;  // ISO 8601 UTC
  std::string type;  // "setup.configured", "message.sent", ...
  nlohmann::json data;
};

class EventLog {
 public:
  // $GOG_STATE_DIR/events.jsonl by default.
  explicit EventLog(std::filesystem::path path = default_path());
  static std::filesystem::path default_path();

  // Appends one event: lock, read the last line only (start-up cost does not
  // grow with the log), write, fsync, unlock. Returns the event as written.
  Event append(const std::string& type, nlohmann::json data);

  // Every event, in order. Throws gog::Error at file:line for a line that
  // breaks the chain (a torn last line is skipped with a warning).
  std::vector<Event> read_all() const;

  struct Verification {
    bool ok = true;
    std::size_t events = 0;
    std::size_t bad_line = 0;  // 1-based, when !ok
    std::string reason;
    // A torn last line (a crashed append) is not an error: it is reported
    // here and cut back by the next append.
    bool torn_tail = false;
    std::size_t torn_line = 0;
  };
  Verification verify() const;

  // The last event, reading only the tail (cost independent of the log's
  // length); nullopt for an empty or missing log. Throws like append().
  std::optional<Event> last() const;

  // Events from the newest backwards, reading the file from its end, until
  // `stop` returns true for one (that event is included) or the first event
  // is reached. The cost grows with the events read, not with the log's
  // length. Each line's own hash is checked, and the links between the
  // lines read; the rest of the chain is not (verify() does that); a torn
  // last line is skipped. Throws like append().
  std::vector<Event> read_back(
      const std::function<bool(const Event&)>& stop) const;

  // Values (the keys held) that append() refuses to write anywhere in an
  // event's data. Also always refused: the values of the secret variables
  // set in the environment (TRACKING_KEY*, ADMIN_KEY, GMAIL_*,
  // GOG_KEYRING_PASSWORD, CLOUDFLARE_API_TOKEN; 8 bytes or longer), member
  // names ending in key/token/secret/password, and key-shaped strings.
  void forbid_values(std::vector<std::string> values);

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::vector<std::string> forbidden_;
};

}  // namespace gog
