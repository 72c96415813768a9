// The open-decision core: base64 (C07, C09), classification (C15), admin
// queries (C14), bearer checks (C23) and time handling.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/admin.hpp"
#include "core/base64.hpp"
#include "core/classify.hpp"
#include "core/rules.hpp"
#include "core/sql.hpp"
#include "core/timefmt.hpp"

namespace gog::core {
namespace {

std::string decode_text(std::string_view text, Alphabet alphabet) {
  auto bytes = base64_decode(text, alphabet);
  EXPECT_TRUE(bytes) << text;
  return bytes ? std::string(bytes->begin(), bytes->end()) : "";
}

TEST(Base64, AlphabetsStayApart) {
  // C07: '+' and '/' never appear in the URL alphabet's output.
  EXPECT_EQ(base64_encode("<p>?>~</p>", Alphabet::kStandard, true),
            "PHA+Pz5+PC9wPg==");
  EXPECT_EQ(base64_encode("<p>?>~</p>", Alphabet::kUrl, true),
            "PHA-Pz5-PC9wPg==");
  EXPECT_EQ(
      base64_encode("Subject: Hi\r\n\r\n<p>ok?</p>", Alphabet::kUrl, false),
      "U3ViamVjdDogSGkNCg0KPHA-b2s_PC9wPg");
  EXPECT_FALSE(base64_decode("PHA+Pz5+PC9wPg==", Alphabet::kUrl));
  EXPECT_FALSE(base64_decode("PHA-Pz5-PC9wPg==", Alphabet::kStandard));
}

TEST(Base64, PaddingIsOptionalButMustBeRight) {
  EXPECT_EQ(decode_text("PHA-Pz5-PC9wPg==", Alphabet::kUrl), "<p>?>~</p>");
  EXPECT_EQ(decode_text("PHA-Pz5-PC9wPg", Alphabet::kUrl), "<p>?>~</p>");
  EXPECT_FALSE(base64_decode("PHA-Pz5-PC9wPg=", Alphabet::kUrl));
  EXPECT_FALSE(base64_decode("PHA-Pz5-PC9wPg===", Alphabet::kUrl));
  EXPECT_FALSE(base64_decode("A", Alphabet::kUrl));      // 1 mod 4
  EXPECT_FALSE(base64_decode("AAAAA", Alphabet::kUrl));  // 1 mod 4
  EXPECT_EQ(decode_text("AA", Alphabet::kUrl), std::string(1, '\0'));
  EXPECT_FALSE(base64_decode("AB", Alphabet::kUrl));  // stray low bits
  EXPECT_EQ(decode_text("", Alphabet::kUrl), "");
}

TEST(Base64, RoundTripsEveryLength) {
  std::string data;
  for (int n = 0; n < 70; ++n) {
    for (auto alphabet : {Alphabet::kStandard, Alphabet::kUrl}) {
      for (bool pad : {true, false}) {
        auto text = base64_encode(data, alphabet, pad);
        EXPECT_EQ(decode_text(text, alphabet), data) << n;
      }
    }
    data += static_cast<char>(n * 37 + 250);
  }
}

TEST(DecodePlan, VersionHintThenEveryKeyThenLegacy) {
  Bytes raw(40, 0);
  raw[0] = 2;
  std::string id = base64_encode(raw, Alphabet::kUrl, false);

  auto plan = decode_plan(id, {{1, 2, 3}, true});
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->attempts.size(), 2u);
  EXPECT_EQ(plan->attempts[0].version, 2);
  EXPECT_EQ(plan->attempts[0].offset, 1u);
  EXPECT_EQ(plan->attempts[1].version, 0);
  EXPECT_EQ(plan->attempts[1].offset, 0u);

  raw[0] = 9;
  plan =
      decode_plan(base64_encode(raw, Alphabet::kUrl, false), {{1, 3}, false});
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->attempts.size(), 2u);
  EXPECT_EQ(plan->attempts[0].version, 1);
  EXPECT_EQ(plan->attempts[1].version, 3);
}

TEST(DecodePlan, RejectsWhatCannotBeAnId) {
  std::string why;
  EXPECT_FALSE(decode_plan("", {{1}, true}, &why));
  EXPECT_FALSE(decode_plan("%%%not*base64%%%", {{1}, true}, &why));
  EXPECT_EQ(why, "id is not base64url");
  EXPECT_FALSE(decode_plan(std::string(kMaxIdChars + 4, 'A'), {{1}, true}));
  auto plan = decode_plan(std::string(38, 'A') + "==", {{1}, true});
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->canonical, std::string(38, 'A'));
}

TEST(Payload, StrictAboutShape) {
  EXPECT_TRUE(parse_payload(R"({"r":"a@b.c","s":"a1b2c3","t":5})"));
  EXPECT_TRUE(parse_payload(R"({"r":"a@b.c","s":"a1b2c3","t":5,"x":1})"));
  const char* bad[] = {
      R"([1,2])",
      R"({"r":"nobody","s":"a1b2c3","t":5})",
      R"({"r":"a@b.c\n","s":"a1b2c3","t":5})",
      R"({"r":"a@b.c","s":"A1B2C3","t":5})",
      R"({"r":"a@b.c","s":"a1b2c","t":5})",
      R"({"r":"a@b.c","s":"a1b2c3","t":-1})",
      R"({"r":"a@b.c","s":"a1b2c3","t":1.5})",
      R"({"r":"a@b.c","s":"a1b2c3","t":"5"})",
      R"({"r":"a@b.c","s":"a1b2c3","t":18446744073709551615})",
      R"({"r":"a@b.c","s":"a1b2c3"})",
      "not json",
  };
  for (const char* text : bad)
    EXPECT_FALSE(parse_payload(text)) << text;
  EXPECT_EQ(payload_json({"a@b.c", "a1b2c3", 7}),
            R"({"r":"a@b.c","s":"a1b2c3","t":7})");
}

struct BotRow {
  const char* ua;
  std::int64_t delta;
  const char* type;
  bool is_bot;
};

TEST(Classify, CaseC15Rows) {
  const char* gmail =
      "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 "
      "(via ggpht.com GoogleImageProxy)";
  const char* chrome =
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
      "(KHTML, like Gecko) Chrome/120.0 Safari/537.36";
  const BotRow rows[] = {
      {gmail, 7200, "gmail_proxy", false},
      {gmail, 3, "too_fast", true},
      {chrome, 4, "too_fast", true},
      {chrome, 2400, "human", false},
      {"Mozilla/5.0", 600, "apple_mpp", true},
      {chrome, -120, "too_fast", true},
      {chrome, kTooFastSeconds - 1, "too_fast", true},
      {chrome, kTooFastSeconds, "human", false},
      {chrome, kTooFastSeconds + 1, "human", false},
      {"mozilla/5.0 (via GGPHT.COM googleimageproxy)", 600, "gmail_proxy",
       false},
      {"Mozilla/5.0 GoogleImageProxy Mimecast", 600, "scanner", true},
      {"", 600, "scanner", true},
      {"curl/8.0", 600, "scanner", true},
      {"Mozilla/5.0 BingPreview/1.0b", 600, "outlook_prefetch", true},
  };
  for (const auto& row : rows) {
    auto c = classify_open(row.ua, row.delta);
    EXPECT_EQ(c.type, row.type) << row.ua << " " << row.delta;
    EXPECT_EQ(c.is_bot, row.is_bot) << row.ua << " " << row.delta;
  }
}

std::optional<OpensQuery> query(std::string_view text, std::string* error) {
  return parse_opens_query(text, error);
}

TEST(OpensQuery, CaseC14LimitTable) {
  std::string error;
  EXPECT_EQ(query("", &error)->limit, 100);
  EXPECT_EQ(query("limit=250", &error)->limit, 250);
  EXPECT_EQ(query("limit=100000", &error)->limit, 500);
  EXPECT_EQ(query("limit=99999999999999999999999", &error)->limit, 500);
  for (const char* bad :
       {"limit=0", "limit=-1", "limit=abc", "limit=50abc", "limit=1e3",
        "limit=", "limit=%", "since=yesterday"}) {
    error.clear();
    EXPECT_FALSE(query(bad, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
  error.clear();
  query("limit=abc", &error);
  EXPECT_EQ(error, "bad limit 'abc': expected a whole number from 1 to 500");
}

TEST(OpensQuery, FiltersDecode) {
  std::string error;
  auto q = query("recipient=ann%40example.com&since=2026-01-01T00:00:00Z&x=1",
                 &error);
  ASSERT_TRUE(q) << error;
  EXPECT_EQ(q->recipient, "ann@example.com");
  EXPECT_EQ(q->since, 1767225600);
  EXPECT_EQ(query("since=1767225600", &error)->since, 1767225600);
}

TEST(Bearer, ExactTokenAfterTheFirstBearer) {
  std::string key = "s3cr3t $HOME `back` tick";
  EXPECT_TRUE(bearer_matches("Bearer " + key, key));
  EXPECT_TRUE(bearer_matches("bearer " + key, key));
  EXPECT_FALSE(bearer_matches("Bearer " + key + "\n", key));
  EXPECT_FALSE(bearer_matches("Bearer s3cr3t", key));
  EXPECT_FALSE(bearer_matches("Basic " + key, key));
  EXPECT_FALSE(bearer_matches("", key));
  EXPECT_FALSE(bearer_matches("Bearer ", ""));
}

TEST(TimeFormat, RoundTripsAndRejects) {
  EXPECT_EQ(iso8601(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(iso8601(1767225600), "2026-01-01T00:00:00Z");
  EXPECT_EQ(iso8601(951782400), "2000-02-29T00:00:00Z");
  EXPECT_EQ(iso8601(-1), "1969-12-31T23:59:59Z");
  for (std::int64_t t = -100000000; t < 5000000000; t += 86399 * 97) {
    EXPECT_EQ(parse_time(iso8601(t)), t);
  }
  EXPECT_EQ(parse_time("2026-12-04"), 1796342400);
  EXPECT_EQ(parse_time("2026-12-04 01:00:00"), 1796346000);
  EXPECT_EQ(parse_time("2026-12-04T01:00:00+00:00"), 1796346000);
  for (const char* bad :
       {"2026-02-30", "2025-02-29", "2026-13-01", "2026-12-04T25:00:00Z",
        "2026-12-04T01:00:00+02:00", "12/04/2026", "1e3", "", "-5", "+5",
                          "1767225600.5"}) {
    EXPECT_FALSE(parse_time(bad)) << bad;
  }
}

TEST(Render, ShapesAreStable) {
  std::vector<OpenRow> rows = {
      {"id", "a@b.c", "a1b2c3", 100, 200, "1.2.3.4", "ua\xff", true, "scanner"},
      {"id", "a@b.c", "a1b2c3", 100, 300, "1.2.3.4", "ua", false, "human"},
  };
  auto q =
      nlohmann::json::parse(render_query({"a@b.c", "a1b2c3", 100}, rows, 3));
  EXPECT_EQ(q["total_opens"], 2);
  EXPECT_EQ(q["human_opens"], 1);
  EXPECT_EQ(q["first_human_open"], "1970-01-01T00:05:00Z");
  EXPECT_EQ(q["dropped_opens"], 3);
  EXPECT_EQ(q["opens"][0]["bot_type"], "scanner");

  auto o = nlohmann::json::parse(render_opens(rows, 100));
  EXPECT_EQ(o["count"], 2);
  EXPECT_EQ(o["opens"][1]["opened_at"], "1970-01-01T00:05:00Z");
}

TEST(Sql, BoundsAreAClosedHour) {
  auto b = sql::record_open_bounds(10000);
  EXPECT_EQ(b.dedupe_since, 10000 - 3599);
  EXPECT_EQ(b.cap_since, 10000 - 3599);
  EXPECT_EQ(b.ip_cap, 100);
  EXPECT_EQ(sql::purge_cutoff(90 * 86400), 0);
}

}  // namespace
}  // namespace gog::core
