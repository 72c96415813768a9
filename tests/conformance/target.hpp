// The conformance suite's view of a tracker under test: plain HTTP on
// loopback, ids sealed by the C++ side, and bounded waits for opens that
// are recorded after the response (the Worker's ctx.waitUntil).
//
// A target is named by environment variables that tests/conformance/run.sh
// sets after starting it:
//   GOG_CONFORMANCE_URL          http://127.0.0.1:PORT, keys 1, 2, 3 of
//                                tests/data/tracking-ids.json, current 1
//   GOG_CONFORMANCE_RETIRED_URL  the same tracker holding keys 1 and 3 only
//   GOG_CONFORMANCE_ADMIN_KEY    its ADMIN_KEY
//   GOG_CONFORMANCE_SCHEDULED    the path of its scheduled-event trigger,
//                                which takes ?cron=&time=<unix ms>
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/tracking_keys.hpp"

namespace gog::conformance {

using nlohmann::json;

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;

  json parsed() const;
};

using Headers = std::map<std::string, std::string>;

class Target {
 public:
  // Reads the URL from the named variable; throws std::runtime_error that
  // says how to run the suite when it is missing.
  explicit Target(const char* url_variable = "GOG_CONFORMANCE_URL");

  Response get(const std::string& target, const Headers& headers = {}) const;
  Response request(const std::string& method, const std::string& target,
                   const Headers& headers = {}) const;

  // GET with the admin Bearer.
  Response admin(const std::string& target) const;

  // One pixel hit at test-clock time `now` from `ip` (CF-Connecting-IP).
  Response pixel(const std::string& id, const std::string& ip,
                 const std::string& user_agent, std::int64_t now,
                 const Headers& extra = {}) const;

  // GET /q/<id>, parsed; fails the test on a status other than 200.
  json query(const std::string& id) const;

  // Polls read() until it returns the same value on several reads in a
  // row, at most ~20 s, and returns it.
  std::int64_t settle(const std::function<std::int64_t()>& read) const;

  // total_opens of /q/<id> once it has settled.
  std::int64_t settled_opens(const std::string& id) const;

  // count of /opens?recipient=<r>&limit=500 once it has settled.
  std::int64_t settled_recipient_opens(const std::string& recipient) const;

  const std::string& admin_key() const { return admin_key_; }
  const std::string& scheduled_path() const { return scheduled_path_; }

 private:
  std::string host_;
  int port_ = 0;
  std::string admin_key_;
  std::string scheduled_path_;
};

// Keys 1, 2, 3 of the vector file, current version 1.
const KeySet& vector_keys();

// Seals {r, s, t} with key 1 (C++ OpenSSL side).
std::string seal(const std::string& recipient, std::int64_t sent_at,
                 const std::string& subject_hash = "a1b2c3");

// A recipient address no other test uses: "<tag>-<random>@example.com".
std::string unique_recipient(const std::string& tag);

// Percent-encodes a query value.
std::string url_encode(const std::string& value);

// The 43-byte pixel from the vector file.
std::string pixel_gif();

// Runs every job on its own thread, all at once, and waits for them.
void run_concurrently(const std::vector<std::function<void()>>& jobs);

// Runs the jobs on `threads` threads, each taking the next job in turn.
void run_pooled(const std::vector<std::function<void()>>& jobs, int threads);

}  // namespace gog::conformance
