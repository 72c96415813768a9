#include "core/tracking_id.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace gog::core {
namespace {

constexpr std::size_t kMaxRecipientBytes = 320;
constexpr std::int64_t kMaxSentAt = std::int64_t{1} << 40;

bool fail(std::string* why, const char* reason) {
  if (why)
    *why = reason;
  return false;
}

bool held(const KeyAvailability& keys, int version) {
  return std::binary_search(keys.versions.begin(), keys.versions.end(),
                            version);
}

bool valid_recipient(const std::string& r) {
  if (r.empty() || r.size() > kMaxRecipientBytes)
    return false;
  if (r.find('@') == std::string::npos)
    return false;
  return std::none_of(r.begin(), r.end(),
                      [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

bool valid_subject_hash(const std::string& s) {
  return s.size() == 6 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

std::optional<DecodePlan> decode_plan(std::string_view id,
                                      const KeyAvailability& keys,
                                      std::string* why) {
  if (id.size() > kMaxIdChars) {
    fail(why, "id is too long");
    return std::nullopt;
  }
  auto bytes = base64_decode(id, Alphabet::kUrl);
  if (!bytes) {
    fail(why, "id is not base64url");
    return std::nullopt;
  }
  if (bytes->size() < kNonceBytes + kTagBytes) {
    fail(why, "id is too short");
    return std::nullopt;
  }

  DecodePlan plan;
  plan.canonical = base64_encode(*bytes, Alphabet::kUrl, false);
  plan.bytes = std::move(*bytes);

  // The version byte sits outside the AEAD, so it is only a hint: when it
  // names a key we hold, that key alone is tried at offset 1; otherwise
  // every key is. A legacy id has no version byte at all, and its first
  // nonce byte may look like one, so the legacy key is always tried last.
  if (plan.bytes.size() >= 1 + kNonceBytes + kTagBytes) {
    int hint = plan.bytes[0];
    if (held(keys, hint)) {
      plan.attempts.push_back({hint, 1});
    } else {
      for (int v : keys.versions)
        plan.attempts.push_back({v, 1});
    }
  }
  if (keys.legacy)
    plan.attempts.push_back({0, 0});
  return plan;
}

std::optional<Payload> parse_payload(std::string_view plaintext,
                                     std::string* why) {
  auto doc = nlohmann::json::parse(plaintext, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    fail(why, "payload is not a JSON object");
    return std::nullopt;
  }

  auto r = doc.find("r");
  auto s = doc.find("s");
  auto t = doc.find("t");
  if (r == doc.end() || !r->is_string() ||
      !valid_recipient(r->get_ref<const std::string&>())) {
    fail(why, "payload has no valid recipient");
    return std::nullopt;
  }
  if (s == doc.end() || !s->is_string() ||
      !valid_subject_hash(s->get_ref<const std::string&>())) {
    fail(why, "payload has no valid subject hash");
    return std::nullopt;
  }
  if (t == doc.end() || !t->is_number_integer()) {
    fail(why, "payload has no valid time");
    return std::nullopt;
  }

  // An unsigned value too large for int64 would wrap: check it as unsigned.
  if (t->is_number_unsigned() && t->get<std::uint64_t>() >= kMaxSentAt) {
    fail(why, "payload time is out of range");
    return std::nullopt;
  }
  std::int64_t sent_at = t->get<std::int64_t>();
  if (sent_at < 0 || sent_at >= kMaxSentAt) {
    fail(why, "payload time is out of range");
    return std::nullopt;
  }
  return Payload{r->get<std::string>(), s->get<std::string>(), sent_at};
}

std::string payload_json(const Payload& payload) {
  nlohmann::ordered_json doc;
  doc["r"] = payload.recipient;
  doc["s"] = payload.subject_hash;
  doc["t"] = payload.sent_at;
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string short_id(std::string_view id) {
  constexpr std::size_t kShown = 8;
  if (id.size() <= kShown)
    return std::string(id);
  return std::string(id.substr(0, kShown)) + "\u2026";
}

}  // namespace gog::core
