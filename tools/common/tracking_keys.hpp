// The keys that seal and open tracking ids, and where they come from.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/crypto.hpp"
#include "core/tracking_id.hpp"

namespace gog {

struct KeySet {
  std::map<int, Key256> versions;  // TRACKING_KEY_V<N>
  std::optional<Key256> legacy;    // TRACKING_KEY
  int current = 0;                 // TRACKING_CURRENT_KEY_VERSION

  core::KeyAvailability availability() const;
};

// Reads the Worker's variables from a lookup (the environment, a keyring,
// a map in tests): TRACKING_KEY_V1..255, TRACKING_CURRENT_KEY_VERSION,
// TRACKING_KEY. When only TRACKING_KEY is set it is also version 1. When the
// current version is unset it is the highest version held. Throws
// gog::Error naming the variable for a key that is not base64 of 32 bytes
// or a current version that names no key.
using Lookup = std::function<std::optional<std::string>(std::string_view)>;
KeySet load_keys(const Lookup& lookup);

// True when any TRACKING_KEY* variable is set in the environment.
bool keys_in_environment();
Lookup environment_lookup();

// The keys of an account: from the environment when any TRACKING_KEY*
// variable is set (exactly as the Worker reads them), else from the
// account's keyring entries (same names). Throws gog::Error with the next
// step ("run gog gmail track setup") when there are none.
// Implemented in account_keys.cpp, beside the keyring.
KeySet keys_for_account(const std::string& account);

// Seals a payload with the current key: version byte, then AES-256-GCM.
std::string seal_id(const KeySet& keys, const core::Payload& payload);

// Opens an id with every applicable key, in core::decode_plan's order.
std::optional<core::Payload> open_id(const KeySet& keys, std::string_view id,
                                     std::string* canonical = nullptr);

}  // namespace gog
