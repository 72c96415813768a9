#include "common/config.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/error.hpp"
#include "common/files.hpp"
#include "support/test_support.hpp"

namespace gog {
namespace {

using test::ScopedEnv;
using test::TempDir;

class ConfigTest : public ::testing::Test {
 protected:
  TempDir dir;
  ScopedEnv env{
      {{"GOG_CONFIG_DIR", dir.path().string()}, {"GOG_ACCOUNT", std::nullopt}}};
};

TEST_F(ConfigTest, MissingFileIsEmpty) {
  auto config = Config::load();
  EXPECT_EQ(config.default_account, "");
  EXPECT_FALSE(config.account("me@example.com"));
}

TEST_F(ConfigTest, RoundTripsAnAccount) {
  auto config = Config::load();
  AccountConfig a;
  a.worker_url = "https://t.example.com";
  a.current_key_version = 2;
  a.key_versions = {1, 2};
  a.pending_key_version = 3;
  config.set_account("me@example.com", a);
  config.save();

  auto back = Config::load().require_account("me@example.com");
  EXPECT_EQ(back.worker_url, "https://t.example.com");
  EXPECT_EQ(back.current_key_version, 2);
  EXPECT_EQ(back.key_versions, (std::vector<int>{1, 2}));
  ASSERT_TRUE(back.pending_key_version);
  EXPECT_EQ(*back.pending_key_version, 3);
  EXPECT_EQ(Config::load().default_account, "me@example.com");
}

TEST_F(ConfigTest, KeepsUnknownMembers) {
  write_file_atomic(dir / "config.json",
                    R"({"version":1,"future":{"x":1},"accounts":{"a@b.c":{)"
                    R"("worker_url":"https://w","current_key_version":1,)"
                    R"("key_versions":[1],"worker_name":"gog-track"}}})");
  auto config = Config::load();
  auto a = config.require_account("a@b.c");
  EXPECT_EQ(a.extra["worker_name"], "gog-track");
  a.current_key_version = 2;
  config.set_account("a@b.c", a);
  config.save();

  auto doc = nlohmann::json::parse(read_file(dir / "config.json"));
  EXPECT_EQ(doc["future"]["x"], 1);
  EXPECT_EQ(doc["accounts"]["a@b.c"]["worker_name"], "gog-track");
  EXPECT_EQ(doc["accounts"]["a@b.c"]["current_key_version"], 2);
  EXPECT_FALSE(doc["accounts"]["a@b.c"]["pending_key_version"].is_number());
}

TEST_F(ConfigTest, ResolvesAccountInOrder) {
  auto config = Config::load();
  EXPECT_THROW(config.resolve_account(""), UsageError);
  config.default_account = "default@x.y";
  EXPECT_EQ(config.resolve_account(""), "default@x.y");
  {
    ScopedEnv account{{{"GOG_ACCOUNT", "env@x.y"}}};
    EXPECT_EQ(config.resolve_account(""), "env@x.y");
    EXPECT_EQ(config.resolve_account("flag@x.y"), "flag@x.y");
  }
}

TEST_F(ConfigTest, RequireAccountSaysToRunSetup) {
  try {
    Config::load().require_account("nobody@x.y");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'nobody@x.y'"), std::string::npos);
    EXPECT_NE(e.hint().find("gog gmail track setup"), std::string::npos);
  }
}

TEST_F(ConfigTest, BadJsonNamesTheFile) {
  write_file_atomic(dir / "config.json", "{not json");
  try {
    Config::load();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("config.json"), std::string::npos);
  }
}

TEST_F(ConfigTest, NewerVersionIsRefused) {
  write_file_atomic(dir / "config.json", R"({"version":9,"accounts":{}})");
  EXPECT_THROW(Config::load(), Error);
}

TEST_F(ConfigTest, WrongMemberTypeIsAnErrorNotACrash) {
  write_file_atomic(dir / "config.json", R"({"version":1,"accounts":{"a@b.c":)"
                                         R"({"current_key_version":"two"}}})");
  EXPECT_THROW(Config::load().account("a@b.c"), Error);
}

}  // namespace
}  // namespace gog
