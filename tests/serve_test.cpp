// gog-serve, the native tracker, as a real process on loopback with the
// vector keys and the test clock: the vectors through /q/, the pixel, bad ids
// (C09, C10), dedupe, the per-IP cap under concurrency (C12), retention,
// admin auth and limits (C14), bot rows (C15), and hostile requests.
#include <SQLiteCpp/Database.h>
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <thread>

#include "common/tracking_keys.hpp"
#include "support/tracker_server.hpp"

namespace gog {
namespace {

using nlohmann::json;
using test::TrackerServer;

// 2026-01-01T00:00:00Z, the t of the sealed ids below; hits come later.
constexpr std::int64_t kSentAt = 1767225600;
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 86400;

std::string seal(const std::string& recipient, std::int64_t sent_at = kSentAt) {
  static const KeySet keys = test::vector_key_set();
  return seal_id(keys, core::Payload{recipient, "a1b2c3", sent_at});
}

std::string pixel_gif() {
  std::string hex = test::data_json("tracking-ids.json")["pixel_gif_hex"];
  std::string bytes;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return bytes;
}

test::HttpResult hit(TrackerServer& server, const std::string& id,
                     std::int64_t now, const std::string& ua = "TestUA/1.0",
                     std::map<std::string, std::string> headers = {}) {
  headers["X-Gog-Test-Now"] = std::to_string(now);
  headers["User-Agent"] = ua;
  return server.get("/p/" + id + ".gif", headers);
}

json admin_json(TrackerServer& server, const std::string& target) {
  auto r = server.get(target, test::admin_headers());
  EXPECT_EQ(r.status, 200) << target << ": " << r.body;
  return json::parse(r.body);
}

// Reads the database file directly, after an admin call has flushed the
// writer (the flush contract is what makes this deterministic).
std::int64_t count(TrackerServer& server, const std::string& sql) {
  EXPECT_EQ(server.get("/opens?limit=1", test::admin_headers()).status, 200);
  SQLite::Database db(server.db().string(), SQLite::OPEN_READONLY);
  return db.execAndGet(sql).getInt64();
}

std::int64_t stored_opens(TrackerServer& server) {
  return count(server, "SELECT COUNT(*) FROM opens");
}

// Sends raw bytes on a fresh connection and returns what comes back before
// the server closes it or 5 s pass.
std::string raw_exchange(int port, const std::string& bytes) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return {};
  }
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n =
        send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0)
      break;  // the server may refuse before reading it all
    sent += static_cast<std::size_t>(n);
  }
  std::string reply;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0)
    reply.append(buf, n);
  close(fd);
  return reply;
}

int status_of(const std::string& reply) {
  if (!reply.starts_with("HTTP/1."))
    return 0;
  return std::stoi(reply.substr(9, 3));
}

// --- the vectors ----------------------------------------------------------

TEST(ServeVectors, EveryCaseThroughTheQueryRoute) {
  json vectors = test::data_json("tracking-ids.json");
  TrackerServer all_keys;
  auto retired_env = test::vector_key_env();
  retired_env.erase("TRACKING_KEY_V2");
  TrackerServer retired(retired_env);

  for (const auto& c : vectors["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    bool without_v2 = c["keys_available"] == json({1, 3});
    auto& server = without_v2 ? retired : all_keys;
    auto r =
        server.get("/q/" + c["blob"].get<std::string>(), test::admin_headers());
    if (!c["expect"]["ok"].get<bool>()) {
      EXPECT_EQ(r.status, 400) << r.body;
      EXPECT_TRUE(json::parse(r.body).contains("error"));
      continue;
    }
    ASSERT_EQ(r.status, 200) << r.body;
    auto body = json::parse(r.body);
    const auto& want = c["expect"]["payload"];
    EXPECT_EQ(body["recipient"], want["r"]);
    EXPECT_EQ(body["subject_hash"], want["s"]);
    EXPECT_EQ(body["sent_at_unix"], want["t"]);
    EXPECT_EQ(body["total_opens"], 0);
    EXPECT_EQ(body["dropped_opens"], 0);
  }
}

// --- the pixel ------------------------------------------------------------

TEST(ServePixel, BytesAndHeadersForValidAndInvalidIds) {
  TrackerServer server;
  for (std::string id : {seal("ann@example.com"), std::string("nonsense"),
                         std::string(), std::string(900, 'A')}) {
    SCOPED_TRACE(id.substr(0, 20));
    auto r = hit(server, id, kSentAt + kHour);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, pixel_gif());
    EXPECT_EQ(r.body.size(), 43u);
    EXPECT_EQ(r.headers["Content-Type"], "image/gif");
    EXPECT_EQ(r.headers["Cache-Control"],
              "no-store, no-cache, must-revalidate, max-age=0");
    EXPECT_EQ(r.headers["Pragma"], "no-cache");
    EXPECT_EQ(r.headers["Expires"], "0");
  }
  EXPECT_EQ(stored_opens(server), 1);
}

// C09: every length class round-trips; broken variants store nothing.
TEST(ServePixel, UnpaddedLengthClassesAndBrokenVariants) {
  TrackerServer server;
  std::map<std::size_t, std::string> by_length;
  for (std::string r : {"a@example.com", "ab@example.com", "abc@example.com"}) {
    auto id = seal(r);
    EXPECT_EQ(id.find_first_of("=+/"), std::string::npos);
    by_length[id.size()] = id;
  }
  ASSERT_EQ(by_length.size(), 3u);
  ASSERT_TRUE(by_length.count(104) && by_length.count(106) &&
              by_length.count(107));

  std::string id_mixed;
  for (int i = 0; i < 200 && id_mixed.empty(); ++i) {
    auto id = seal("mix@example.com");
    if (id.find_first_of("-_") != std::string::npos)
      id_mixed = id;
  }
  ASSERT_FALSE(id_mixed.empty());
  std::string realphabet = id_mixed;
  for (auto& ch : realphabet)
    ch = ch == '-' ? '+' : ch == '_' ? '/' : ch;

  std::vector<std::string> broken = {
      by_length[104].substr(1),       // length 3 mod 4
      by_length[106].substr(0, 105),  // length 1 mod 4
      realphabet,                     // standard alphabet
  };
  for (const auto& id : broken) {
    EXPECT_EQ(hit(server, id, kSentAt + kHour).body, pixel_gif());
    EXPECT_EQ(server.get("/q/" + id, test::admin_headers()).status, 400);
  }
  EXPECT_EQ(stored_opens(server), 0);

  for (const auto& [length, id] : by_length) {
    EXPECT_EQ(server.get("/q/" + id, test::admin_headers()).status, 200);
  }
  // Padding that completes a multiple of four is accepted and recorded
  // under the canonical, unpadded id (docs/serve.md).
  hit(server, by_length[106] + "==", kSentAt + kHour);
  auto report = admin_json(server, "/q/" + by_length[106]);
  EXPECT_EQ(report["total_opens"], 1);
}

// C10: a flipped bit anywhere fails authentication; nothing is stored.
TEST(ServePixel, TamperedIdsAreServedButNotStored) {
  TrackerServer server;
  auto id = seal("ann@example.com");
  auto bytes = *core::base64_decode(id, core::Alphabet::kUrl);
  // Nonce, ciphertext, tag, and the version byte 1 -> 3 (names key 3).
  for (std::size_t at :
       {std::size_t{5}, std::size_t{20}, bytes.size() - 3, std::size_t{0}}) {
    auto flipped = bytes;
    flipped[at] ^= at == 0 ? 0x02 : 0x01;
    auto bad = core::base64_encode(flipped, core::Alphabet::kUrl, false);
    EXPECT_EQ(hit(server, bad, kSentAt + kHour).body, pixel_gif());
    EXPECT_EQ(server.get("/q/" + bad, test::admin_headers()).status, 400);
  }
  EXPECT_EQ(stored_opens(server), 0);
}

// --- the rules ------------------------------------------------------------

TEST(ServeRules, DedupeIsASlidingHour) {
  TrackerServer server;
  auto id = seal("ann@example.com");
  std::int64_t t = kSentAt + kDay;
  hit(server, id, t);
  hit(server, id, t + 1);
  hit(server, id, t + kHour - 1);          // inside [t, t + 3599]: a duplicate
  hit(server, id, t + 10, "OtherUA/2.0");  // another user agent counts
  EXPECT_EQ(stored_opens(server), 2);
  hit(server, id, t + kHour);      // 3600 s after the first: stored again
  hit(server, id, t + kHour + 5);  // and this one is its duplicate
  EXPECT_EQ(stored_opens(server), 3);
}

// The bucket edge of C12: a sliding window has none.
TEST(ServeRules, NoFixedBucketEdge) {
  TrackerServer server;
  auto id = seal("ann@example.com");
  std::int64_t top = (kSentAt / kHour + 30) * kHour;  // hh:00:00
  hit(server, id, top - 1);                           // hh-1:59:59
  hit(server, id, top + 1);  // hh:00:01, same sliding hour
  EXPECT_EQ(stored_opens(server), 1);
}

TEST(ServeRules, PerIpCapCountsDropsAndSlides) {
  TrackerServer server;
  std::int64_t t = kSentAt + kDay;
  std::vector<std::string> ids;
  for (int i = 0; i < 103; ++i) {
    ids.push_back(seal("r" + std::to_string(i) + "@example.com"));
  }
  for (int i = 0; i < 103; ++i)
    hit(server, ids[i], t + i);
  EXPECT_EQ(stored_opens(server), 100);
  EXPECT_EQ(admin_json(server, "/q/" + ids[101])["dropped_opens"], 1);
  hit(server, ids[101], t + 200);
  EXPECT_EQ(admin_json(server, "/q/" + ids[101])["dropped_opens"], 2);
  EXPECT_EQ(admin_json(server, "/q/" + ids[50])["dropped_opens"], 0);

  // An hour after the first open, one slot is free again.
  hit(server, ids[102], t + kHour);
  EXPECT_EQ(stored_opens(server), 101);
  EXPECT_EQ(admin_json(server, "/q/" + ids[102])["total_opens"], 1);
}

TEST(ServeRules, PurgeDeletesWhatIsOlderThanNinetyDays) {
  TrackerServer server;
  std::int64_t t = kSentAt + kDay;
  auto old_id = seal("old@example.com");
  auto new_id = seal("new@example.com");
  hit(server, old_id, t);
  hit(server, new_id, t + 2 * kDay);
  for (int i = 0; i < 101; ++i) {
    hit(server, seal("cap" + std::to_string(i) + "@example.com"), t + 10);
  }
  EXPECT_GT(count(server, "SELECT COUNT(*) FROM dropped_opens"), 0);

  std::int64_t purge_at = t + 90 * kDay + kHour;
  auto r = server.get("/__scheduled",
                      {{"X-Gog-Test-Now", std::to_string(purge_at)}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(admin_json(server, "/q/" + old_id)["total_opens"], 0);
  EXPECT_EQ(admin_json(server, "/q/" + new_id)["total_opens"], 1);
  EXPECT_EQ(count(server, "SELECT COUNT(*) FROM dropped_opens"), 0);

  // The dedupe memory forgets purged rows: the same open counts anew.
  hit(server, old_id, t + 60);
  EXPECT_EQ(admin_json(server, "/q/" + old_id)["total_opens"], 1);
}

TEST(ServeRules, ScheduledRouteExistsOnlyWithTheTestClock) {
  auto env = test::vector_key_env();
  env.erase("GOG_TEST_CLOCK");
  TrackerServer server(env);
  EXPECT_EQ(server.get("/__scheduled").status, 404);
  // Without the test clock the header is ignored: the hit is "now".
  auto id = seal("ann@example.com");
  hit(server, id, 0);
  auto report = admin_json(server, "/q/" + id);
  ASSERT_EQ(report["total_opens"], 1);
  EXPECT_GT(report["opens"][0]["opened_at_unix"].get<std::int64_t>(), kSentAt);
}

// --- C12: concurrency and forwarding headers -------------------------------

void in_parallel(int threads, int jobs, const std::function<void(int)>& job) {
  std::atomic<int> next{0};
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&] {
      for (int j; (j = next++) < jobs;)
        job(j);
    });
  }
  for (auto& th : pool)
    th.join();
}

TEST(ServeConcurrency, CapHoldsUnderConcurrentUniqueIds) {
  TrackerServer server;
  std::vector<std::string> ids;
  for (int i = 0; i < 150; ++i) {
    ids.push_back(seal("c" + std::to_string(i) + "@example.com"));
  }
  std::atomic<int> gifs{0};
  in_parallel(16, 150, [&](int i) {
    auto r = hit(server, ids[i], kSentAt + kDay, "TestUA/1.0",
                 {{"X-Forwarded-For", "10.0." + std::to_string(i) + ".1"},
                  {"X-Real-IP", "10.1." + std::to_string(i) + ".1"}});
    if (r.status == 200 && r.body == pixel_gif())
      ++gifs;
  });
  EXPECT_EQ(gifs, 150);
  EXPECT_EQ(stored_opens(server), 100);
  EXPECT_EQ(count(server, "SELECT COUNT(*) FROM opens WHERE ip='127.0.0.1'"),
            100);
  EXPECT_EQ(count(server, "SELECT SUM(count) FROM dropped_opens"), 50);
}

TEST(ServeConcurrency, IdenticalConcurrentHitsStoreOne) {
  TrackerServer server;
  auto id = seal("same@example.com");
  in_parallel(20, 20, [&](int) { hit(server, id, kSentAt + kDay); });
  EXPECT_EQ(stored_opens(server), 1);
  // Repeats after the first commit are answered from memory: still one.
  in_parallel(8, 40, [&](int) { hit(server, id, kSentAt + kDay + 5); });
  EXPECT_EQ(stored_opens(server), 1);
}

TEST(ServeConcurrency, TrustedProxyHeaderNamesTheClient) {
  TrackerServer server(test::vector_key_env(),
                       {"--trust-proxy-header", "CF-Connecting-IP"});
  auto id = seal("ann@example.com");
  hit(server, id, kSentAt + kDay, "UA",
      {{"CF-Connecting-IP", "203.0.113.7"}, {"X-Forwarded-For", "10.0.0.1"}});
  hit(server, id, kSentAt + kDay, "UA2", {{"X-Forwarded-For", "10.0.0.2"}});
  auto opens = admin_json(server, "/q/" + id)["opens"];
  ASSERT_EQ(opens.size(), 2u);
  EXPECT_EQ(opens[0]["ip"], "203.0.113.7");
  EXPECT_EQ(opens[1]["ip"], "127.0.0.1");  // header absent: the peer
}

// --- admin ----------------------------------------------------------------

TEST(ServeAdmin, BadOrMissingKeysAre401) {
  TrackerServer server;
  auto id = seal("ann@example.com");
  std::string key = test::kAdminKey;
  std::vector<std::string> wrong = {"",
                                    "Bearer",
                                    "Bearer ",
                                    "Bearer wrong",
                                    "Bearer " + key + "x",
                                    "Bearer " + key.substr(1),
                                    "Basic " + key,
                                    key,
                                    "Bearer " + id};
  for (const auto& auth : wrong) {
    SCOPED_TRACE(auth);
    std::map<std::string, std::string> headers;
    if (!auth.empty())
      headers["Authorization"] = auth;
    for (std::string target : {"/q/" + id, std::string("/opens")}) {
      auto r = server.get(target, headers);
      EXPECT_EQ(r.status, 401);
      EXPECT_EQ(json::parse(r.body), json({{"error", "unauthorized"}}));
    }
  }
  EXPECT_EQ(server.get("/opens", {{"Authorization", "Bearer " + key}}).status,
            200);
}

// C14, on 600 stored rows (one id, one IP, an hour apart).
TEST(ServeAdmin, OpensLimitTable) {
  TrackerServer server;
  auto id = seal("ann@example.com");
  for (int i = 0; i < 600; ++i)
    hit(server, id, kSentAt + (i + 1) * kHour);
  ASSERT_EQ(stored_opens(server), 600);

  struct Row {
    std::string query;
    int status;
    int rows;
  };
  for (const auto& row :
       std::vector<Row>{{"", 200, 100},
                        {"?limit=250", 200, 250},
                        {"?limit=100000", 200, 500},
                        {"?limit=99999999999999999999", 200, 500},
                        {"?limit=0", 400, 0},
                        {"?limit=-1", 400, 0},
                        {"?limit=abc", 400, 0},
                        {"?limit=50abc", 400, 0},
                        {"?limit=1e3", 400, 0},
                        {"?limit=", 400, 0},
                        {"?since=yesterday", 400, 0}}) {
    SCOPED_TRACE(row.query);
    auto r = server.get("/opens" + row.query, test::admin_headers());
    EXPECT_EQ(r.status, row.status) << r.body.substr(0, 200);
    auto body = json::parse(r.body);
    if (row.status != 200) {
      EXPECT_TRUE(body.contains("error"));
      continue;
    }
    EXPECT_EQ(body["opens"].size(), static_cast<std::size_t>(row.rows));
    EXPECT_EQ(body["count"], row.rows);
  }
  EXPECT_EQ(server.get("/opens?limit=5").status, 401);
}

TEST(ServeAdmin, OpensFiltersAndOrder) {
  TrackerServer server;
  auto ann = seal("ann@example.com");
  auto bob = seal("bob@example.com");
  hit(server, ann, kSentAt + kDay);
  hit(server, bob, kSentAt + 2 * kDay);
  hit(server, ann, kSentAt + 3 * kDay);

  auto all = admin_json(server, "/opens");
  ASSERT_EQ(all["count"], 3);
  EXPECT_EQ(all["opens"][0]["opened_at_unix"], kSentAt + 3 * kDay);
  auto anns = admin_json(server, "/opens?recipient=ann%40example.com");
  EXPECT_EQ(anns["count"], 2);
  auto since =
      admin_json(server, "/opens?since=" + std::to_string(kSentAt + 2 * kDay));
  EXPECT_EQ(since["count"], 2);
  auto iso = admin_json(server, "/opens?since=2026-01-03T00:00:00Z");
  EXPECT_EQ(iso["count"], 2);
}

// --- C15: bot rows ----------------------------------------------------------

TEST(ServeBots, ClassificationRowsAreAllStored) {
  TrackerServer server;
  std::string gmail =
      "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 "
      "(via ggpht.com GoogleImageProxy)";
  std::string chrome =
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
      "(KHTML, like Gecko) Chrome/120.0 Safari/537.36";
  struct Row {
    std::string ua;
    std::int64_t delta;
    std::string type;
    bool bot;
  };
  std::vector<Row> rows = {{gmail, 2 * kHour, "gmail_proxy", false},
                           {gmail, 3, "too_fast", true},
                           {chrome, 4, "too_fast", true},
                           {chrome, 40 * 60, "human", false},
                           {"Mozilla/5.0", 600, "apple_mpp", true},
                           {chrome, -120, "too_fast", true},
                           {chrome, 9, "too_fast", true},
                           {chrome, 11, "human", false}};
  int human = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE(i);
    auto id = seal("b" + std::to_string(i) + "@example.com");
    hit(server, id, kSentAt + rows[i].delta, rows[i].ua);
    auto report = admin_json(server, "/q/" + id);
    ASSERT_EQ(report["total_opens"], 1);
    EXPECT_EQ(report["opens"][0]["bot_type"], rows[i].type);
    EXPECT_EQ(report["opens"][0]["is_bot"], rows[i].bot);
    EXPECT_EQ(report["human_opens"], rows[i].bot ? 0 : 1);
    if (!rows[i].bot)
      ++human;
  }
  EXPECT_EQ(human, 3);
  EXPECT_EQ(stored_opens(server), static_cast<std::int64_t>(rows.size()));
}

// Like the Worker: a user agent over 512 bytes or a pixel target over 4096
// gets the GIF but is not recorded; 512 bytes exactly is.
TEST(ServeBots, OversizedHitsAreServedButNotStored) {
  TrackerServer server;
  auto id = seal("ann@example.com");
  auto r = hit(server, id, kSentAt + kDay, std::string(513, 'u'));
  EXPECT_EQ(r.body, pixel_gif());
  r = server.get("/p/" + id + ".gif?pad=" + std::string(4100, 'p'),
                 {{"X-Gog-Test-Now", std::to_string(kSentAt + kDay)}});
  EXPECT_EQ(r.body, pixel_gif());
  EXPECT_EQ(stored_opens(server), 0);

  hit(server, id, kSentAt + kDay, std::string(512, 'u'));
  auto opens = admin_json(server, "/q/" + id)["opens"];
  ASSERT_EQ(opens.size(), 1u);
  EXPECT_EQ(opens[0]["user_agent"], std::string(512, 'u'));
}

// --- hostile and odd requests ---------------------------------------------

TEST(ServeHostile, MalformedAndHugeRequestsAreRefused) {
  TrackerServer server;
  int port = server.port();

  EXPECT_EQ(status_of(raw_exchange(port, "GARBAGE\r\n\r\n")), 400);
  EXPECT_EQ(status_of(raw_exchange(port, "\x01\x02\xff\r\n\r\n")), 400);

  // A long pixel target still gets the GIF; other routes get 414.
  auto long_pixel = server.get("/p/" + std::string(5000, 'A') + ".gif");
  EXPECT_EQ(long_pixel.status, 200);
  EXPECT_EQ(long_pixel.body, pixel_gif());
  auto long_query = server.get("/opens?recipient=" + std::string(5000, 'a'),
                               test::admin_headers());
  EXPECT_EQ(long_query.status, 414);

  std::string huge_target = "/p/" + std::string(100 * 1024, 'A') + ".gif";
  int s = status_of(raw_exchange(
      port, "GET " + huge_target + " HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(s == 400 || s == 414) << s;

  std::string huge_header(1024 * 1024, 'h');
  s = status_of(raw_exchange(port,
                             "GET /health HTTP/1.1\r\nHost: x\r\n"
                             "X-Big: " +
                                 huge_header + "\r\n\r\n"));
  EXPECT_TRUE(s == 400 || s == 431) << s;

  std::map<std::string, std::string> many;
  for (int i = 0; i < 10; ++i) {
    many["X-Fill-" + std::to_string(i)] = std::string(4000, 'f');
  }
  EXPECT_EQ(server.get("/health", many).status, 431);

  EXPECT_EQ(server.get("/health").status, 200);
  EXPECT_EQ(stored_opens(server), 0);
}

TEST(ServeHostile, RoutesMethodsAndJsonErrors) {
  TrackerServer server;
  auto health = server.get("/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(json::parse(health.body),
            json({{"ok", true}, {"retention_days", 90}}));
  EXPECT_EQ(health.headers["Content-Type"], "application/json");

  for (std::string target : {"/", "/nope", "/p/abc", "/q", "/opens/x"}) {
    auto r = server.get(target, test::admin_headers());
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_TRUE(json::parse(r.body).contains("error"));
  }
  std::string post =
      raw_exchange(server.port(),
                   "POST /p/x.gif HTTP/1.1\r\nHost: x\r\n"
                   "Content-Length: 0\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(post), 405);
  EXPECT_NE(post.find("Allow: GET"), std::string::npos);
}

// --- process ----------------------------------------------------------------

// The start-up purge runs on the wall clock, so this open is recent.
TEST(ServeProcess, RestartKeepsDataAndAppliesMigrationsOnce) {
  test::TempDir dir;
  auto db = dir / "t.db";
  auto id = seal("ann@example.com");
  std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  {
    TrackerServer first(test::vector_key_env(), {}, db);
    hit(first, id, now);
    EXPECT_EQ(stored_opens(first), 1);
    EXPECT_EQ(first.stop(), 0);
  }
  TrackerServer second(test::vector_key_env(), {}, db);
  EXPECT_EQ(admin_json(second, "/q/" + id)["total_opens"], 1);
  EXPECT_EQ(count(second, "SELECT COUNT(*) FROM d1_migrations"), 2);
  EXPECT_EQ(count(second, "SELECT COUNT(DISTINCT name) FROM d1_migrations"), 2);
}

TEST(ServeProcess, StopCommitsEverythingAnswered) {
  test::TempDir dir;
  auto db = dir / "t.db";
  TrackerServer server(test::vector_key_env(), {}, db);
  for (int i = 0; i < 50; ++i) {
    hit(server, seal("s" + std::to_string(i) + "@example.com"), kSentAt + kDay);
  }
  EXPECT_EQ(server.stop(), 0);
  SQLite::Database read(db.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(read.execAndGet("SELECT COUNT(*) FROM opens").getInt(), 50);
}

TEST(ServeProcess, RefusesToStartWithoutKeys) {
  test::TempDir dir;
  std::map<std::string, std::string> env = {
      {"GOG_CONFIG_DIR", (dir / "config").string()},
      {"GOG_STATE_DIR", (dir / "state").string()},
      {"GOG_KEYRING_BACKEND", "file"},
      {"GOG_KEYRING_PASSWORD", "pw"}};
  // test_support's run_tool passes the caller's environment through; these
  // tests set no keys there.
  auto r = test::run_tool("gog-serve", {"--listen", "127.0.0.1:1"}, env);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("gog serve: error: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ADMIN_KEY"), std::string::npos) << r.err;

  auto only_tracking = env;
  only_tracking["TRACKING_KEY"] = test::vector_key_env()["TRACKING_KEY"];
  r = test::run_tool("gog-serve", {"--listen", "127.0.0.1:1"}, only_tracking);
  EXPECT_EQ(r.exit_code, 2) << r.err;

  auto bad_key = env;
  bad_key["TRACKING_KEY"] = "not-a-key";
  bad_key["ADMIN_KEY"] = "x";
  r = test::run_tool("gog-serve", {"--listen", "127.0.0.1:1"}, bad_key);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("TRACKING_KEY"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("not-a-key"), std::string::npos) << "key echoed";
}

TEST(ServeProcess, BadListenAddressIsUsageError) {
  auto env = test::vector_key_env();
  auto r = test::run_tool("gog-serve", {"--listen", "nonsense:port:x"}, env);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--listen"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace gog

namespace gog {
namespace {

// C22 for the native ledger: a schema made outside d1_migrations is not
// silently re-applied or half-migrated; start-up stops naming the file.
TEST(ServeProcess, SchemaOutsideTheLedgerStopsStartUp) {
  test::TempDir dir;
  auto db = dir / "t.db";
  {
    SQLite::Database raw(db.string(),
                         SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("CREATE TABLE opens (id INTEGER PRIMARY KEY)");
  }
  auto r = test::run_tool("gog-serve",
                          {"--listen", "127.0.0.1:0", "--db", db.string()},
                          test::vector_key_env());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("0001_create_opens.sql"), std::string::npos) << r.err;
  SQLite::Database read(db.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(read.execAndGet("SELECT COUNT(*) FROM d1_migrations").getInt(), 0);
}

TEST(ServeProcess, UnusableDatabasePathNamesIt) {
  test::TempDir dir;
  std::ofstream(dir / "file") << "x";
  auto db = dir / "file" / "tracker.db";
  auto r = test::run_tool("gog-serve",
                          {"--listen", "127.0.0.1:0", "--db", db.string()},
                          test::vector_key_env());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot open database '" + db.string() + "'"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("--db"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace gog
