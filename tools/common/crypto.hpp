// OpenSSL primitives, wrapped so that a failure is a value, never a crash.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/base64.hpp"

namespace gog {

using core::Bytes;
using Key256 = std::array<std::uint8_t, 32>;

// Bytes from the CSPRNG (RAND_bytes). Throws gog::Error if it fails.
Bytes random_bytes(std::size_t count);

// nonce(12) || ciphertext || tag(16), with a fresh random nonce.
Bytes aes_gcm_seal(const Key256& key, std::string_view plaintext);

// Opens nonce(12) || ciphertext || tag(16). nullopt when it does not
// authenticate or is too short.
std::optional<std::string> aes_gcm_open(const Key256& key,
                                        std::span<const std::uint8_t> sealed);

std::array<std::uint8_t, 32> sha256(std::string_view data);
std::string sha256_hex(std::string_view data);

// "First 6 hex of SHA-256(subject)" over the subject's UTF-8 bytes.
std::string subject_hash(std::string_view subject);

// Key text as stored (standard base64 of 32 bytes). Surrounding whitespace
// is an error, not trimmed: a stray newline means the value was mangled.
std::optional<Key256> parse_key(std::string_view base64_text);
std::string format_key(const Key256& key);
Key256 generate_key();

// Constant-time comparison of equal-length prefixes plus the length check.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace gog
