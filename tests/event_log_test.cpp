#include "common/event_log.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "common/crypto.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "support/test_support.hpp"

namespace gog {
namespace {

using nlohmann::json;
using test::TempDir;

class EventLogTest : public ::testing::Test {
 protected:
  TempDir dir;
  fs::path path = dir / "events.jsonl";
  EventLog log{path};

  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
      out.push_back(line);
    return out;
  }
  void write_lines(const std::vector<std::string>& ls, bool end_nl = true) {
    std::string text;
    for (const auto& l : ls)
      text += l + "\n";
    if (!end_nl)
      text.pop_back();
    write_file_atomic(path, text);
  }
};

// Rewrites an event line with a new data member and a correct own hash.
std::string rehash(const std::string& line, const json& data) {
  json e = json::parse(line);
  e["data"] = data;
  e.erase("hash");
  e["hash"] = sha256_hex(e.dump());
  return e.dump();
}

TEST_F(EventLogTest, AppendsAChainUnderAHeader) {
  log.append("setup.configured", {{"account", "a@b.c"}});
  auto e = log.append("message.sent", {{"n", 2}});
  EXPECT_EQ(e.seq, 2);
  EXPECT_EQ(e.type, "message.sent");

  auto ls = lines();
  ASSERT_EQ(ls.size(), 3u);
  EXPECT_EQ(ls[0], R"({"format":"gog-events","version":1})");
  auto first = json::parse(ls[1]), second = json::parse(ls[2]);
  EXPECT_EQ(first["prev"], sha256_hex(ls[0]));
  EXPECT_EQ(second["prev"], first["hash"]);
  json unhashed = second;
  unhashed.erase("hash");
  EXPECT_EQ(second["hash"], sha256_hex(unhashed.dump()));

  auto all = log.read_all();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].data["account"], "a@b.c");
  EXPECT_EQ(log.last()->seq, 2);
  EXPECT_TRUE(log.verify().ok);
  EXPECT_EQ(log.verify().events, 2u);
}

TEST_F(EventLogTest, MissingLogIsEmpty) {
  EXPECT_TRUE(log.read_all().empty());
  EXPECT_FALSE(log.last());
  EXPECT_TRUE(log.verify().ok);
}

TEST_F(EventLogTest, TornTailIsSkippedThenCut) {
  log.append("a", json::object());
  log.append("b", json::object());
  auto ls = lines();
  write_lines({ls[0], ls[1], ls[2], ls[2].substr(0, 30)}, false);

  auto v = log.verify();
  EXPECT_TRUE(v.ok);
  EXPECT_TRUE(v.torn_tail);
  EXPECT_EQ(v.torn_line, 4u);
  EXPECT_EQ(log.read_all().size(), 2u);

  auto e = log.append("c", json::object());
  EXPECT_EQ(e.seq, 3);
  EXPECT_EQ(lines().size(), 4u);
  auto after = log.verify();
  EXPECT_TRUE(after.ok);
  EXPECT_FALSE(after.torn_tail);
  EXPECT_EQ(after.events, 3u);
}

TEST_F(EventLogTest, NonJsonLastLineIsTorn) {
  log.append("a", json::object());
  auto ls = lines();
  write_lines({ls[0], ls[1], std::string("\0\0\0\0", 4)});
  EXPECT_TRUE(log.verify().torn_tail);
  EXPECT_EQ(log.append("b", json::object()).seq, 2);
  EXPECT_TRUE(log.verify().ok);
  EXPECT_EQ(lines().size(), 3u);
}

TEST_F(EventLogTest, BrokenChainInTheMiddleIsAnErrorAtThatLine) {
  for (int i = 0; i < 4; ++i)
    log.append("n", {{"i", i}});
  auto ls = lines();
  // A consistent-looking line whose own hash is right but whose data changed
  // breaks the next line's prev.
  ls[2] = rehash(ls[2], {{"i", 99}});
  write_lines(ls);

  auto v = log.verify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.bad_line, 4u);
  EXPECT_NE(v.reason.find("prev"), std::string::npos) << v.reason;
  EXPECT_EQ(v.events, 2u);
  try {
    log.read_all();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string() + ":4"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(EventLogTest, EditedLineFailsItsOwnHash) {
  for (int i = 0; i < 3; ++i)
    log.append("n", {{"i", i}});
  auto ls = lines();
  auto at = ls[2].find("\"i\":1");
  ls[2].replace(at, 5, "\"i\":7");
  write_lines(ls);
  auto v = log.verify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.bad_line, 3u);
  EXPECT_NE(v.reason.find("hash"), std::string::npos);
}

TEST_F(EventLogTest, RemovedLineBreaksTheChain) {
  for (int i = 0; i < 3; ++i)
    log.append("n", {{"i", i}});
  auto ls = lines();
  write_lines({ls[0], ls[1], ls[3]});
  auto v = log.verify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.bad_line, 3u);
}

TEST_F(EventLogTest, AppendRefusesABadLastEvent) {
  for (int i = 0; i < 2; ++i)
    log.append("n", {{"i", i}});
  auto ls = lines();
  auto at = ls[2].find("\"i\":1");
  ls[2].replace(at, 5, "\"i\":5");
  write_lines(ls);
  EXPECT_THROW(log.append("n", json::object()), Error);
  EXPECT_EQ(lines().size(), 3u);
}

TEST_F(EventLogTest, UnknownTypesAreKept) {
  log.append("future.thing", {{"x", {1, 2}}});
  log.append("a", json::object());
  auto all = log.read_all();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].type, "future.thing");
}

TEST_F(EventLogTest, NewerFormatVersionIsRefused) {
  write_lines({R"({"format":"gog-events","version":2})"});
  EXPECT_THROW(log.verify(), Error);
  EXPECT_THROW(log.read_all(), Error);
  try {
    log.append("a", json::object());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("version 2"), std::string::npos);
    EXPECT_NE(e.hint().find("upgrade"), std::string::npos);
  }
  EXPECT_EQ(lines().size(), 1u);
}

TEST_F(EventLogTest, NotOurHeaderIsBad) {
  write_lines({R"({"hello":1})"});
  auto v = log.verify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.bad_line, 1u);
  EXPECT_THROW(log.append("a", json::object()), Error);
}

TEST_F(EventLogTest, SecretGuardRefusesSecretNamesAndHeldValues) {
  EXPECT_THROW(log.append("x", {{"admin_key", "abc"}}), Error);
  EXPECT_THROW(log.append("x", {{"nested", {{"refreshToken", "t"}}}}), Error);
  EXPECT_THROW(log.append("x", {{"GMAIL_CLIENT_SECRET", "s"}}), Error);
  EXPECT_THROW(log.append("x", {{"password", "p"}}), Error);
  // The shape of a tracking key anywhere.
  auto key = format_key(generate_key());
  EXPECT_THROW(log.append("x", {{"list", {key}}}), Error);

  log.forbid_values({"hunter2-hunter2"});
  EXPECT_THROW(log.append("x", {{"note", "pw is hunter2-hunter2!"}}), Error);

  {
    test::ScopedEnv env{{{"ADMIN_KEY", "admin-from-the-environment"}}};
    EXPECT_THROW(log.append("x", {{"note", "admin-from-the-environment"}}),
                 Error);
  }

  // Key versions and names of keys are fine.
  log.append("x", {{"key_versions", {1, 2}},
                   {"key_name", "TRACKING_KEY_V2"},
                   {"has_admin_key", true}});
  EXPECT_EQ(log.read_all().size(), 1u);
  EXPECT_EQ(read_file(path).find("hunter2"), std::string::npos);
}

TEST_F(EventLogTest, ConcurrentProcessesAndThreadsKeepAValidChain) {
  constexpr int kProcs = 4, kThreads = 3, kEach = 15;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = ::fork();
    if (pid == 0) {
      std::vector<std::thread> threads;
      std::atomic<bool> ok = true;
      for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
          EventLog mine(path);
          try {
            for (int i = 0; i < kEach; ++i)
              mine.append("n", {{"p", p}, {"t", t}, {"i", i}});
          } catch (...) {
            ok = false;
          }
        });
      }
      for (auto& th : threads)
        th.join();
      ::_exit(ok ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  auto v = log.verify();
  EXPECT_TRUE(v.ok) << v.reason << " at line " << v.bad_line;
  EXPECT_EQ(v.events, std::size_t{kProcs * kThreads * kEach});
  EXPECT_EQ(log.last()->seq, kProcs * kThreads * kEach);
}

TEST_F(EventLogTest, ReadBackStopsAndChecksTheLinks) {
  for (int i = 1; i <= 5; ++i)
    log.append("n", {{"i", i}});
  auto back = log.read_back([](const Event& e) { return e.seq == 3; });
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0].seq, 5);
  EXPECT_EQ(back[2].seq, 3);
  EXPECT_EQ(log.read_back([](const Event&) { return false; }).size(), 5u);

  auto ls = lines();
  ls[4] = rehash(ls[4], {{"i", 40}});  // own hash right, link to 5 broken
  write_lines(ls);
  EXPECT_EQ(log.read_back([](const Event& e) { return e.seq == 5; }).size(),
            1u);
  EXPECT_THROW(log.read_back([](const Event&) { return false; }), Error);
}

TEST_F(EventLogTest, LongLinesAreFoundFromTheTail) {
  std::string big(20000, 'x');
  log.append("big", {{"blob", big}});
  log.append("big", {{"blob", big}});
  EXPECT_EQ(log.last()->seq, 2);
  EXPECT_EQ(log.append("a", json::object()).seq, 3);
  EXPECT_TRUE(log.verify().ok);
}

}  // namespace
}  // namespace gog
