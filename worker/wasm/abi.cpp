// The C ABI between the Worker's JavaScript and the C++ core.
//
// Contract: the host copies a UTF-8 JSON request {"op": ..., ...} into memory
// from gog_alloc, calls gog_call(ptr, len), reads gog_call's return value as
// the length of the answer at gog_output(), and frees the request. The answer
// stays valid until the next gog_call. Binary values travel as lowercase hex.
//
// Operations (request members -> answer):
//   plan          id, versions[], legacy -> {ok, canonical, bytes,
//                 attempts: [[version, offset], ...]} | {ok: false, why}
//   payload       plaintext (hex) -> {ok, r, s, t} | {ok: false, why}
//   record        tracking_id, r, s, t, ip, ua, now -> {sql, binds}
//   purge         now -> {statements: [{sql, binds}, ...]}
//   opens_query   query -> {ok, sql, binds} | {ok: false, error}
//   bearer        authorization, admin_key -> {ok}
//   render_query  r, s, t, opens[], dropped -> the /q/ body
//   render_opens  opens[], limit -> the /opens body
//   render_error  message -> the error body
//   render_health -> the /health body
//   key           text -> {ok, bytes}: base64 of exactly 32 bytes, nothing
//                 trimmed
//   constants     -> {sql: {opens_for_id, dropped_for_id}, limits: {...}}
// A request the ABI cannot read answers {"ok": false, "why": ...}.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/admin.hpp"
#include "core/classify.hpp"
#include "core/rules.hpp"
#include "core/sql.hpp"
#include "core/tracking_id.hpp"

namespace {

using nlohmann::json;
namespace core = gog::core;

std::string output;

std::string to_hex(const core::Bytes& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    hex += kDigits[b >> 4];
    hex += kDigits[b & 15];
  }
  return hex;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Invalid hex gives an empty string: the payload check then rejects it.
std::string from_hex(std::string_view hex) {
  std::string bytes;
  if (hex.size() % 2 != 0) return bytes;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return {};
    bytes += static_cast<char>(hi << 4 | lo);
  }
  return bytes;
}

// Members are read defensively: with JSON_NOEXCEPTION a wrong type would
// abort the module, so every read checks the type first.
std::string text(const json& in, const char* name) {
  auto it = in.find(name);
  return it != in.end() && it->is_string() ? it->get<std::string>() : "";
}

std::int64_t number(const json& in, const char* name) {
  auto it = in.find(name);
  return it != in.end() && it->is_number_integer() ? it->get<std::int64_t>()
                                                   : 0;
}

json failure(std::string_view why) {
  return {{"ok", false}, {"why", why}};
}

json plan(const json& in) {
  core::KeyAvailability keys;
  if (auto it = in.find("versions"); it != in.end() && it->is_array()) {
    for (const auto& v : *it) {
      if (v.is_number_integer()) keys.versions.push_back(v.get<int>());
    }
  }
  auto legacy = in.find("legacy");
  keys.legacy = legacy != in.end() && legacy->is_boolean() && legacy->get<bool>();

  std::string why;
  auto result = core::decode_plan(text(in, "id"), keys, &why);
  if (!result) return failure(why);

  json attempts = json::array();
  for (const auto& a : result->attempts) {
    attempts.push_back({a.version, a.offset});
  }
  return {{"ok", true},
          {"canonical", result->canonical},
          {"bytes", to_hex(result->bytes)},
          {"attempts", attempts}};
}

json payload(const json& in) {
  std::string why;
  auto result = core::parse_payload(from_hex(text(in, "plaintext")), &why);
  if (!result) return failure(why);
  return {{"ok", true},
          {"r", result->recipient},
          {"s", result->subject_hash},
          {"t", result->sent_at}};
}

json record(const json& in) {
  std::int64_t now = number(in, "now");
  std::int64_t sent_at = number(in, "t");
  std::string ua = text(in, "ua");
  auto kind = core::classify_open(ua, now - sent_at);
  auto bounds = core::sql::record_open_bounds(now);

  json binds = {text(in, "tracking_id"), text(in, "r"),   text(in, "s"),
                sent_at,                 now,             text(in, "ip"),
                ua,                      kind.is_bot ? 1 : 0,
                std::string(kind.type),  bounds.dedupe_since,
                bounds.cap_since,        bounds.ip_cap};
  return {{"sql", core::sql::kRecordOpen}, {"binds", binds}};
}

json purge(const json& in) {
  std::int64_t cutoff = core::sql::purge_cutoff(number(in, "now"));
  json opens = {{"sql", core::sql::kPurgeOpens}, {"binds", {cutoff}}};
  json dropped = {{"sql", core::sql::kPurgeDropped},
                  {"binds", {cutoff / 3600}}};
  return {{"statements", {opens, dropped}}};
}

json key(const json& in) {
  auto bytes = core::base64_decode(text(in, "text"), core::Alphabet::kStandard);
  if (!bytes || bytes->size() != core::kKeyBytes) {
    return failure("not base64 of exactly 32 bytes");
  }
  return {{"ok", true}, {"bytes", to_hex(*bytes)}};
}

json opens_query(const json& in) {
  std::string error;
  auto query = core::parse_opens_query(text(in, "query"), &error);
  if (!query) return {{"ok", false}, {"error", error}};

  json recipient = query->recipient ? json(*query->recipient) : json(nullptr);
  json since = query->since ? json(*query->since) : json(nullptr);
  return {{"ok", true},
          {"sql", core::sql::kListOpens},
          {"binds", {recipient, since, query->limit}},
          {"limit", query->limit}};
}

json bearer(const json& in) {
  bool ok = core::bearer_matches(text(in, "authorization"),
                                 text(in, "admin_key"));
  return {{"ok", ok}};
}

std::vector<core::OpenRow> rows(const json& in) {
  std::vector<core::OpenRow> out;
  auto it = in.find("opens");
  if (it == in.end() || !it->is_array()) return out;
  for (const auto& r : *it) {
    if (!r.is_object()) continue;
    out.push_back({text(r, "tracking_id"), text(r, "recipient"),
                   text(r, "subject_hash"), number(r, "sent_at"),
                   number(r, "opened_at"), text(r, "ip"),
                   text(r, "user_agent"), number(r, "is_bot") != 0,
                   text(r, "bot_type")});
  }
  return out;
}

std::string render_query(const json& in) {
  core::Payload p{text(in, "r"), text(in, "s"), number(in, "t")};
  return core::render_query(p, rows(in), number(in, "dropped"));
}

std::string render_opens(const json& in) {
  return core::render_opens(rows(in), static_cast<int>(number(in, "limit")));
}

json constants() {
  json sql = {{"opens_for_id", core::sql::kOpensForId},
              {"dropped_for_id", core::sql::kDroppedForId}};
  json limits = {{"max_target_bytes", core::kMaxRequestTargetBytes},
                 {"max_user_agent_bytes", core::kMaxUserAgentBytes},
                 {"max_id_chars", core::kMaxIdChars}};
  return {{"sql", sql}, {"limits", limits}};
}

// Ops that answer a response body rather than JSON for the host to read.
bool render(const std::string& op, const json& in) {
  if (op == "render_query") {
    output = render_query(in);
  } else if (op == "render_opens") {
    output = render_opens(in);
  } else if (op == "render_error") {
    output = core::render_error(text(in, "message"));
  } else if (op == "render_health") {
    output = core::render_health();
  } else {
    return false;
  }
  return true;
}

json dispatch(const std::string& op, const json& in) {
  if (op == "plan") return plan(in);
  if (op == "payload") return payload(in);
  if (op == "record") return record(in);
  if (op == "purge") return purge(in);
  if (op == "opens_query") return opens_query(in);
  if (op == "bearer") return bearer(in);
  if (op == "key") return key(in);
  if (op == "constants") return constants();
  return failure("unknown op");
}

}  // namespace

extern "C" {

void* gog_alloc(std::size_t size) { return std::malloc(size ? size : 1); }

void gog_free(void* pointer) { std::free(pointer); }

const char* gog_output() { return output.data(); }

std::size_t gog_call(const char* request, std::size_t length) {
  json in = json::parse(std::string_view(request, length), nullptr, false);
  if (in.is_discarded() || !in.is_object()) {
    output = failure("request is not a JSON object").dump();
    return output.size();
  }

  std::string op = text(in, "op");
  if (!render(op, in)) {
    // Replacement characters keep dump() from aborting on invalid UTF-8.
    output = dispatch(op, in).dump(-1, ' ', false,
                                   json::error_handler_t::replace);
  }
  return output.size();
}

}  // extern "C"
