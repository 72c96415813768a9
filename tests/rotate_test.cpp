// gog gmail track key rotate against the Cloudflare API stand-in with the
// real wrangler, and a live gog-serve that runs with whatever secrets were
// last put (the deployed Worker). Failures are injected from outside the
// product: a wrangler shim that fails or kills its caller at a chosen
// call, and a live tracker that is down during the canary.
#include <gtest/gtest.h>

#include <fstream>

#include "common/config.hpp"
#include "common/crypto.hpp"
#include "common/error.hpp"
#include "common/event_log.hpp"
#include "common/files.hpp"
#include "common/keyring.hpp"
#include "common/tracking_keys.hpp"
#include "common/wrangler.hpp"
#include "core/base64.hpp"
#include "rotate/rotation.hpp"
#include "standins/standin_process.hpp"
#include "support/test_support.hpp"
#include "support/tracker_server.hpp"

namespace gog {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kAccount = "me@example.com";
constexpr const char* kWorker = "gog-email-tracker-me-example-com";

// Records every argv, then: GOG_SHIM_FAIL=K makes call K fail like
// wrangler does, GOG_SHIM_KILL=K makes call K kill its caller (a crash of
// the rotation in the middle of that call); otherwise the real wrangler.
constexpr const char* kShim = R"(#!/bin/sh
dir="$GOG_SHIM_DIR"
n=$(( $(cat "$dir/count" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$dir/count"
printf '%s\n' "$*" >> "$dir/argv"
if [ "$n" = "${GOG_SHIM_FAIL:-}" ]; then
  echo "X [ERROR] injected failure of call $n" >&2
  exit 1
fi
if [ "$n" = "${GOG_SHIM_KILL:-}" ]; then
  kill -9 $PPID
  exit 1
fi
exec "$GOG_REAL_WRANGLER" "$@"
)";

class Rotate : public ::testing::Test {
 protected:
  void SetUp() override {
    live_port_ = test::free_port();
    standin_ = std::make_unique<test::CloudflareStandIn>(
        dir_.path(), test::CloudflareStandIn::with_live_tracker(live_port_));
    write_shim();
    auto vars = standin_->wrangler_env();
    for (auto& [k, v] : tool_env())
      vars[k] = v;
    env_ = std::make_unique<test::ScopedEnv>(vars);
    setup_account();
  }

  std::map<std::string, std::string> tool_env() const {
    return {{"GOG_CONFIG_DIR", (dir_ / "config").string()},
            {"GOG_STATE_DIR", (dir_ / "state").string()},
            {"GOG_KEYRING_BACKEND", "file"},
            {"GOG_KEYRING_PASSWORD", "test-password"},
            {"GOG_ACCOUNT", kAccount},
            {"GOG_WRANGLER", (dir_ / "shim" / "wrangler").string()},
            {"GOG_SHIM_DIR", (dir_ / "shim").string()},
            {"GOG_REAL_WRANGLER",
             (test::worker_dir_with_wrangler() / "node_modules/.bin/wrangler")
                 .string()}};
  }

  void write_shim() {
    fs::create_directories(dir_ / "shim");
    write_file_atomic(dir_ / "shim" / "wrangler", kShim, 0755);
  }

  std::string worker_url() const {
    return "http://127.0.0.1:" + std::to_string(live_port_);
  }

  // As setup --deploy records it, so rotate finds the Worker from any folder.
  void remember_worker_dir() {
    Config config = Config::load();
    auto account = config.require_account(kAccount);
    account.extra["worker_dir"] = test::worker_dir_with_wrangler().string();
    config.set_account(kAccount, account);
    config.save();
  }

  // setup, then the Worker's first secrets in one `secret bulk`, as
  // setup --deploy leaves them.
  void setup_account() {
    auto r =
        test::run_tool("gog-setup", {"--worker-url", worker_url(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    remember_worker_dir();
    auto secrets = json::parse(r.out)["secrets"];
    wrangler::SecretFile file(secrets);
    auto put = wrangler::run(
        {{"secret", "bulk", file.path().string(), "--name", kWorker},
         test::worker_dir_with_wrangler(),
         {}});
    ASSERT_EQ(put.exit_code, 0) << put.err;
    fs::remove(dir_ / "shim" / "argv");
    fs::remove(dir_ / "shim" / "count");
  }

  test::RunResult rotate(std::vector<std::string> args = {},
                         std::map<std::string, std::string> env = {}) {
    auto r = test::run_tool("gog-rotate", args, env);
    outputs_ += r.out + r.err;
    return r;
  }

  std::optional<std::string> held(const std::string& name) {
    return open_keyring()->get(kAccount, name);
  }

  AccountConfig account() { return Config::load().require_account(kAccount); }

  std::map<std::string, std::string> worker_secrets() {
    std::map<std::string, std::string> out;
    auto state = standin_->state();  // kept: the loop refers into it
    for (const auto& s : state["secrets"])
      if (s["script"] == kWorker)
        out[s["name"]] = s["value"];
    return out;
  }

  std::vector<std::string> rotation_events() {
    std::vector<std::string> out;
    for (const auto& e : EventLog().read_all())
      if (e.type.rfind("key.", 0) == 0)
        out.push_back(e.type);
    return out;
  }

  // An id sealed with `version` of the keyring's keys, opened by the live
  // tracker through the admin route.
  int live_status(const std::string& id) {
    auto admin = *held("ADMIN_KEY");
    return test::http_get(live_port_, "/q/" + id,
                          {{"Authorization", "Bearer " + admin}})
        .status;
  }

  std::string seal_now() {
    return seal_id(keys_for_account(kAccount),
                   {"reader@example.org", "abc123", 1700000000});
  }

  static int version_byte(const std::string& id) {
    auto bytes = core::base64_decode(id, core::Alphabet::kUrl);
    return bytes && !bytes->empty() ? (*bytes)[0] : -1;
  }

  // No secret in any wrangler argv, the config, the event log or output.
  void expect_no_secret_leaked() {
    std::string argv = read_file(dir_ / "shim" / "argv");
    std::string config = read_file(dir_ / "config" / "config.json");
    std::string events = read_file(dir_ / "state" / "events.jsonl");
    std::string logs;  // wrangler's own log files under its HOME
    for (const auto& f : fs::recursive_directory_iterator(dir_ / "home"))
      if (f.is_regular_file())
        logs += read_file(f.path());
    for (const char* name : {"TRACKING_KEY_V1", "TRACKING_KEY_V2",
                             "TRACKING_KEY_V3", "ADMIN_KEY"}) {
      auto value = held(name);
      if (!value)
        continue;
      EXPECT_EQ(argv.find(*value), std::string::npos) << name;
      EXPECT_EQ(config.find(*value), std::string::npos) << name;
      EXPECT_EQ(events.find(*value), std::string::npos) << name;
      EXPECT_EQ(outputs_.find(*value), std::string::npos) << name;
      EXPECT_EQ(logs.find(*value), std::string::npos) << name;
    }
  }

  void expect_rotated_to_2() {
    auto a = account();
    EXPECT_EQ(a.current_key_version, 2);
    EXPECT_EQ(a.key_versions, (std::vector<int>{1, 2}));
    EXPECT_FALSE(a.pending_key_version);
    auto remote = worker_secrets();
    EXPECT_EQ(remote["TRACKING_CURRENT_KEY_VERSION"], "2");
    EXPECT_EQ(remote["TRACKING_KEY_V2"], *held("TRACKING_KEY_V2"));
    EXPECT_EQ(remote["TRACKING_KEY_V1"], *held("TRACKING_KEY_V1"));
    EXPECT_FALSE(held("TRACKING_KEY_V3"));
  }

  test::TempDir dir_;
  int live_port_ = 0;
  std::unique_ptr<test::CloudflareStandIn> standin_;
  std::unique_ptr<test::ScopedEnv> env_;
  std::string outputs_;
};

TEST_F(Rotate, EndsWithTwoVersionsAndOldAndNewIdsOpenAtTheWorker) {
  std::string before = seal_now();
  ASSERT_EQ(live_status(before), 200);

  auto r = rotate({"--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = json::parse(r.out);
  EXPECT_EQ(report["version"], 2);
  EXPECT_EQ(report["phase"], "promoted");
  EXPECT_EQ(report["resumed_from"], "none");

  expect_rotated_to_2();
  std::string after = seal_now();
  EXPECT_EQ(version_byte(after), 2);
  EXPECT_EQ(version_byte(before), 1);
  EXPECT_EQ(live_status(before), 200);
  EXPECT_EQ(live_status(after), 200);
  EXPECT_EQ(rotation_events(),
            (std::vector<std::string>{"key.staged", "key.deployed",
                                      "key.verified", "key.promoted"}));
  expect_no_secret_leaked();
}

// Wrangler calls of a rotation: 1 keeps version 1 current, 2 puts
// TRACKING_KEY_V2, 3 makes version 2 current.
struct Injection {
  const char* name;
  const char* how;  // "GOG_SHIM_FAIL" or "GOG_SHIM_KILL"
  int call;
  const char* logged;  // the last rotation event after the broken run
};

class RotateInjected : public Rotate,
                       public ::testing::WithParamInterface<Injection> {};

TEST_P(RotateInjected, ARerunResumesWithNoLostKeyAndNoGap) {
  const auto& p = GetParam();
  auto broken = rotate({}, {{p.how, std::to_string(p.call)}});
  EXPECT_NE(broken.exit_code, 0);
  auto staged_key = held("TRACKING_KEY_V2");
  ASSERT_TRUE(staged_key);
  EXPECT_EQ(rotation_events().back(), p.logged);
  // No gap: ids sealed now still use a version the Worker opens.
  EXPECT_EQ(live_status(seal_now()), 200);

  auto again = rotate({"--json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(json::parse(again.out)["resumed_from"],
            std::string(p.logged).substr(4));
  EXPECT_EQ(held("TRACKING_KEY_V2"), staged_key);  // never generated twice
  expect_rotated_to_2();
  EXPECT_EQ(live_status(seal_now()), 200);
  expect_no_secret_leaked();
}

INSTANTIATE_TEST_SUITE_P(
    EveryPhase, RotateInjected,
    ::testing::Values(
        Injection{"FailKeepCurrent", "GOG_SHIM_FAIL", 1, "key.staged"},
        Injection{"KillDuringDeploy", "GOG_SHIM_KILL", 2, "key.staged"},
        Injection{"FailPromote", "GOG_SHIM_FAIL", 3, "key.verified"},
        Injection{"KillDuringPromote", "GOG_SHIM_KILL", 3, "key.verified"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(Rotate, CanaryThatNeverOpensStopsWithTheOldVersionCurrent) {
  standin_->set_live(false);
  auto r = rotate({"--verify-timeout", "0"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("did not open a canary"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("version 1 stays current"), std::string::npos);
  EXPECT_EQ(account().current_key_version, 1);
  EXPECT_EQ(worker_secrets()["TRACKING_CURRENT_KEY_VERSION"], "1");
  EXPECT_EQ(rotation_events().back(), "key.deployed");

  standin_->set_live(true);
  auto again = rotate({"--json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(json::parse(again.out)["resumed_from"], "deployed");
  expect_rotated_to_2();
  expect_no_secret_leaked();
}

TEST_F(Rotate, NoDeployIsLocalAndPendingUntilARotateDeploys) {
  auto r = rotate({"--no-deploy", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["phase"], "pending");
  EXPECT_NE(r.err.find("do not send tracked mail"), std::string::npos);
  EXPECT_EQ(account().pending_key_version, 2);
  EXPECT_EQ(account().current_key_version, 2);
  EXPECT_FALSE(worker_secrets().count("TRACKING_KEY_V2"));
  EXPECT_FALSE(fs::exists(dir_ / "shim" / "argv"));  // wrangler never ran
  auto status = test::run_tool("gog-status", {"--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_EQ(json::parse(status.out)["pending_key_version"], 2) << status.out;

  auto again = rotate({"--json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  expect_rotated_to_2();
  EXPECT_EQ(rotation_events(), (std::vector<std::string>{
                                   "key.staged", "key.pending", "key.deployed",
                                   "key.verified", "key.promoted"}));
  expect_no_secret_leaked();
}

TEST_F(Rotate, ASecondRotationGoesToVersionThree) {
  ASSERT_EQ(rotate().exit_code, 0);
  std::string v2_id = seal_now();
  auto r = rotate({"--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["version"], 3);
  EXPECT_EQ(account().key_versions, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(live_status(v2_id), 200);
  EXPECT_EQ(live_status(seal_now()), 200);
  expect_no_secret_leaked();
}

TEST_F(Rotate, AccountThatIsNotTheDeclaredOneIsBadUsage) {
  fs::path yaml = dir_ / "tracker.yaml";
  write_file_atomic(yaml,
                    "kind: tracker\naccount: other@example.com\n"
                    "worker_url: " +
                        worker_url() + "\n");
  auto r = rotate({"--from", yaml.string(), "--account", kAccount});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("gog rotate: error: account"), std::string::npos);
}

// The rotation state machine on its own: a file keyring and a log.
class RotationState : public ::testing::Test {
 protected:
  test::TempDir dir_;
  test::ScopedEnv env_{{{"GOG_CONFIG_DIR", (dir_ / "config").string()},
                        {"GOG_KEYRING_BACKEND", "file"},
                        {"GOG_KEYRING_PASSWORD", "pw"}}};
  std::unique_ptr<Keyring> keyring_ = open_keyring();
  EventLog log_{dir_ / "events.jsonl"};
  AccountConfig cfg_{"http://127.0.0.1:1", 1, {1}, std::nullopt};
};

TEST_F(RotationState, NothingInFlightStartsANewVersionWithoutReadingTheLog) {
  auto r = rotate::find_rotation(kAccount, cfg_, *keyring_, log_);
  EXPECT_EQ(r.phase, rotate::Phase::kNone);
  EXPECT_EQ(r.from, 1);
  EXPECT_EQ(r.target, 2);
}

TEST_F(RotationState, AHeldKeyWithoutItsEventCountsAsStaged) {
  keyring_->set(kAccount, "TRACKING_KEY_V2", format_key(generate_key()));
  auto r = rotate::find_rotation(kAccount, cfg_, *keyring_, log_);
  EXPECT_EQ(r.phase, rotate::Phase::kStaged);
  EXPECT_EQ(r.target, 2);
}

TEST_F(RotationState, PhaseComesFromThisAccountsEventsOnly) {
  keyring_->set(kAccount, "TRACKING_KEY_V2", format_key(generate_key()));
  log_.append("key.staged", {{"account", kAccount}, {"version", 2}});
  log_.append("key.deployed", {{"account", kAccount}, {"version", 2}});
  log_.append("key.verified", {{"account", "other@x.org"}, {"version", 2}});
  log_.append("message.sent", {{"account", kAccount}});
  auto r = rotate::find_rotation(kAccount, cfg_, *keyring_, log_);
  EXPECT_EQ(r.phase, rotate::Phase::kDeployed);
}

TEST_F(RotationState, AStagedVersionMissingFromTheKeyringIsAnError) {
  cfg_.pending_key_version = 2;
  cfg_.key_versions = {1, 2};
  log_.append("key.staged", {{"account", kAccount}, {"version", 2}});
  EXPECT_THROW(rotate::find_rotation(kAccount, cfg_, *keyring_, log_), Error);
}

TEST_F(RotationState, AccountRebuiltFromTheLogWhenTheConfigHasNone) {
  keyring_->set(kAccount, "TRACKING_KEY_V1", format_key(generate_key()));
  keyring_->set(kAccount, "TRACKING_KEY_V2", format_key(generate_key()));
  log_.append("setup.configured",
              {{"account", kAccount}, {"current_key_version", 1}});
  log_.append("key.promoted", {{"account", kAccount}, {"version", 2}});
  auto a = rotate::account_state(Config::load(), kAccount, *keyring_, log_);
  EXPECT_EQ(a.current_key_version, 2);
  EXPECT_EQ(a.key_versions, (std::vector<int>{1, 2}));
  EXPECT_THROW(rotate::account_state(Config::load(), "x@y.z", *keyring_, log_),
               Error);
}

TEST(EventLogReadBack, NewestFirstUpToTheStopEvent) {
  test::TempDir dir;
  EventLog log(dir / "events.jsonl");
  for (int i = 1; i <= 5; ++i)
    log.append("t" + std::to_string(i), {});
  auto events = log.read_back([](const Event& e) { return e.type == "t3"; });
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, "t5");
  EXPECT_EQ(events[2].type, "t3");
  EXPECT_EQ(log.read_back([](const Event&) { return false; }).size(), 5u);
}

}  // namespace
}  // namespace gog
