#include <git2.h>
#include <gtest/gtest.h>

#include "common/event_log.hpp"
#include "common/files.hpp"
#include "state/state.hpp"
#include "support/test_support.hpp"

namespace gog {
namespace {

using nlohmann::json;
using test::TempDir;

class StateTest : public ::testing::Test {
 protected:
  TempDir dir;
  fs::path log_path = dir / "state/events.jsonl";
  std::map<std::string, std::string> env{
      {"GOG_STATE_DIR", (dir / "state").string()},
      {"GOG_CONFIG_DIR", (dir / "config").string()}};

  void SetUp() override {
    git_libgit2_init();
    EventLog log(log_path);
    log.append("setup.configured", {{"account", "a@b.c"}});
    log.append("message.sent", {{"to", "x@y.z"}});
    log.append("setup.configured", {{"account", "c@d.e"}});
  }
  void TearDown() override { git_libgit2_shutdown(); }

  test::RunResult state(std::vector<std::string> args) {
    return test::run_tool("gog-state", args, env);
  }

  // Renames the "data" member of line index (0-based): still JSON, but its
  // hash no longer matches.
  void break_line(std::size_t index) {
    auto text = read_file(log_path);
    std::size_t at = 0;
    for (std::size_t i = 0; i < index; ++i)
      at = text.find('\n', at) + 1;
    ASSERT_EQ(text.compare(at, 7, "{\"data\""), 0);
    text[at + 3] = 'X';
    write_file_atomic(log_path, text);
  }
};

TEST_F(StateTest, VerifyReportsOkAndCount) {
  auto r = state({"verify", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto j = json::parse(r.out);
  EXPECT_EQ(j["events"], 3);
  EXPECT_TRUE(j["ok"].get<bool>());
}

TEST_F(StateTest, VerifyNamesTheFirstBadLine) {
  break_line(2);  // the third line: the event with "to"
  auto r = state({"verify"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(log_path.string() + ":3: "), std::string::npos) << r.err;
  EXPECT_EQ(state({"log"}).exit_code, 1);
}

TEST_F(StateTest, VerifyWarnsAboutATornTail) {
  auto text = read_file(log_path) + "{\"seq\":4,\"ti";
  write_file_atomic(log_path, text);
  auto r = state({"verify"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find(":5: torn last line"), std::string::npos) << r.err;
}

TEST_F(StateTest, LogListsAndFilters) {
  auto all = json::parse(state({"log", "--json"}).out);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1]["type"], "message.sent");
  auto some =
      json::parse(state({"log", "--json", "--type", "setup.configured"}).out);
  ASSERT_EQ(some.size(), 2u);
  EXPECT_EQ(some[1]["data"]["account"], "c@d.e");
  auto text = state({"log"}).out;
  EXPECT_NE(text.find("2  "), std::string::npos);
  EXPECT_EQ(state({"bogus"}).exit_code, 2);
}

std::string blob_at(git_repository* repo, const std::string& rev,
                    const std::string& path) {
  git_object* obj = nullptr;
  if (git_revparse_single(&obj, repo, (rev + ":" + path).c_str()) < 0)
    return "<missing>";
  auto* blob = reinterpret_cast<git_blob*>(obj);
  std::string out(static_cast<const char*>(git_blob_rawcontent(blob)),
                  git_blob_rawsize(blob));
  git_object_free(obj);
  return out;
}

TEST_F(StateTest, CommitWritesOnlyTheBranch) {
  auto repo_dir = dir / "repo";
  git_repository* repo = nullptr;
  ASSERT_EQ(git_repository_init(&repo, repo_dir.c_str(), 0), 0);

  auto first = state({"commit", "--branch", "gog-state", "--repo",
                      repo_dir.string(), "--json"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto id1 = json::parse(first.out)["commit"].get<std::string>();
  EXPECT_EQ(blob_at(repo, "gog-state", "state/events.jsonl"),
            read_file(log_path));

  EventLog(log_path).append("message.sent", {{"to", "q@r.s"}});
  auto second = state({"commit", "--branch", "gog-state", "--repo",
                       repo_dir.string(), "--message", "more"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  auto id2 = second.out.substr(0, 40);
  EXPECT_EQ(blob_at(repo, "gog-state", "state/events.jsonl"),
            read_file(log_path));
  EXPECT_EQ(blob_at(repo, "gog-state~1", "state/events.jsonl").size() <
                read_file(log_path).size(),
            true);

  git_object* tip = nullptr;
  ASSERT_EQ(git_revparse_single(&tip, repo, "gog-state"), 0);
  auto* commit = reinterpret_cast<git_commit*>(tip);
  EXPECT_STREQ(git_commit_message(commit), "more");
  char parent[GIT_OID_HEXSZ + 1];
  git_oid_tostr(parent, sizeof parent, git_commit_parent_id(commit, 0));
  EXPECT_EQ(parent, id1);
  git_object_free(tip);

  // HEAD still names an unborn branch; nothing was checked out.
  EXPECT_EQ(git_repository_head_unborn(repo), 1);
  EXPECT_FALSE(fs::exists(repo_dir / "state"));
  git_repository_free(repo);
  EXPECT_NE(id1, id2);
}

TEST_F(StateTest, CommitKeepsOtherFilesAndSkipsUnchanged) {
  auto repo_dir = dir / "repo";
  git_repository* repo = nullptr;
  ASSERT_EQ(git_repository_init(&repo, repo_dir.c_str(), 0), 0);
  auto args = std::vector<std::string>{"commit", "--branch", "persist",
                                       "--repo", repo_dir.string()};
  auto a = state(args);
  auto b = state(args);
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(b.err.find("no new commit"), std::string::npos);
  git_repository_free(repo);
}

TEST_F(StateTest, CommitCarriesTheEncryptedKeyringWhenAsked) {
  auto repo_dir = dir / "repo";
  git_repository* repo = nullptr;
  ASSERT_EQ(git_repository_init(&repo, repo_dir.c_str(), 0), 0);
  auto args = std::vector<std::string>{"commit", "--branch", "ci-state",
                                       "--repo", repo_dir.string(),
                                       "--keyring"};

  auto missing = state(args);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no keyring file"), std::string::npos);

  std::string sealed = std::string("gog-keyring\0\x01 ciphertext", 24);
  write_file_atomic(dir / "config/keyring.enc", sealed, 0600);
  auto r = state(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(blob_at(repo, "ci-state", "state/keyring.enc"), sealed);
  EXPECT_EQ(blob_at(repo, "ci-state", "state/events.jsonl"),
            read_file(log_path));
  git_repository_free(repo);
}

TEST_F(StateTest, CommitRefusesCheckedOutAndBadBranches) {
  auto repo_dir = dir / "repo";
  git_repository* repo = nullptr;
  ASSERT_EQ(git_repository_init(&repo, repo_dir.c_str(), 0), 0);
  git_reference* head = nullptr;
  ASSERT_EQ(git_reference_lookup(&head, repo, "HEAD"), 0);
  std::string current = git_reference_symbolic_target(head);
  git_reference_free(head);
  git_repository_free(repo);

  auto name = current.substr(std::string("refs/heads/").size());
  auto r = state({"commit", "--branch", name, "--repo", repo_dir.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("checked out"), std::string::npos);
  for (std::string bad : {"a..b", "", "x y", "-x~"}) {
    auto s = state({"commit", "--branch", bad, "--repo", repo_dir.string()});
    EXPECT_EQ(s.exit_code, 2) << bad << s.err;
  }
}

TEST_F(StateTest, CommitRefusesABrokenLog) {
  git_repository* repo = nullptr;
  ASSERT_EQ(git_repository_init(&repo, (dir / "repo").c_str(), 0), 0);
  git_repository_free(repo);
  break_line(2);
  auto r = state(
      {"commit", "--branch", "gog-state", "--repo", (dir / "repo").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(":3: "), std::string::npos) << r.err;
}

}  // namespace
}  // namespace gog
