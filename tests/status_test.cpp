#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>

#include "common/config.hpp"
#include "common/files.hpp"
#include "support/test_support.hpp"

namespace gog {
namespace {

using nlohmann::json;
using test::ScopedEnv;
using test::TempDir;

class StatusTest : public ::testing::Test {
 protected:
  TempDir dir;
  std::map<std::string, std::string> env{
      {"GOG_CONFIG_DIR", (dir / "config").string()},
      {"GOG_STATE_DIR", (dir / "state").string()},
      {"GOG_KEYRING_BACKEND", "file"},
      {"GOG_KEYRING_PASSWORD", "pw"},
      {"GOG_ACCOUNT", "me@example.com"}};
  json secrets;

  void SetUp() override {
    auto r = test::run_tool(
        "gog-setup", {"--worker-url", "https://t.example.com", "--json"}, env);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    secrets = json::parse(r.out)["secrets"];
  }
  test::RunResult status(std::vector<std::string> args = {}) {
    return test::run_tool("gog-status", args, env);
  }
  void expect_no_secret(const std::string& text) {
    for (const auto& [name, value] : secrets.items()) {
      if (name == "TRACKING_CURRENT_KEY_VERSION")
        continue;
      EXPECT_EQ(text.find(value.get<std::string>()), std::string::npos) << name;
    }
  }
};

TEST_F(StatusTest, ShowsTheSetupWithoutSecrets) {
  auto r = status({"--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto s = json::parse(r.out);
  EXPECT_EQ(s["worker_url"], "https://t.example.com");
  EXPECT_EQ(s["current_key_version"], 1);
  EXPECT_EQ(s["keyring"]["backend"], "file");
  EXPECT_EQ(s["keyring"]["versions_held"], json::array({1}));
  EXPECT_TRUE(s["keyring"]["admin_key"].get<bool>());
  EXPECT_EQ(s["event_log"]["last_seq"], 1);
  EXPECT_EQ(s["event_log"]["last_type"], "setup.configured");
  EXPECT_TRUE(s["pending_key_version"].is_null());
  expect_no_secret(r.out + r.err);

  auto text = status();
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("https://t.example.com"), std::string::npos);
  EXPECT_EQ(text.out.find("PENDING"), std::string::npos);
  expect_no_secret(text.out + text.err);
}

TEST_F(StatusTest, PendingRotationIsLoud) {
  ScopedEnv scoped{{{"GOG_CONFIG_DIR", (dir / "config").string()}}};
  auto config = Config::load();
  auto a = config.require_account("me@example.com");
  a.pending_key_version = 2;
  a.key_versions = {1, 2};
  config.set_account("me@example.com", a);
  config.save();

  auto r = status();
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("PENDING ROTATION: key version 2"), std::string::npos)
      << r.out;
  EXPECT_NE(r.err.find("pending"), std::string::npos);
  EXPECT_EQ(json::parse(status({"--json"}).out)["pending_key_version"], 2);
}

TEST_F(StatusTest, WrongPasswordStillShowsTheConfig) {
  env["GOG_KEYRING_PASSWORD"] = "wrong";
  auto r = status({"--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto s = json::parse(r.out);
  EXPECT_EQ(s["keyring"]["backend"], "unavailable");
  EXPECT_NE(s["keyring"]["error"].get<std::string>().find("cannot be "
                                                          "decrypted"),
            std::string::npos);
}

TEST_F(StatusTest, UnknownAccountSaysToRunSetup) {
  auto r = status({"--account", "other@example.com"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("gog gmail track setup"), std::string::npos);
}

TEST_F(StatusTest, FullStdoutIsAFailureThroughGog) {
  std::string cmd;
  for (const auto& [k, v] : env)
    cmd += k + "='" + v + "' ";
  cmd += std::string(GOG_BIN_DIR) + "/gog gmail track status > /dev/full " +
         "2>/dev/null";
  int st = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 1);
}

}  // namespace
}  // namespace gog
