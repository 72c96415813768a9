// gog gmail track retention check against the Cloudflare API stand-in
// (schedules, D1 in real SQLite) with the real wrangler, and a real
// gog-serve as the live tracker whose /health reports its window.
#include <gtest/gtest.h>

#include <ctime>

#include "common/event_log.hpp"
#include "common/files.hpp"
#include "common/wrangler.hpp"
#include "retention/retention.hpp"
#include "standins/standin_process.hpp"
#include "support/test_support.hpp"
#include "support/tracker_server.hpp"

namespace gog {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kWorker = "retention-worker";
constexpr const char* kDb = "retention-db";
constexpr std::int64_t kDay = 86400;

class Retention : public ::testing::Test {
 protected:
  void SetUp() override {
    auto vars = standin_.wrangler_env();
    vars["GOG_STATE_DIR"] = (dir_ / "state").string();
    vars["GOG_CONFIG_DIR"] = (dir_ / "config").string();
    vars["GOG_WRANGLER"] = std::nullopt;
    env_ = std::make_unique<test::ScopedEnv>(vars);
    run_wrangler({"d1", "create", kDb});
    std::string schema = read_file(fs::path(GOG_SOURCE_DIR) /
                                   "migrations/0001_create_opens.sql");
    execute(schema);
  }

  wrangler::Result run_wrangler(std::vector<std::string> args) {
    auto r = wrangler::run({args, test::worker_dir_with_wrangler(), {}});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r;
  }

  void execute(const std::string& sql) {
    // "--command=" keeps a leading "--" comment from reading as a flag.
    run_wrangler(
        {"d1", "execute", kDb, "--remote", "--command=" + sql, "--json"});
  }

  void add_open(std::int64_t age_days) {
    std::int64_t at = std::time(nullptr) - age_days * kDay;
    execute(
        "INSERT INTO opens (tracking_id, recipient, subject_hash, "
        "sent_at, opened_at, ip, user_agent, is_bot, bot_type) VALUES "
        "('id', 'r@example.org', 'abc123', " +
        std::to_string(at - 60) + ", " + std::to_string(at) +
        ", '192.0.2.1', 'ua', 0, 'human')");
  }

  // The Worker with its cron, as `wrangler deploy` leaves it.
  void deploy_cron(const std::string& cron) {
    fs::path toml = dir_ / "triggers.toml";
    write_file_atomic(toml, std::string("name = \"") + kWorker +
                                "\"\n[triggers]\ncrons = [\"" + cron + "\"]\n");
    wrangler::run({{"secret", "put", "PLACEHOLDER", "--name", kWorker},
                   test::worker_dir_with_wrangler(),
                   "x"});
    run_wrangler({"triggers", "deploy", "--config", toml.string()});
  }

  fs::path spec(int retention_days = 90) {
    fs::path yaml = dir_ / "tracker.yaml";
    write_file_atomic(
        yaml, "kind: tracker\naccount: me@example.com\nworker_url: " +
                  tracker_.url() + "\nworker_name: " + kWorker +
                  "\nd1_database: " + kDb +
                  "\nworker_dir: " + test::worker_dir_with_wrangler().string() +
                  "\nretention_days: " + std::to_string(retention_days) +
                  "\ncron: \"0 2 * * *\"\n");
    return yaml;
  }

  test::RunResult check(const fs::path& yaml,
                        std::map<std::string, std::string> env = {}) {
    return test::run_tool("gog-retention", {"--from", yaml.string(), "--json"},
                          env);
  }

  static json finding(const test::RunResult& r, const std::string& name) {
    auto report = json::parse(r.out);  // kept: the loop refers into it
    for (const auto& f : report["findings"])
      if (f["check"] == name)
        return f;
    return {};
  }

  test::TempDir dir_;
  test::CloudflareStandIn standin_{dir_.path()};
  test::TrackerServer tracker_;
  std::unique_ptr<test::ScopedEnv> env_;
};

TEST_F(Retention, PassesWithTheDailyCronTheWindowAndRecentOpens) {
  deploy_cron("0 2 * * *");
  add_open(89);
  add_open(3);
  auto r = check(spec());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = json::parse(r.out);
  EXPECT_TRUE(report["ok"]);
  for (const auto& f : report["findings"])
    EXPECT_TRUE(f["ok"]) << f.dump();
  EXPECT_NE(finding(r, "oldest")["detail"].get<std::string>().find("89 days"),
            std::string::npos);
  EXPECT_NE(finding(r, "window")["detail"].get<std::string>().find(
                "as the live tracker reports"),
            std::string::npos);
  auto last = EventLog().last();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->type, "retention.checked");
  EXPECT_TRUE(last->data["ok"]);
}

TEST_F(Retention, EmptyDatabasePasses) {
  deploy_cron("0 2 * * *");
  auto r = check(spec());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(finding(r, "oldest")["detail"], "no stored opens");
}

TEST_F(Retention, MissingCronFails) {
  wrangler::run({{"secret", "put", "PLACEHOLDER", "--name", kWorker},
                 test::worker_dir_with_wrangler(),
                 "x"});
  add_open(1);
  auto r = check(spec());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(finding(r, "cron")["ok"]);
  EXPECT_TRUE(finding(r, "oldest")["ok"]);
  EXPECT_NE(r.err.find("gog retention: error: retention check of Worker "
                       "'retention-worker' failed: cron: the Worker's "
                       "schedules (none) lack"),
            std::string::npos)
      << r.err;
}

TEST_F(Retention, ADifferentCronFails) {
  deploy_cron("0 3 * * 1");
  auto r = check(spec());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(finding(r, "cron")["detail"].get<std::string>().find("0 3 * * 1"),
            std::string::npos);
}

TEST_F(Retention, AnOpenOlderThanTheWindowFails) {
  deploy_cron("0 2 * * *");
  add_open(100);
  auto r = check(spec());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(finding(r, "cron")["ok"]);
  EXPECT_NE(r.err.find("oldest: the oldest stored open is 100 days old, "
                       "beyond the 90 days window"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(EventLog().last()->data["ok"]);
}

TEST_F(Retention, AWrongDeclaredWindowFails) {
  deploy_cron("0 2 * * *");
  auto r = check(spec(30));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("window: tracker.yaml declares 30 days but the "
                       "tracker purges at 90 days"),
            std::string::npos)
      << r.err;
}

TEST_F(Retention, NoApiTokenIsBadUsage) {
  deploy_cron("0 2 * * *");
  unsetenv("CLOUDFLARE_API_TOKEN");
  auto bad = check(spec());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("CLOUDFLARE_API_TOKEN"), std::string::npos);
}

TEST(RetentionChecks, DailyCron) {
  using retention::is_daily_cron;
  EXPECT_TRUE(is_daily_cron("0 2 * * *"));
  EXPECT_TRUE(is_daily_cron("59 23 * * *"));
  EXPECT_FALSE(is_daily_cron("*/5 * * * *"));
  EXPECT_FALSE(is_daily_cron("0 2 * * 1"));
  EXPECT_FALSE(is_daily_cron("0 24 * * *"));
  EXPECT_FALSE(is_daily_cron("0 2 1 * *"));
}

TEST(RetentionChecks, OldestHasOneDayOfGraceForTheDailyPurge) {
  std::int64_t now = 1'800'000'000;
  EXPECT_TRUE(retention::check_oldest(now - 91 * kDay, 90, now).ok);
  EXPECT_FALSE(retention::check_oldest(now - 91 * kDay - 1, 90, now).ok);
  EXPECT_TRUE(retention::check_oldest(std::nullopt, 90, now).ok);
}

TEST(RetentionChecks, WindowMustMatchTheRulesAndTheTracker) {
  EXPECT_TRUE(retention::check_window(90, 90).ok);
  EXPECT_FALSE(retention::check_window(90, 30).ok);
  EXPECT_FALSE(retention::check_window(30, std::nullopt).ok);
}

}  // namespace
}  // namespace gog
