// Tracking ids: what they carry and how to decode them.
//
// Wire format (docs/architecture.md, tests/data/tracking-ids.json):
//   base64url_nopad( version(1) || nonce(12) || ciphertext || tag(16) )
// Legacy ids have no version byte. The plaintext is compact JSON
//   {"r": recipient, "s": first 6 hex of SHA-256(subject), "t": unix seconds}
//
// The core holds no crypto: decode_plan() says which key to try at which
// offset, in order; the host runs AES-256-GCM (OpenSSL or WebCrypto) and
// hands the first plaintext that authenticates to parse_payload().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base64.hpp"

namespace gog::core {

constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kKeyBytes = 32;
// Longer ids are rejected before decoding (a 320-byte address gives ~500).
constexpr std::size_t kMaxIdChars = 1024;

struct Payload {
  std::string recipient;     // "r"
  std::string subject_hash;  // "s": 6 lowercase hex digits
  std::int64_t sent_at = 0;  // "t": unix seconds
};

// Which keys the host holds. Versions are 1..255; legacy is TRACKING_KEY.
struct KeyAvailability {
  std::vector<int> versions;  // ascending, no duplicates
  bool legacy = false;
};

// One decryption to try: key `version` (0 = the legacy key) over
// bytes[offset..]: nonce(12) then ciphertext||tag.
struct Attempt {
  int version = 0;
  std::size_t offset = 0;
};

struct DecodePlan {
  std::string canonical;          // the id re-encoded without padding
  Bytes bytes;                    // the decoded id
  std::vector<Attempt> attempts;  // in order; empty when nothing can work
};

// Decodes the text of an id and lists the decryptions to try. Returns nullopt
// (and sets *why, when given) for text that cannot be an id.
std::optional<DecodePlan> decode_plan(std::string_view id,
                                      const KeyAvailability& keys,
                                      std::string* why = nullptr);

// Validates decrypted plaintext. Rejects anything but a JSON object whose
// "r" is a plausible address (1-320 bytes, an '@', no control characters),
// "s" 6 lowercase hex digits, "t" an integer in [0, 2^40). Unknown members
// are ignored.
std::optional<Payload> parse_payload(std::string_view plaintext,
                                     std::string* why = nullptr);

// Compact JSON in the order r, s, t: the plaintext to seal.
std::string payload_json(const Payload& payload);

// "Ac46yoRG…": enough to tell ids apart in a log, too little to use.
std::string short_id(std::string_view id);

}  // namespace gog::core
