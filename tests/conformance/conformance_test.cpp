// The HTTP behaviour both trackers share (docs/architecture.md, "HTTP
// API"), written once and run against `gog gmail track serve` and the Worker
// under `wrangler dev --local` by tests/conformance/run.sh. Ids are sealed
// here with OpenSSL and opened by the target (WebCrypto in the Worker).
//
// Every test picks its own client IPs and recipients, so the tests share
// one database without seeing each other's opens.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <vector>

#include "conformance/target.hpp"
#include "core/timefmt.hpp"
#include "support/test_support.hpp"

namespace gog::conformance {
namespace {

constexpr std::int64_t kT0 = 1767225600;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kDay = 86400;
const std::string kChrome =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
    "like Gecko) Chrome/120.0 Safari/537.36";
const std::string kGmailProxy =
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via "
    "ggpht.com GoogleImageProxy)";
const std::string kNoCache = "no-store, no-cache, must-revalidate, max-age=0";

class Conformance : public ::testing::Test {
 protected:
  Target target;
};

void expect_gif(const Response& r) {
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, pixel_gif());
  EXPECT_EQ(r.headers.at("content-type"), "image/gif");
  EXPECT_EQ(r.headers.at("cache-control"), kNoCache);
  EXPECT_EQ(r.headers.at("pragma"), "no-cache");
  EXPECT_EQ(r.headers.at("expires"), "0");
}

TEST_F(Conformance, HealthAnswersOkWithTheRetentionWindow) {
  Response r = target.get("/health");

  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.parsed(), json::parse(R"({"ok":true,"retention_days":90})"));
}

TEST_F(Conformance, EveryVectorDecodesThroughQuery) {
  json data = test::data_json("tracking-ids.json");

  for (const auto& c : data["cases"]) {
    if (c["name"] == "retired-key") continue;  // RetiredKey, own target
    SCOPED_TRACE(c["name"].get<std::string>());
    Response r = target.admin("/q/" + c["blob"].get<std::string>());

    if (!c["expect"]["ok"].get<bool>()) {
      EXPECT_EQ(r.status, 400);
      EXPECT_TRUE(r.parsed().contains("error"));
      continue;
    }
    ASSERT_EQ(r.status, 200) << r.body;
    json body = r.parsed();
    json payload = c["expect"]["payload"];
    EXPECT_EQ(body["recipient"], payload["r"]);
    EXPECT_EQ(body["subject_hash"], payload["s"]);
    EXPECT_EQ(body["sent_at"], core::iso8601(payload["t"].get<int64_t>()));
  }
}

TEST_F(Conformance, RetiredKeyNoLongerOpensItsIds) {
  Target retired("GOG_CONFORMANCE_RETIRED_URL");
  json data = test::data_json("tracking-ids.json");

  for (const auto& c : data["cases"]) {
    std::string name = c["name"];
    if (name != "retired-key" && name != "v1-basic" && name != "v3-unicode") {
      continue;
    }
    SCOPED_TRACE(name);
    Response r = retired.admin("/q/" + c["blob"].get<std::string>());
    EXPECT_EQ(r.status, c["expect"]["ok"].get<bool>() ? 200 : 400);
  }
}

TEST_F(Conformance, PixelIsTheGifWithNoCacheHeaders) {
  std::string id = seal(unique_recipient("pixel"), kT0);

  expect_gif(target.pixel(id, "192.0.2.1", kChrome, kT0 + 600));
  expect_gif(target.pixel("not-an-id", "192.0.2.1", kChrome, kT0 + 600));
  EXPECT_EQ(target.settled_opens(id), 1);
}

// C09: ids of every length class, and broken variants of them.
TEST_F(Conformance, IdsOfEveryLengthClassOpen) {
  const std::vector<std::pair<std::string, std::size_t>> lengths = {
      {"a@example.com", 104}, {"ab@example.com", 106},
      {"abc@example.com", 107}};

  for (const auto& [recipient, length] : lengths) {
    std::string id = seal(recipient, kT0);
    EXPECT_EQ(id.size(), length);
    EXPECT_EQ(id.find_first_of("=+/"), std::string::npos);
    EXPECT_EQ(target.query(id)["recipient"], recipient);
  }
}

TEST_F(Conformance, BrokenIdsStillGetTheGifAndStoreNothing) {
  std::string recipient, id;
  while (id.size() % 4 != 2) {
    recipient = unique_recipient("broken");
    id = seal(recipient, kT0);
  }
  std::string odd;  // an id with '-' or '_' in it, re-alphabeted
  while (odd.find_first_of("-_") == std::string::npos) {
    odd = seal(recipient, kT0);
  }
  std::replace(odd.begin(), odd.end(), '-', '+');
  std::replace(odd.begin(), odd.end(), '_', '/');
  const std::vector<std::string> broken = {
      id.substr(0, id.size() - 1),  // length 1 mod 4: no such encoding
      id.substr(0, id.size() - 2),  // decodes, fails authentication
      id.substr(0, 40) + id.substr(41),
      odd,
  };

  for (const std::string& bad : broken) {
    SCOPED_TRACE(bad);
    expect_gif(target.pixel(bad, "192.0.2.2", kChrome, kT0 + 600));
    EXPECT_EQ(target.admin("/q/" + bad).status, 400);
  }
  EXPECT_EQ(target.settled_recipient_opens(recipient), 0);
}

// '=' padding is accepted (vector "padded-variant"): the padded id is the
// same id, so its open counts for the unpadded one.
TEST_F(Conformance, PaddedIdCountsAsTheSameId) {
  std::string id;
  while (id.size() % 4 != 2) id = seal(unique_recipient("pad"), kT0);

  expect_gif(target.pixel(id + "==", "192.0.2.3", kChrome, kT0 + 600));

  EXPECT_EQ(target.settled_opens(id), 1);
}

TEST_F(Conformance, DuplicatesWithinTheHourAreStoredOnce) {
  std::string id = seal(unique_recipient("dedupe"), kT0);
  const std::string ip = "192.0.2.4";

  target.pixel(id, ip, kChrome, kT0 + 600);
  EXPECT_EQ(target.settled_opens(id), 1);
  target.pixel(id, ip, kChrome, kT0 + 610);
  target.pixel(id, ip, kChrome, kT0 + 600 + 3599);
  EXPECT_EQ(target.settled_opens(id), 1);

  target.pixel(id, ip, kChrome, kT0 + 600 + 3600);
  EXPECT_EQ(target.settled_opens(id), 2);
  target.pixel(id, ip, kGmailProxy, kT0 + 600 + 3600);
  target.pixel(id, "192.0.2.5", kChrome, kT0 + 600 + 3600);
  EXPECT_EQ(target.settled_opens(id), 4);
}

// C12: the cap and dedupe hold under concurrency; only CF-Connecting-IP
// names the client.
TEST_F(Conformance, PerIpCapHoldsUnderConcurrentUniqueIds) {
  std::string recipient = unique_recipient("cap");
  std::vector<std::string> ids;
  for (int i = 0; i < 150; ++i) ids.push_back(seal(recipient, kT0));
  std::atomic<int> gifs = 0;

  std::vector<std::function<void()>> jobs;
  for (const auto& id : ids) {
    jobs.push_back([&, id] {
      Response r = target.pixel(id, "203.0.113.7", "TestUA/1.0", kT0 + 900);
      if (r.status == 200 && r.body == pixel_gif()) ++gifs;
    });
  }
  run_concurrently(jobs);

  EXPECT_EQ(gifs, 150);
  EXPECT_EQ(target.settled_recipient_opens(recipient), 100);
  std::int64_t dropped = 0;
  for (const auto& id : ids) {
    dropped += target.query(id)["dropped_opens"].get<std::int64_t>();
  }
  EXPECT_EQ(dropped, 50);
}

TEST_F(Conformance, ConcurrentIdenticalHitsAreStoredOnce) {
  std::string id = seal(unique_recipient("burst"), kT0);

  std::vector<std::function<void()>> jobs(20, [&] {
    target.pixel(id, "198.51.100.9", "TestUA/1.0", kT0 + 900);
  });
  run_concurrently(jobs);

  EXPECT_EQ(target.settled_opens(id), 1);
}

TEST_F(Conformance, ForwardedForHeadersAreIgnored) {
  std::string recipient = unique_recipient("xff");
  std::vector<std::function<void()>> jobs;
  for (int i = 0; i < 150; ++i) {
    std::string id = seal(recipient, kT0);
    Headers spoof = {{"X-Forwarded-For", "10.0." + std::to_string(i) + ".1"},
                     {"X-Real-IP", "10.1." + std::to_string(i) + ".1"}};
    jobs.push_back([&, id, spoof] {
      target.pixel(id, "203.0.113.8", "TestUA/1.0", kT0 + 900, spoof);
    });
  }
  run_concurrently(jobs);

  EXPECT_EQ(target.settled_recipient_opens(recipient), 100);
  json rows = target.admin("/opens?limit=500&recipient=" +
                           url_encode(recipient)).parsed()["opens"];
  for (const auto& row : rows) EXPECT_EQ(row["ip"], "203.0.113.8");
}

// C15: one stored row per open, labelled; the 10 s rule on both sides.
TEST_F(Conformance, OpensAreClassifiedNotDropped) {
  struct Row {
    std::string user_agent;
    std::int64_t delta;
    std::string type;
    bool is_bot;
  };
  const std::vector<Row> rows = {
      {kGmailProxy, 7200, "gmail_proxy", false},
      {kGmailProxy, 3, "too_fast", true},
      {kChrome, 4, "too_fast", true},
      {kChrome, 2400, "human", false},
      {"Mozilla/5.0", 600, "apple_mpp", true},
      {kChrome, -120, "too_fast", true},
      {kChrome, 9, "too_fast", true},
      {kChrome, 10, "human", false},
      {kChrome, 11, "human", false},
      {"mozilla/5.0 (via GGPHT.COM googleimageproxy)", 600, "gmail_proxy",
       false},
  };

  for (const auto& row : rows) {
    SCOPED_TRACE(row.user_agent + " at " + std::to_string(row.delta));
    std::string id = seal(unique_recipient("bot"), kT0 + kDay);
    target.pixel(id, "192.0.2.10", row.user_agent, kT0 + kDay + row.delta);
    ASSERT_EQ(target.settled_opens(id), 1);

    json q = target.query(id);
    EXPECT_EQ(q["opens"][0]["bot_type"], row.type);
    EXPECT_EQ(q["opens"][0]["is_bot"], row.is_bot);
    EXPECT_EQ(q["human_opens"], row.is_bot ? 0 : 1);
  }
}

TEST_F(Conformance, QueryCountsDroppedOpensAndFirstHumanOpen) {
  std::string recipient = unique_recipient("drops");
  const std::string ip = "192.0.2.11";
  std::string id = seal(recipient, kT0);
  std::vector<std::function<void()>> fill;
  for (int i = 0; i < 100; ++i) {
    std::string other = seal(recipient, kT0);
    fill.push_back([&, other] { target.pixel(other, ip, kChrome, kT0 + 60); });
  }
  run_concurrently(fill);
  ASSERT_EQ(target.settled_recipient_opens(recipient), 100);

  target.pixel(id, ip, kChrome, kT0 + 120);
  target.pixel(id, ip, kGmailProxy, kT0 + 130);
  target.pixel(id, "192.0.2.12", kChrome, kT0 + 7200);
  ASSERT_EQ(target.settled_opens(id), 1);

  json q = target.query(id);
  EXPECT_EQ(q["dropped_opens"], 2);
  EXPECT_EQ(q["first_human_open"], core::iso8601(kT0 + 7200));
  EXPECT_EQ(q["opens"][0]["opened_at"], core::iso8601(kT0 + 7200));
}

// C23: the token is everything after the first "Bearer ".
TEST_F(Conformance, AdminRoutesNeedTheExactBearer) {
  const std::string key = target.admin_key();
  ASSERT_NE(key.find(' '), std::string::npos) << "the suite's key has spaces";
  std::string id = seal(unique_recipient("auth"), kT0);

  const std::vector<Headers> refused = {
      {},
      {{"Authorization", "Bearer wrong"}},
      {{"Authorization", "Bearer  " + key}},
      {{"Authorization", "Basic " + key}},
      {{"Authorization", "Bearer " + key.substr(0, key.size() - 1)}},
      {{"Authorization", "Bearer"}},
  };
  for (const auto& headers : refused) {
    for (const std::string& path : {std::string("/opens"), "/q/" + id}) {
      Response r = target.get(path, headers);
      std::string sent = headers.empty() ? "none" : headers.at("Authorization");
      ASSERT_EQ(r.status, 401) << path << " with " << sent;
      EXPECT_EQ(r.parsed(), json::parse(R"({"error":"unauthorized"})"));
    }
  }
  EXPECT_EQ(target.admin("/opens").status, 200);
  EXPECT_EQ(target.admin("/q/" + id).status, 200);
  // The scheme is case-insensitive (RFC 7235); the token is not.
  EXPECT_EQ(target.get("/opens", {{"Authorization", "bearer " + key}}).status,
            200);
}

// C14: limit defaults to 100, caps at 500; anything but a whole number
// from 1 up (including 0, -1 and 1e3) is a 400.
TEST_F(Conformance, OpensLimitIsBounded) {
  std::vector<std::function<void()>> seed;
  for (int i = 0; i < 600; ++i) {
    std::string ip = "198.18.0." + std::to_string(i / 100);
    std::string id = seal(unique_recipient("seed"), kT0);
    seed.push_back([&, id, ip] {
      target.pixel(id, ip, kChrome, kT0 + 3 * kDay);
    });
  }
  run_pooled(seed, 8);
  std::string since = std::to_string(kT0 + 3 * kDay);
  target.settle([&] {
    return target.admin("/opens?limit=500&since=" + since)
        .parsed()["count"]
        .get<std::int64_t>();
  });

  const std::vector<std::pair<std::string, int>> good = {
      {"", 100}, {"?limit=250", 250}, {"?limit=100000", 500},
      {"?limit=500", 500}, {"?limit=1", 1}};
  for (const auto& [query, rows] : good) {
    Response r = target.admin("/opens" + query);
    ASSERT_EQ(r.status, 200) << query;
    EXPECT_EQ(r.parsed()["count"], rows) << query;
    EXPECT_EQ(r.parsed()["opens"].size(), rows) << query;
    EXPECT_EQ(r.parsed()["limit"], rows) << query;
  }
  for (const std::string& bad :
       {"limit=0", "limit=-1", "limit=abc", "limit=50abc", "limit=1e3",
        "limit=", "since=abc", "since=-5", "recipient=%zz"}) {
    Response r = target.admin("/opens?" + bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_TRUE(r.parsed().contains("error")) << bad;
  }
}

TEST_F(Conformance, SinceTakesUnixSecondsAndIso) {
  std::string recipient = unique_recipient("since");
  std::int64_t base = kT0 + 4 * kDay;
  target.pixel(seal(recipient, base), "192.0.2.20", kChrome, base + 60);
  target.pixel(seal(recipient, base), "192.0.2.20", kChrome, base + 7200);
  ASSERT_EQ(target.settled_recipient_opens(recipient), 2);

  std::string r = "&recipient=" + url_encode(recipient);
  for (const std::string& since :
       {std::to_string(base + 3600), core::iso8601(base + 3600)}) {
    json body = target.admin("/opens?since=" + since + r).parsed();
    ASSERT_EQ(body["count"], 1) << since;
    EXPECT_EQ(body["opens"][0]["opened_at"], core::iso8601(base + 7200));
    EXPECT_EQ(body["opens"][0]["recipient"], recipient);
    EXPECT_EQ(body["opens"][0]["sent_at"], core::iso8601(base));
  }
  json all = target.admin("/opens?since=" + std::to_string(base) + r).parsed();
  EXPECT_EQ(all["count"], 2);
  EXPECT_EQ(all["opens"][0]["opened_at"], core::iso8601(base + 7200));
}

TEST_F(Conformance, OversizedAndMalformedRequestsAreRefused) {
  std::string recipient = unique_recipient("huge");
  std::string id = seal(recipient, kT0);

  expect_gif(target.pixel(std::string(5000, 'A'), "192.0.2.30", kChrome,
                          kT0 + 600));
  expect_gif(target.pixel(id, "192.0.2.30", std::string(600, 'U'),
                          kT0 + 600));
  EXPECT_EQ(target.settled_recipient_opens(recipient), 0);

  EXPECT_EQ(target.admin("/opens?recipient=" + std::string(5000, 'a'))
                .status, 414);
  EXPECT_EQ(target.request("POST", "/p/" + id + ".gif").status, 405);
  EXPECT_EQ(target.request("DELETE", "/opens").status, 405);
  EXPECT_EQ(target.get("/nothing-here").status, 404);
}

// Retention: the runtime's scheduled trigger deletes opens and drop
// counters older than 90 days. These opens sit in 2023, before every other
// test's, so the purge touches nothing else.
TEST_F(Conformance, ScheduledPurgeDeletesWhatIsOlderThan90Days) {
  const std::int64_t purge_at = 1700000000;
  const std::string ip = "192.0.2.40";
  std::string old_id = seal(unique_recipient("old"), purge_at - 100 * kDay);
  std::string young_id = seal(unique_recipient("young"), purge_at - 100 * kDay);
  std::string recipient = unique_recipient("oldfill");
  std::vector<std::function<void()>> fill;
  for (int i = 0; i < 100; ++i) {
    std::string other = seal(recipient, purge_at - 100 * kDay);
    fill.push_back(
        [&, other] { target.pixel(other, ip, kChrome, purge_at - 91 * kDay); });
  }
  run_concurrently(fill);
  ASSERT_EQ(target.settled_recipient_opens(recipient), 100);
  target.pixel(old_id, ip, kChrome, purge_at - 91 * kDay);  // dropped
  target.pixel(young_id, ip, kChrome, purge_at - 89 * kDay);
  ASSERT_EQ(target.settled_opens(young_id), 1);
  ASSERT_EQ(target.query(old_id)["dropped_opens"], 1);

  Response r = target.get(target.scheduled_path() +
                          "?cron=0+2+*+*+*&time=" +
                          std::to_string(purge_at * 1000));
  EXPECT_EQ(r.status, 200);

  EXPECT_EQ(target.settled_recipient_opens(recipient), 0);
  EXPECT_EQ(target.settled_opens(young_id), 1);
  EXPECT_EQ(target.query(old_id)["dropped_opens"], 0);
}

}  // namespace
}  // namespace gog::conformance
