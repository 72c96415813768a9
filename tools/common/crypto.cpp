#include "common/crypto.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cassert>
#include <memory>

#include "common/error.hpp"
#include "core/tracking_id.hpp"

namespace gog {
namespace {

using CipherCtx =
    std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherCtx new_ctx() {
  return {EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free};
}

constexpr int kNonce = static_cast<int>(core::kNonceBytes);
constexpr int kTag = static_cast<int>(core::kTagBytes);

}  // namespace

Bytes random_bytes(std::size_t count) {
  Bytes out(count);
  if (RAND_bytes(out.data(), static_cast<int>(count)) != 1) {
    throw Error("cannot read the system's random number generator");
  }
  return out;
}

Bytes aes_gcm_seal(const Key256& key, std::string_view plaintext) {
  // A fresh random 96-bit nonce per message: GCM with a repeated nonce
  // leaks plaintext and the authentication key.
  Bytes out = random_bytes(core::kNonceBytes);
  out.resize(kNonce + plaintext.size() + kTag);

  auto ctx = new_ctx();
  int len = 0;
  bool ok =
      ctx &&
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr,
                         nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonce, nullptr) ==
          1 &&
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), out.data()) ==
          1 &&
      EVP_EncryptUpdate(
          ctx.get(), out.data() + kNonce, &len,
          reinterpret_cast<const unsigned char*>(plaintext.data()),
          static_cast<int>(plaintext.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx.get(), out.data() + kNonce + len, &len) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag,
                          out.data() + kNonce + plaintext.size()) == 1;
  if (!ok)
    throw Error("AES-256-GCM encryption failed");
  return out;
}

std::optional<std::string> aes_gcm_open(const Key256& key,
                                        std::span<const std::uint8_t> sealed) {
  if (sealed.size() < static_cast<std::size_t>(kNonce + kTag)) {
    return std::nullopt;
  }
  std::size_t text_len = sealed.size() - kNonce - kTag;
  std::string plain(text_len, '\0');
  // The tag is exactly 16 bytes: shorter tags are never accepted.
  Bytes tag(sealed.end() - kTag, sealed.end());

  auto ctx = new_ctx();
  int len = 0;
  bool ok =
      ctx &&
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr,
                         nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonce, nullptr) ==
          1 &&
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.data(),
                         sealed.data()) == 1 &&
      EVP_DecryptUpdate(
          ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len,
          sealed.data() + kNonce, static_cast<int>(text_len)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag, tag.data()) ==
          1 &&
      EVP_DecryptFinal_ex(ctx.get(),
                          reinterpret_cast<unsigned char*>(plain.data()) + len,
                          &len) == 1;
  if (!ok)
    return std::nullopt;
  return plain;
}

std::array<std::uint8_t, 32> sha256(std::string_view data) {
  std::array<std::uint8_t, 32> out{};
  unsigned int len = 0;
  bool ok = EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(),
                       nullptr) == 1;
  assert(!ok || len == out.size());
  if (!ok)
    throw Error("SHA-256 failed");
  return out;
}

std::string sha256_hex(std::string_view data) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : sha256(data)) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string subject_hash(std::string_view subject) {
  return sha256_hex(subject).substr(0, 6);
}

std::optional<Key256> parse_key(std::string_view base64_text) {
  auto bytes = core::base64_decode(base64_text, core::Alphabet::kStandard);
  if (!bytes || bytes->size() != 32)
    return std::nullopt;
  Key256 key;
  std::copy(bytes->begin(), bytes->end(), key.begin());
  return key;
}

std::string format_key(const Key256& key) {
  return core::base64_encode(key, core::Alphabet::kStandard, true);
}

Key256 generate_key() {
  Bytes bytes = random_bytes(32);
  Key256 key;
  std::copy(bytes.begin(), bytes.end(), key.begin());
  return key;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) {
    unsigned char other = i < b.size() ? b[i] : 0;
    diff |= static_cast<unsigned char>(a[i]) ^ other;
  }
  return diff == 0;
}

}  // namespace gog
