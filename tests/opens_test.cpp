// gog-opens against a real gog-serve on loopback: both views, --json, the
// filters, where the URL and admin key come from, and the errors a user
// meets (wrong key, bad id, no tracker).
#include <gtest/gtest.h>

#include "common/keyring_backends.hpp"
#include "common/tracking_keys.hpp"
#include "opens/opens.hpp"
#include "support/tracker_server.hpp"

namespace gog {
namespace {

using nlohmann::json;
using test::TrackerServer;

constexpr std::int64_t kSentAt = 1767225600;  // 2026-01-01T00:00:00Z
const std::string kGmail =
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 "
    "(via ggpht.com GoogleImageProxy)";
const std::string kScanner = "python-requests/2.31";

std::string seal(const std::string& recipient) {
  static const KeySet keys = test::vector_key_set();
  return seal_id(keys, core::Payload{recipient, "a1b2c3", kSentAt});
}

void hit(TrackerServer& server, const std::string& id, std::int64_t now,
         const std::string& ua) {
  auto r =
      server.get("/p/" + id + ".gif",
                 {{"X-Gog-Test-Now", std::to_string(now)}, {"User-Agent", ua}});
  ASSERT_EQ(r.status, 200);
}

// A tracker with ann opened twice (a person through Gmail, a scanner) and
// bob once.
class OpensTool : public ::testing::Test {
 protected:
  void SetUp() override {
    hit(server, ann, kSentAt + 7200, kGmail);
    hit(server, ann, kSentAt + 7300, kScanner);
    hit(server, bob, kSentAt + 86400, kGmail);
  }

  test::RunResult opens(std::vector<std::string> args,
                        std::map<std::string, std::string> env = {}) {
    env.try_emplace("ADMIN_KEY", test::kAdminKey);
    env.try_emplace("GOG_CONFIG_DIR", (dir / "config").string());
    env.try_emplace("GOG_STATE_DIR", (dir / "state").string());
    args.insert(args.begin(), {"--url", server.url()});
    return test::run_tool("gog-opens", args, env);
  }

  test::TempDir dir;
  TrackerServer server;
  std::string ann = seal("ann@example.com");
  std::string bob = seal("bob@example.com");
};

TEST_F(OpensTool, OneMessageHumanView) {
  auto r = opens({ann});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ann@example.com"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2026-01-01T02:00:00Z"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("human (gmail_proxy)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bot (scanner)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 opens, 1 likely human, 0 dropped"), std::string::npos)
      << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST_F(OpensTool, JsonIsTheTrackersReply) {
  auto r = opens({ann, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto direct = server.get("/q/" + ann, test::admin_headers());
  EXPECT_EQ(json::parse(r.out), json::parse(direct.body));

  r = opens({"--json", "--to", "bob@example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto list = json::parse(r.out);
  EXPECT_EQ(list["count"], 1);
  EXPECT_EQ(list["opens"][0]["recipient"], "bob@example.com");
}

TEST_F(OpensTool, ListWithFilters) {
  auto all = opens({});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_NE(all.out.find("3 opens, 2 likely human"), std::string::npos)
      << all.out;
  // Newest first.
  EXPECT_LT(all.out.find("bob@example.com"), all.out.find("ann@example.com"));

  auto since = opens({"--since", "2026-01-01T12:00:00Z", "--json"});
  ASSERT_EQ(since.exit_code, 0) << since.err;
  EXPECT_EQ(json::parse(since.out)["count"], 1);

  auto limited = opens({"--limit", "2"});
  ASSERT_EQ(limited.exit_code, 0) << limited.err;
  EXPECT_NE(limited.out.find("the newest 2"), std::string::npos) << limited.out;
}

TEST_F(OpensTool, WrongAdminKeyNamesTheUrlAndTheFix) {
  auto r = opens({ann}, {{"ADMIN_KEY", "not-the-key"}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("gog opens: error: tracker '" + server.url()),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("401"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("admin key does not match"), std::string::npos);
  EXPECT_NE(r.err.find("set ADMIN_KEY"), std::string::npos);
  EXPECT_EQ(r.err.find(ann), std::string::npos) << "full id printed";
  EXPECT_EQ(r.err.find("not-the-key"), std::string::npos) << "key printed";
  EXPECT_TRUE(r.out.empty());
}

TEST_F(OpensTool, BadIdAndBadFlagsAreUsageErrors) {
  auto tampered = ann;
  tampered[40] = tampered[40] == 'A' ? 'B' : 'A';
  auto r = opens({tampered});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("does not decode"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(tampered), std::string::npos) << "full id printed";

  EXPECT_EQ(opens({"--since", "last tuesday"}).exit_code, 2);
  EXPECT_EQ(opens({ann, "--to", "x@example.com"}).exit_code, 2);
  EXPECT_EQ(opens({"--limit", "-3"}).exit_code, 2);
}

TEST_F(OpensTool, UnreachableTrackerNamesTheUrl) {
  std::string url = "http://127.0.0.1:" + std::to_string(test::free_port());
  auto r = test::run_tool("gog-opens", {"--url", url},
                          {{"ADMIN_KEY", test::kAdminKey}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot reach tracker '" + url), std::string::npos)
      << r.err;
}

// Without --url: GOG_TRACKER_URL, then the config's worker_url with the
// admin key from the keyring.
TEST_F(OpensTool, UrlAndKeyFromEnvironmentConfigAndKeyring) {
  auto r = test::run_tool(
      "gog-opens", {"--json"},
      {{"GOG_TRACKER_URL", server.url()}, {"ADMIN_KEY", test::kAdminKey}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["count"], 3);

  auto config_dir = dir / "config";
  std::filesystem::create_directories(config_dir);
  json config = {
      {"version", 1},
      {"default_account", "me@example.com"},
      {"accounts", {{"me@example.com", {{"worker_url", server.url() + "/"}}}}}};
  std::ofstream(config_dir / "config.json") << config.dump();
  auto keyring_file = dir / "keyring.enc";
  open_file_keyring(keyring_file, "pw")
      ->set("me@example.com", "ADMIN_KEY", test::kAdminKey);

  std::map<std::string, std::string> env = {
      {"GOG_CONFIG_DIR", config_dir.string()},
      {"GOG_KEYRING_BACKEND", "file"},
      {"GOG_KEYRING_FILE", keyring_file.string()},
      {"GOG_KEYRING_PASSWORD", "pw"}};
  r = test::run_tool("gog-opens", {bob}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("bob@example.com"), std::string::npos) << r.out;
}

// Library level: a hostile stored user agent or recipient cannot reach the
// terminal as control characters.
TEST(OpensFormat, ControlCharactersAreNotPrinted) {
  json report = {{"recipient", "evil\x1b[2J@example.com"},
                 {"subject_hash", "a1b2c3"},
                 {"sent_at", "2026-01-01T00:00:00Z"},
                 {"opens",
                  {{{"opened_at", "2026-01-01T01:00:00Z"},
                    {"is_bot", true},
                    {"bot_type", "scan\nner"}}}},
                 {"total_opens", 1},
                 {"human_opens", 0},
                 {"first_human_open", nullptr},
                 {"dropped_opens", 7}};
  auto text = opens::format_query_report(report);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_NE(text.find("bot (scan?ner)"), std::string::npos) << text;
  EXPECT_NE(text.find("1 open, 0 likely human, 7 dropped"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("first human open"), std::string::npos);

  json empty = {{"opens", json::array()}, {"count", 0}, {"limit", 100}};
  EXPECT_EQ(opens::format_opens_list(empty), "no opens recorded\n");
}

}  // namespace
}  // namespace gog
