// Tracking ids: the original tool's vectors (the compatibility contract),
// sealing, nonce freshness and tampering (cases C09, C10).
#include <gtest/gtest.h>

#include <set>

#include "common/crypto.hpp"
#include "common/error.hpp"
#include "common/tracking_keys.hpp"
#include "core/tracking_id.hpp"
#include "support/test_support.hpp"

namespace gog {
namespace {

using nlohmann::json;

KeySet vector_keys(const json& vectors, const json& available) {
  std::map<std::string, std::string> vars;
  for (int v : available) {
    vars["TRACKING_KEY_V" + std::to_string(v)] =
        vectors["keys"][std::to_string(v)];
  }
  std::string legacy = std::to_string(vectors["legacy_key_version"].get<int>());
  vars["TRACKING_KEY"] = vectors["keys"][legacy];
  return load_keys([&](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end())
      return std::nullopt;
    return it->second;
  });
}

TEST(TrackingIdVectors, EveryCaseDecodesAsTheOriginalToolDid) {
  json vectors = test::data_json("tracking-ids.json");
  ASSERT_GE(vectors["cases"].size(), 12u);

  for (const auto& c : vectors["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    KeySet keys = vector_keys(vectors, c["keys_available"]);
    auto payload = open_id(keys, c["blob"].get<std::string>());

    ASSERT_EQ(payload.has_value(), c["expect"]["ok"].get<bool>());
    if (!payload)
      continue;
    const json& want = c["expect"]["payload"];
    EXPECT_EQ(payload->recipient, want["r"].get<std::string>());
    EXPECT_EQ(payload->subject_hash, want["s"].get<std::string>());
    EXPECT_EQ(payload->sent_at, want["t"].get<std::int64_t>());
  }
}

TEST(TrackingIdVectors, SubjectHashesMatch) {
  json vectors = test::data_json("tracking-ids.json");
  for (const auto& [subject, hash] : vectors["subject_hashes"].items()) {
    EXPECT_EQ(subject_hash(subject), hash.get<std::string>()) << subject;
  }
}

KeySet key_of_0x11() {
  return load_keys([](std::string_view name) -> std::optional<std::string> {
    if (name == "TRACKING_KEY_V1") {
      return "ERERERERERERERERERERERERERERERERERERERERERE=";
    }
    return std::nullopt;
  });
}

TEST(TrackingId, SealedIdsRoundTripAtEveryLengthClass) {
  KeySet keys = key_of_0x11();
  // C09: 49, 50 and 51 JSON bytes give ids of 104, 106 and 107 characters.
  const std::pair<const char*, std::size_t> cases[] = {
      {"a@example.com", 104},
      {"ab@example.com", 106},
      {"abc@example.com", 107}};
  for (const auto& [recipient, length] : cases) {
    core::Payload p{recipient, "a1b2c3", 1767225600};
    std::string id = seal_id(keys, p);
    EXPECT_EQ(id.size(), length) << recipient;
    EXPECT_EQ(id.find_first_of("=+/"), std::string::npos) << id;
    auto back = open_id(keys, id);
    ASSERT_TRUE(back) << recipient;
    EXPECT_EQ(back->recipient, recipient);
  }
}

TEST(TrackingId, DamagedIdsAreRejected) {
  KeySet keys = key_of_0x11();
  std::string id104 = seal_id(keys, {"a@example.com", "a1b2c3", 1767225600});
  std::string id106 = seal_id(keys, {"ab@example.com", "a1b2c3", 1767225600});

  std::string missing_middle = id104.substr(0, 50) + id104.substr(51);
  EXPECT_FALSE(open_id(keys, missing_middle));
  EXPECT_FALSE(open_id(keys, id106.substr(0, 105)));  // 1 mod 4
  EXPECT_FALSE(core::base64_decode(id106.substr(0, 105), core::Alphabet::kUrl));

  // Padding is tolerated (documented), the other alphabet is not.
  EXPECT_TRUE(open_id(keys, id106 + "=="));
  std::string id;
  do {
    id = seal_id(keys, {"ab@example.com", "a1b2c3", 1767225600});
  } while (id.find_first_of("-_") == std::string::npos);
  for (char& c : id)
    c = c == '-' ? '+' : c == '_' ? '/' : c;
  EXPECT_FALSE(open_id(keys, id));
}

TEST(TrackingId, NoncesAreFreshForEveryId) {
  KeySet keys = key_of_0x11();
  core::Payload p{"ann@example.com", "a1b2c3", 1767225600};
  std::string a = seal_id(keys, p);
  std::string b = seal_id(keys, p);
  EXPECT_NE(a, b);

  std::set<std::string> nonces;
  for (int i = 0; i < 100000; ++i) {
    p.recipient = "r" + std::to_string(i) + "@example.com";
    auto bytes = core::base64_decode(seal_id(keys, p), core::Alphabet::kUrl);
    ASSERT_TRUE(bytes);
    nonces.emplace(bytes->begin() + 1, bytes->begin() + 13);
  }
  EXPECT_EQ(nonces.size(), 100000u);
}

TEST(TrackingId, AnyFlippedBitFailsToOpen) {
  KeySet keys = key_of_0x11();
  std::string id = seal_id(keys, {"ann@example.com", "a1b2c3", 1767225600});
  auto bytes = *core::base64_decode(id, core::Alphabet::kUrl);

  // (a) nonce, (b) ciphertext, (c) tag.
  for (std::size_t at : {std::size_t{3}, std::size_t{20}, bytes.size() - 2}) {
    auto flipped = bytes;
    flipped[at] ^= 0x01;
    std::string bad = core::base64_encode(flipped, core::Alphabet::kUrl, false);
    EXPECT_FALSE(open_id(keys, bad)) << "byte " << at;
  }
}

TEST(TrackingId, VersionByteIsOnlyAHint) {
  // (d) The version byte sits outside the AEAD. Naming another held key
  // selects that key, which fails; naming no held key falls back to every
  // key, which is the original tool's contract ("unknown-version-byte").
  KeySet keys =
      load_keys([](std::string_view name) -> std::optional<std::string> {
        if (name == "TRACKING_KEY_V1") {
          return "ERERERERERERERERERERERERERERERERERERERERERE=";
        }
        if (name == "TRACKING_KEY_V2") {
          return "IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI=";
        }
        if (name == "TRACKING_CURRENT_KEY_VERSION")
          return "1";
        return std::nullopt;
      });
  std::string id = seal_id(keys, {"ann@example.com", "a1b2c3", 1767225600});
  auto bytes = *core::base64_decode(id, core::Alphabet::kUrl);

  bytes[0] = 2;
  EXPECT_FALSE(
      open_id(keys, core::base64_encode(bytes, core::Alphabet::kUrl, false)));
  bytes[0] = 9;
  EXPECT_TRUE(
      open_id(keys, core::base64_encode(bytes, core::Alphabet::kUrl, false)));
}

TEST(TrackingId, ShortIdHidesTheRest) {
  EXPECT_EQ(core::short_id("Ac46yoRGFQAxPYrO4PLh"), "Ac46yoRG\u2026");
  EXPECT_EQ(core::short_id("abc"), "abc");
}

TEST(KeyLoading, BadKeysNameTheVariable) {
  auto lookup = [](std::string value) {
    return [value](std::string_view name) -> std::optional<std::string> {
      if (name == "TRACKING_KEY_V1")
        return value;
      return std::nullopt;
    };
  };
  // C23: a trailing newline is a mangled value, not something to trim.
  try {
    load_keys(lookup("ERERERERERERERERERERERERERERERERERERERERERE=\n"));
    FAIL() << "accepted a key with a newline";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("TRACKING_KEY_V1"), std::string::npos);
  }
  EXPECT_THROW(load_keys(lookup("c2hvcnQ=")), Error);
  EXPECT_NO_THROW(
      load_keys(lookup("ERERERERERERERERERERERERERERERERERERERERERE=")));
}

TEST(KeyLoading, CurrentVersionMustNameAKey) {
  auto lookup = [](std::string_view name) -> std::optional<std::string> {
    if (name == "TRACKING_KEY_V1") {
      return "ERERERERERERERERERERERERERERERERERERERERERE=";
    }
    if (name == "TRACKING_CURRENT_KEY_VERSION")
      return "2";
    return std::nullopt;
  };
  EXPECT_THROW(load_keys(lookup), Error);
}

}  // namespace
}  // namespace gog
