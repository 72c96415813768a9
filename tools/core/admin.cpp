#include "core/admin.hpp"

#include <charconv>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "core/rules.hpp"
#include "core/timefmt.hpp"

namespace gog::core {
namespace {

using nlohmann::ordered_json;

// Request data may hold any bytes: never let a bad UTF-8 sequence throw.
std::string dump(const ordered_json& doc) {
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

// Strict: digits only, at least one. "50abc", "1e3", "-1" and "" are not
// whole numbers.
std::optional<std::int64_t> parse_positive(std::string_view text) {
  if (text.empty() ||
      text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }

  // More digits than an int64 holds: as large as can be, the caller caps it.
  if (text.size() > 18)
    return INT64_MAX;
  std::int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  if (value < 1)
    return std::nullopt;
  return value;
}

std::string bad_value(std::string_view name, std::string_view value,
                      std::string_view expected) {
  std::string message = "bad ";
  message += name;
  message += " '";
  message += value;
  message += "': ";
  message += expected;
  return message;
}

bool apply_parameter(OpensQuery& query, std::string_view name,
                     const std::string& value, std::string* error) {
  if (name == "limit") {
    auto n = parse_positive(value);
    if (!n) {
      *error = bad_value(name, value, "expected a whole number from 1 to 500");
      return false;
    }
    query.limit = static_cast<int>(std::min<std::int64_t>(*n, kOpensMaxLimit));
  } else if (name == "since") {
    auto t = parse_time(value);
    if (!t) {
      *error = bad_value(name, value,
                         "expected unix seconds or YYYY-MM-DDTHH:MM:SSZ");
      return false;
    }
    query.since = *t;
  } else if (name == "recipient") {
    if (value.empty()) {
      *error = bad_value(name, value, "expected an email address");
      return false;
    }
    query.recipient = value;
  }
  return true;
}

// What one open was: the members /q/ shows for each of the id's opens.
void put_open(ordered_json& o, const OpenRow& row) {
  o["opened_at"] = iso8601(row.opened_at);
  o["opened_at_unix"] = row.opened_at;
  o["ip"] = row.ip;
  o["user_agent"] = row.user_agent;
  o["is_bot"] = row.is_bot;
  o["bot_type"] = row.bot_type;
}

// /opens also says which message each open belongs to.
ordered_json open_json(const OpenRow& row) {
  ordered_json o;
  o["tracking_id"] = row.tracking_id;
  o["recipient"] = row.recipient;
  o["subject_hash"] = row.subject_hash;
  o["sent_at"] = iso8601(row.sent_at);
  put_open(o, row);
  return o;
}

}  // namespace

std::optional<std::string> url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= text.size())
        return std::nullopt;
      int hi = hex_value(text[i + 1]);
      int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0)
        return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<OpensQuery> parse_opens_query(std::string_view query,
                                            std::string* error) {
  OpensQuery result;
  result.limit = kOpensDefaultLimit;

  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    if (pair.empty())
      continue;

    auto eq = pair.find('=');
    auto name = url_decode(pair.substr(0, eq));
    auto value =
        url_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!name || !value) {
      *error = "bad query string: malformed percent-encoding";
      return std::nullopt;
    }
    if (!apply_parameter(result, *name, *value, error))
      return std::nullopt;
  }
  return result;
}

bool bearer_matches(std::string_view authorization,
                    std::string_view admin_key) {
  constexpr std::string_view kScheme = "Bearer ";
  if (admin_key.empty() || authorization.size() < kScheme.size())
    return false;

  bool scheme_ok = true;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    char c = authorization[i];
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
    char want = kScheme[i];
    if (want >= 'A' && want <= 'Z')
      want = static_cast<char>(want - 'A' + 'a');
    scheme_ok &= c == want;
  }

  // Touch every byte of the key whatever the token is, so the time taken
  // says nothing about how much of it matched.
  std::string_view token = authorization.substr(kScheme.size());
  unsigned char diff = token.size() == admin_key.size() ? 0 : 1;
  for (std::size_t i = 0; i < admin_key.size(); ++i) {
    unsigned char t = i < token.size() ? token[i] : 0;
    diff |= t ^ static_cast<unsigned char>(admin_key[i]);
  }
  return scheme_ok && diff == 0;
}

std::string render_query(const Payload& payload,
                         const std::vector<OpenRow>& opens,
                         std::int64_t dropped_opens) {
  ordered_json doc;
  doc["recipient"] = payload.recipient;
  doc["subject_hash"] = payload.subject_hash;
  doc["sent_at"] = iso8601(payload.sent_at);
  doc["sent_at_unix"] = payload.sent_at;

  ordered_json list = ordered_json::array();
  int human = 0;
  std::optional<std::int64_t> first_human;
  for (const auto& row : opens) {
    ordered_json o;
    put_open(o, row);
    list.push_back(std::move(o));
    if (!row.is_bot) {
      ++human;
      if (!first_human || row.opened_at < *first_human) {
        first_human = row.opened_at;
      }
    }
  }

  doc["opens"] = std::move(list);
  doc["total_opens"] = opens.size();
  doc["human_opens"] = human;
  doc["first_human_open"] =
      first_human ? ordered_json(iso8601(*first_human)) : ordered_json(nullptr);
  doc["dropped_opens"] = dropped_opens;
  return dump(doc);
}

std::string render_opens(const std::vector<OpenRow>& opens, int limit) {
  ordered_json list = ordered_json::array();
  for (const auto& row : opens)
    list.push_back(open_json(row));

  ordered_json doc;
  doc["opens"] = std::move(list);
  doc["count"] = opens.size();
  doc["limit"] = limit;
  return dump(doc);
}

std::string render_health() {
  ordered_json doc;
  doc["ok"] = true;
  doc["retention_days"] = kRetentionDays;
  return dump(doc);
}

std::string render_error(std::string_view message) {
  ordered_json doc;
  doc["error"] = std::string(message);
  return dump(doc);
}

}  // namespace gog::core
