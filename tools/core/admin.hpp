// The admin API's inputs and outputs: query parsing, bearer checks and the
// JSON shapes of /q/ and /opens, identical on both servers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/tracking_id.hpp"

namespace gog::core {

struct OpensQuery {
  std::optional<std::string> recipient;
  std::optional<std::int64_t> since;
  int limit = 0;  // always 1..kOpensMaxLimit after parsing
};

// Parses a raw query string ("recipient=a%40b.c&limit=5"). Unknown
// parameters are ignored. On bad input returns nullopt and sets *error to a
// message naming the parameter and its value.
std::optional<OpensQuery> parse_opens_query(std::string_view query,
                                            std::string* error);

// Percent-decodes one query component ('+' is a space).
std::optional<std::string> url_decode(std::string_view text);

// True when header is "Bearer <admin_key>" exactly (the token is everything
// after the first "Bearer "). Constant time in the key's length; false for
// an empty admin key.
bool bearer_matches(std::string_view authorization, std::string_view admin_key);

// One stored open, as both servers read it back (columns of sql::kListOpens).
struct OpenRow {
  std::string tracking_id;
  std::string recipient;
  std::string subject_hash;
  std::int64_t sent_at = 0;
  std::int64_t opened_at = 0;
  std::string ip;
  std::string user_agent;
  bool is_bot = false;
  std::string bot_type;
};

// GET /q/<id>: the id's payload, each open, and the counts.
std::string render_query(const Payload& payload,
                         const std::vector<OpenRow>& opens,
                         std::int64_t dropped_opens);

// GET /opens.
std::string render_opens(const std::vector<OpenRow>& opens, int limit);

// GET /health: {"ok": true, "retention_days": N}. The retention check
// reads the window the running tracker purges at from here.
std::string render_health();

// {"error": message}
std::string render_error(std::string_view message);

}  // namespace gog::core
