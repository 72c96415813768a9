#include "core/base64.hpp"

#include <array>

namespace gog::core {
namespace {

constexpr char kStandard[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

const char* letters(Alphabet alphabet) {
  return alphabet == Alphabet::kUrl ? kUrl : kStandard;
}

// 0xff marks a byte outside the alphabet.
std::array<std::uint8_t, 256> reverse_table(Alphabet alphabet) {
  std::array<std::uint8_t, 256> table;
  table.fill(0xff);
  const char* chars = letters(alphabet);
  for (int i = 0; i < 64; ++i) {
    table[static_cast<unsigned char>(chars[i])] = static_cast<std::uint8_t>(i);
  }
  return table;
}

}  // namespace

std::string base64_encode(std::span<const std::uint8_t> data, Alphabet alphabet,
                          bool pad) {
  const char* chars = letters(alphabet);
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);

  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    std::uint32_t n = data[i] << 16 | data[i + 1] << 8 | data[i + 2];
    out += chars[n >> 18 & 63];
    out += chars[n >> 12 & 63];
    out += chars[n >> 6 & 63];
    out += chars[n & 63];
  }

  std::size_t rest = data.size() - i;
  if (rest > 0) {
    std::uint32_t n = data[i] << 16;
    if (rest == 2)
      n |= data[i + 1] << 8;
    out += chars[n >> 18 & 63];
    out += chars[n >> 12 & 63];
    if (rest == 2)
      out += chars[n >> 6 & 63];
    if (pad)
      out.append(3 - rest, '=');
  }
  return out;
}

std::optional<Bytes> base64_decode(std::string_view text, Alphabet alphabet) {
  static const auto standard = reverse_table(Alphabet::kStandard);
  static const auto url = reverse_table(Alphabet::kUrl);
  const auto& table = alphabet == Alphabet::kUrl ? url : standard;

  // Padding is optional, but if present it must complete a quantum.
  std::size_t padded_length = text.size();
  while (!text.empty() && text.back() == '=')
    text.remove_suffix(1);
  std::size_t pad = padded_length - text.size();
  if (pad > 2 || (pad > 0 && padded_length % 4 != 0))
    return std::nullopt;
  if (text.size() % 4 == 1)
    return std::nullopt;

  Bytes out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : text) {
    std::uint8_t v = table[c];
    if (v == 0xff)
      return std::nullopt;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }

  // Canonical encodings leave no set bits behind the last byte.
  if (acc != 0)
    return std::nullopt;
  return out;
}

}  // namespace gog::core
