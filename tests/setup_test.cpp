#include <gtest/gtest.h>

#include "common/files.hpp"
#include "common/keyring.hpp"
#include "setup/setup.hpp"
#include "support/test_support.hpp"

namespace gog {
namespace {

using nlohmann::json;
using test::RunResult;
using test::ScopedEnv;
using test::TempDir;

constexpr const char* kKey11 = "ERERERERERERERERERERERERERERERERERERERERERE=";
constexpr const char* kUrl = "https://gog-track.example.workers.dev";

class SetupTest : public ::testing::Test {
 protected:
  TempDir dir;
  std::map<std::string, std::string> env_vars{
      {"GOG_CONFIG_DIR", (dir / "config").string()},
      {"GOG_STATE_DIR", (dir / "state").string()},
      {"GOG_KEYRING_BACKEND", "file"},
      {"GOG_KEYRING_PASSWORD", "test password"},
      {"GOG_ACCOUNT", "me@example.com"}};

  RunResult setup(std::vector<std::string> args, const std::string& in = {}) {
    return test::run_tool("gog-setup", args, env_vars, in);
  }
  json setup_json(std::vector<std::string> args, const std::string& in = {}) {
    args.push_back("--json");
    auto r = setup(args, in);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out);
  }
  std::string state_files_text() const {
    return read_file(dir / "config/config.json") +
           read_file(dir / "state/events.jsonl");
  }
};

TEST_F(SetupTest, FirstRunGeneratesKeysAndReRunPrintsTheSame) {
  auto first = setup_json({"--worker-url", kUrl});
  auto key = first["secrets"]["TRACKING_KEY_V1"].get<std::string>();
  auto admin = first["secrets"]["ADMIN_KEY"].get<std::string>();
  EXPECT_EQ(key.size(), 44u);
  EXPECT_EQ(admin.size(), 43u);  // base64url of 32 bytes, no padding
  EXPECT_EQ(admin.find_first_of("+/="), std::string::npos);
  EXPECT_EQ(first["secrets"]["TRACKING_KEY"], key);
  EXPECT_TRUE(first["keys_changed"].get<bool>());

  auto again = setup_json({"--worker-url", kUrl});
  EXPECT_EQ(again["secrets"]["TRACKING_KEY_V1"], key);
  EXPECT_EQ(again["secrets"]["ADMIN_KEY"], admin);
  EXPECT_FALSE(again["keys_changed"].get<bool>());

  auto text = setup({"--worker-url", kUrl});
  EXPECT_NE(text.out.find("TRACKING_KEY_V1=" + key + "\n"), std::string::npos);
  EXPECT_NE(text.out.find("ADMIN_KEY=" + admin + "\n"), std::string::npos);
}

TEST_F(SetupTest, WritesConfigAndLogWithoutSecrets) {
  auto r = setup_json({"--worker-url", std::string(kUrl) + "/"});
  auto config = json::parse(read_file(dir / "config/config.json"));
  auto account = config["accounts"]["me@example.com"];
  EXPECT_EQ(account["worker_url"], kUrl);
  EXPECT_EQ(account["current_key_version"], 1);
  EXPECT_EQ(account["key_versions"], json::array({1}));
  EXPECT_EQ(config["default_account"], "me@example.com");

  auto all = state_files_text();
  EXPECT_EQ(all.find(r["secrets"]["TRACKING_KEY_V1"].get<std::string>()),
            std::string::npos);
  EXPECT_EQ(all.find(r["secrets"]["ADMIN_KEY"].get<std::string>()),
            std::string::npos);
  EXPECT_NE(all.find("\"type\":\"setup.configured\""), std::string::npos);
}

// Case C23: values with shell metacharacters arrive byte for byte, one
// trailing line end (LF or CRLF) is stripped, and nothing lands in argv.
TEST_F(SetupTest, KeysFromStdinArriveExactly) {
  std::string admin = "s3cr3t $HOME `back` tick";
  auto r = setup_json(
      {"--worker-url", kUrl, "--tracking-key", "-", "--admin-key", "-"},
      std::string(kKey11) + "\n" + admin + "\r\n");
  EXPECT_EQ(r["secrets"]["TRACKING_KEY_V1"], kKey11);
  EXPECT_EQ(r["secrets"]["ADMIN_KEY"], admin);

  ScopedEnv env{{{"GOG_CONFIG_DIR", (dir / "config").string()},
                 {"GOG_KEYRING_FILE", std::nullopt},
                 {"GOG_KEYRING_BACKEND", "file"},
                 {"GOG_KEYRING_PASSWORD", "test password"}}};
  auto keyring = open_keyring();
  EXPECT_EQ(keyring->get("me@example.com", "ADMIN_KEY"), admin);
  EXPECT_EQ(keyring->get("me@example.com", "TRACKING_KEY"), kKey11);
}

TEST_F(SetupTest, KeyFromFileAndExplicitKeysReplaceStoredOnes) {
  setup_json({"--worker-url", kUrl});
  write_file_atomic(dir / "k.txt", std::string(kKey11) + "\n");
  auto r = setup_json(
      {"--worker-url", kUrl, "--tracking-key", "@" + (dir / "k.txt").string()});
  EXPECT_EQ(r["secrets"]["TRACKING_KEY_V1"], kKey11);
  EXPECT_TRUE(r["keys_changed"].get<bool>());
}

TEST_F(SetupTest, LiteralKeyWorksWithAWarning) {
  auto r = setup({"--worker-url", kUrl, "--admin-key", "literal-admin"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("visible to other local users"), std::string::npos);
  EXPECT_EQ(r.err.find("literal-admin"), std::string::npos);
}

TEST_F(SetupTest, BadTrackingKeysAreRefusedWithoutEchoingThem) {
  for (std::string bad : {std::string(kKey11) + " ", std::string("AAAA"),
                          std::string(kKey11).substr(0, 43)}) {
    auto r = setup({"--worker-url", kUrl, "--tracking-key", "-"}, bad + "\n");
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("32 bytes"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find(bad), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(dir / "config/config.json"));
}

TEST_F(SetupTest, EmptyAdminKeyIsRefused) {
  auto r = setup({"--worker-url", kUrl, "--admin-key", "-"}, "\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("empty"), std::string::npos);
  auto missing = setup({"--worker-url", kUrl, "--admin-key", "-"}, "");
  EXPECT_EQ(missing.exit_code, 2);
}

TEST_F(SetupTest, BadUrlsAreUsageErrors) {
  for (std::string url :
       {"ftp://x.example", "https://", "https://x.example/?a=1",
        "https://x.example/#f", "https://user:pw@x.example",
        "https://x .example", "https://x.example:99999", "x.example",
        "https://x.example\n"}) {
    auto r = setup({"--worker-url", url});
    EXPECT_EQ(r.exit_code, 2) << url;
    EXPECT_NE(r.err.find("gog setup: error: bad worker url"), std::string::npos)
        << r.err;
  }
  auto empty = setup({"--worker-url", ""});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("--worker-url is required"), std::string::npos)
      << empty.err;
  EXPECT_FALSE(fs::exists(dir / "config/config.json"));
  EXPECT_FALSE(fs::exists(dir / "config/keyring.enc"));
}

TEST_F(SetupTest, GoodUrlsAreAccepted) {
  EXPECT_EQ(setup::validate_worker_url("http://127.0.0.1:8787/"),
            "http://127.0.0.1:8787");
  EXPECT_EQ(setup::validate_worker_url("https://[::1]:8443/base"),
            "https://[::1]:8443/base");
}

TEST_F(SetupTest, NoAccountIsAUsageError) {
  env_vars.erase("GOG_ACCOUNT");
  auto r = test::run_tool("gog-setup", {"--worker-url", kUrl},
                          {{"GOG_CONFIG_DIR", (dir / "config").string()},
                           {"GOG_STATE_DIR", (dir / "state").string()},
                           {"GOG_KEYRING_BACKEND", "file"},
                           {"GOG_KEYRING_PASSWORD", "pw"},
                           {"GOG_ACCOUNT", ""}});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--account"), std::string::npos);
}

TEST_F(SetupTest, MissingPasswordFailsWithTheNextStep) {
  env_vars["GOG_KEYRING_PASSWORD"] = "";
  auto r = setup({"--worker-url", kUrl});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("GOG_KEYRING_PASSWORD"), std::string::npos);
}

}  // namespace
}  // namespace gog
