// Base64 in the two alphabets gog-track speaks (RFC 4648).
//
// Tracking ids are base64url without padding; Gmail's `raw` field is
// base64url and may carry padding; keys are standard base64 with padding.
// The two alphabets are never mixed: a decoder for one rejects the other's
// characters.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gog::core {

using Bytes = std::vector<std::uint8_t>;

enum class Alphabet { kStandard, kUrl };

std::string base64_encode(std::span<const std::uint8_t> data, Alphabet alphabet,
                          bool pad);

inline std::string base64_encode(std::string_view data, Alphabet alphabet,
                                 bool pad) {
  return base64_encode(
      std::span(reinterpret_cast<const std::uint8_t*>(data.data()),
                data.size()),
      alphabet, pad);
}

// Decodes text in the given alphabet. Trailing '=' padding is optional, but
// when present it must make the length a multiple of four. Returns nullopt
// for a character outside the alphabet, a length of 1 mod 4 (no encoding
// has one), or non-zero bits left over in the last character.
std::optional<Bytes> base64_decode(std::string_view text, Alphabet alphabet);

}  // namespace gog::core
