#include "common/tracking_keys.hpp"

#include <charconv>
#include <cstdlib>

#include "common/error.hpp"
#include "common/files.hpp"

namespace gog {
namespace {

constexpr int kMaxVersion = 255;

Key256 require_key(const std::string& name, const std::string& text) {
  auto key = parse_key(text);
  if (!key) {
    throw Error(name + " is not a key: expected base64 of exactly 32 bytes",
                "give it the value printed by 'gog gmail track setup' "
                "(no surrounding spaces or newline)");
  }
  return *key;
}

int parse_version(const std::string& text) {
  int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 1 ||
      v > kMaxVersion) {
    throw Error("TRACKING_CURRENT_KEY_VERSION " + quoted(text) +
                    " is not a key version",
                "use a whole number from 1 to 255");
  }
  return v;
}

}  // namespace

core::KeyAvailability KeySet::availability() const {
  core::KeyAvailability out;
  for (const auto& [v, key] : versions)
    out.versions.push_back(v);
  out.legacy = legacy.has_value();
  return out;
}

KeySet load_keys(const Lookup& lookup) {
  KeySet keys;
  for (int v = 1; v <= kMaxVersion; ++v) {
    std::string name = "TRACKING_KEY_V" + std::to_string(v);
    if (auto text = lookup(name))
      keys.versions[v] = require_key(name, *text);
  }
  if (auto text = lookup("TRACKING_KEY")) {
    keys.legacy = require_key("TRACKING_KEY", *text);
    // The original tool had one key: it is version 1 as well.
    if (keys.versions.empty())
      keys.versions[1] = *keys.legacy;
  }

  auto current = lookup("TRACKING_CURRENT_KEY_VERSION");
  if (current) {
    keys.current = parse_version(*current);
    if (!keys.versions.count(keys.current)) {
      throw Error(
          "TRACKING_CURRENT_KEY_VERSION " + quoted(*current) + " names no key",
          "set TRACKING_KEY_V" + *current + " or change the version");
    }
  } else if (!keys.versions.empty()) {
    keys.current = keys.versions.rbegin()->first;
  }
  return keys;
}

Lookup environment_lookup() {
  return [](std::string_view name) { return env(std::string(name).c_str()); };
}

bool keys_in_environment() {
  if (env("TRACKING_KEY") || env("TRACKING_CURRENT_KEY_VERSION"))
    return true;
  for (int v = 1; v <= kMaxVersion; ++v) {
    if (env(("TRACKING_KEY_V" + std::to_string(v)).c_str()))
      return true;
  }
  return false;
}

std::string seal_id(const KeySet& keys, const core::Payload& payload) {
  auto key = keys.versions.find(keys.current);
  if (key == keys.versions.end()) {
    throw Error("no current tracking key to seal the id with",
                "run 'gog gmail track setup' first");
  }

  Bytes sealed = aes_gcm_seal(key->second, core::payload_json(payload));
  Bytes id;
  id.reserve(1 + sealed.size());
  id.push_back(static_cast<std::uint8_t>(keys.current));
  id.insert(id.end(), sealed.begin(), sealed.end());
  return core::base64_encode(id, core::Alphabet::kUrl, false);
}

std::optional<core::Payload> open_id(const KeySet& keys, std::string_view id,
                                     std::string* canonical) {
  auto plan = core::decode_plan(id, keys.availability());
  if (!plan)
    return std::nullopt;

  for (const auto& attempt : plan->attempts) {
    const Key256& key =
        attempt.version == 0 ? *keys.legacy : keys.versions.at(attempt.version);
    auto sealed = std::span(plan->bytes).subspan(attempt.offset);
    auto plain = aes_gcm_open(key, sealed);
    if (!plain)
      continue;

    auto payload = core::parse_payload(*plain);
    if (!payload)
      return std::nullopt;
    if (canonical)
      *canonical = plan->canonical;
    return payload;
  }
  return std::nullopt;
}

}  // namespace gog
