// setup --deploy's provisioning, with the real pinned wrangler against the
// Cloudflare API stand-in: from nothing, then again (nothing changes).
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <sstream>

#include "common/error.hpp"
#include "common/files.hpp"
#include "setup/deploy.hpp"
#include "standins/standin_process.hpp"
#include "support/test_support.hpp"

namespace gog::setup {
namespace {

using nlohmann::json;

const SecretMap kSecrets = {
    {"TRACKING_KEY_V1", "ERERERERERERERERERERERERERERERERERERERERERE="},
    {"TRACKING_KEY", "ERERERERERERERERERERERERERERERERERERERERERE="},
    {"TRACKING_CURRENT_KEY_VERSION", "1"},
    {"ADMIN_KEY", "s3cr3t $HOME `back` tick"}};

json without_requests(json state) {
  state.erase("requests");
  return state;
}

std::vector<std::string> ledger(const json& state) {
  SQLite::Database db(state["databases"][0]["file"].get<std::string>());
  SQLite::Statement q(db, "SELECT name FROM d1_migrations ORDER BY id");
  std::vector<std::string> names;
  while (q.executeStep()) names.push_back(q.getColumn(0).getString());
  return names;
}

class Provision : public ::testing::Test {
 protected:
  void SetUp() override {
    worker_ = test::worker_dir_with_wrangler();
    standin_ = std::make_unique<test::CloudflareStandIn>(dir_.path());
    env_ = std::make_unique<test::ScopedEnv>(standin_->wrangler_env());
    local_ = std::make_unique<test::ScopedEnv>(
        std::map<std::string, std::optional<std::string>>{
            {"GOG_WRANGLER", std::nullopt},
            {"GOG_STATE_DIR", (dir_ / "state").string()},
            {"GOG_CONFIG_DIR", (dir_ / "config").string()}});
    options_.account = "me@example.com";
    options_.worker_name = "gog-test";
    options_.worker_dir = worker_;
    options_.cron = "0 2 * * *";
  }

  std::string run() {
    std::ostringstream out;
    deploy(options_, kSecrets, out);
    return out.str();
  }

  test::TempDir dir_;
  fs::path worker_;
  std::unique_ptr<test::CloudflareStandIn> standin_;
  std::unique_ptr<test::ScopedEnv> env_, local_;
  DeployOptions options_;
};

TEST_F(Provision, FromNothingThenIdempotent) {
  std::string first = run();
  json state = standin_->state();

  ASSERT_EQ(state["databases"].size(), 1u) << first;
  EXPECT_EQ(state["databases"][0]["name"], "gog-test");
  std::string db_id = state["databases"][0]["uuid"];
  EXPECT_EQ(ledger(state), (std::vector<std::string>{
                               "0001_create_opens.sql",
                               "0002_create_record_open.sql"}));

  std::map<std::string, std::string> stored;
  for (const auto& s : state["secrets"]) {
    EXPECT_EQ(s["script"], "gog-test");
    stored[s["name"]] = s["value"];
  }
  EXPECT_EQ(stored, (std::map<std::string, std::string>(kSecrets.begin(),
                                                        kSecrets.end())));

  ASSERT_EQ(state["scripts"].size(), 1u);
  const json& script = state["scripts"][0];
  bool wasm = false;
  for (const auto& m : script["modules"])
    wasm = wasm || m["content_type"] == "application/wasm";
  EXPECT_TRUE(wasm) << script.dump();
  json d1 = {{"type", "d1"}, {"name", "DB"}, {"id", db_id}};
  bool bound = false;
  for (const auto& b : script["metadata"]["bindings"])
    bound = bound || (b["type"] == "d1" && b["id"] == db_id);
  EXPECT_TRUE(bound) << script.dump();
  ASSERT_EQ(state["schedules"].size(), 1u);
  EXPECT_EQ(state["schedules"][0]["cron"], "0 2 * * *");
  EXPECT_FALSE(fs::exists(worker_ / (".gog-deploy-" +
                                     std::to_string(getpid()) + ".toml")));

  // A second run changes nothing remote: no upload, no secret, no DDL.
  std::size_t seen = state["requests"].size();
  std::string second = run();
  json again = standin_->state();
  EXPECT_EQ(without_requests(again), without_requests(state)) << second;
  for (std::size_t i = seen; i < again["requests"].size(); ++i) {
    const json& r = again["requests"][i];
    bool read = r["method"] == "GET" ||
                (r["method"] == "POST" &&
                 r["path"].get<std::string>().ends_with("/query"));
    EXPECT_TRUE(read) << r.dump();
  }
  EXPECT_NE(second.find("secrets unchanged"), std::string::npos) << second;
  EXPECT_NE(second.find("worker gog-test unchanged"), std::string::npos);

  // No secret value in the output or the event log.
  std::string events = read_file(dir_ / "state" / "events.jsonl");
  for (const auto& [name, value] : kSecrets) {
    if (value.size() < 4) continue;
    EXPECT_EQ(first.find(value), std::string::npos) << name;
    EXPECT_EQ(second.find(value), std::string::npos) << name;
    EXPECT_EQ(events.find(value), std::string::npos) << name;
  }
  EXPECT_NE(events.find("deploy.deployed"), std::string::npos);
}

TEST_F(Provision, DryRunTouchesNothing) {
  options_.dry_run = true;
  std::string plan = run();
  json state = standin_->state();
  EXPECT_TRUE(state["databases"].empty());
  EXPECT_TRUE(state["scripts"].empty());
  EXPECT_TRUE(state["secrets"].empty());
  EXPECT_NE(plan.find("would create database gog-test"), std::string::npos);
  EXPECT_NE(plan.find("would apply migration 0001_create_opens.sql"),
            std::string::npos) << plan;
  EXPECT_NE(plan.find("would deploy worker gog-test"), std::string::npos);
  for (const auto& r : state["requests"]) EXPECT_EQ(r["method"], "GET");
}

TEST_F(Provision, EmptySecretStopsBeforeAnything) {
  SecretMap bad = kSecrets;
  bad["ADMIN_KEY"] = "";
  std::ostringstream out;
  EXPECT_THROW(deploy(options_, bad, out), UsageError);
  EXPECT_TRUE(standin_->state()["requests"].empty());
}

TEST(ProvisionParts, FindsDatabaseIdByExactNameInEveryShape) {
  const std::string want = "0f3c2a9e-1b2d-4c5e-8f90-123456789abc";
  for (const char* file : {"wrangler/create-text.txt",
                           "wrangler/create-json.txt", "wrangler/list.json"}) {
    std::string text = "\x1b[33m" + test::data_text(file) + "\x1b[0m";
    EXPECT_EQ(find_database_id(text, "opens-db"), want) << file;
    EXPECT_EQ(find_database_id(text, "opens"), std::nullopt) << file;
  }
  EXPECT_EQ(find_database_id(R"([{"uuid":"","name":"opens-db"}])",
                             "opens-db"),
            std::nullopt);
}

TEST(ProvisionParts, RenderedConfigHasOneD1BlockWithTheId) {
  std::string committed =
      read_file(fs::path(GOG_SOURCE_DIR) / "worker/wrangler.toml");
  const std::string id = "0f3c2a9e-1b2d-4c5e-8f90-123456789abc";
  auto once = render_config(committed, "w", "db", id, "5 4 * * *");
  auto twice = render_config(once.text, "w", "db", id, "5 4 * * *");
  EXPECT_EQ(once.text, twice.text);
  EXPECT_EQ(once.text.find("[[d1_databases]]"),
            once.text.rfind("[[d1_databases]]"));
  EXPECT_NE(once.text.find("database_id = \"" + id + "\""), std::string::npos);
  EXPECT_NE(once.text.find("crons = [\"5 4 * * *\"]"), std::string::npos);
  EXPECT_THROW(render_config(committed, "w", "db", "", std::nullopt), Error);
}

TEST(ProvisionParts, CreatedObjectsOfTheMigrations) {
  auto objects = created_objects(
      read_file(fs::path(GOG_SOURCE_DIR) / "migrations/0001_create_opens.sql"));
  EXPECT_NE(std::find(objects.begin(), objects.end(), "opens"), objects.end());
  EXPECT_NE(std::find(objects.begin(), objects.end(), "dropped_opens"),
            objects.end());
}

}  // namespace
}  // namespace gog::setup
