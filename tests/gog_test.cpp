#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>

#include "common/files.hpp"
#include "gog/dispatch.hpp"
#include "support/test_support.hpp"

namespace gog {
namespace {

using test::TempDir;
namespace d = dispatcher;

// A plug-in executable gog-<name> in dir that runs a shell body.
void write_plugin(const TempDir& dir, const std::string& name,
                  const std::string& body) {
  auto path = dir / ("gog-" + name);
  write_file_atomic(path, "#!/bin/sh\n" + body + "\n", 0755);
}

std::string with_path(const TempDir& dir) {
  return dir.path().string() + ":/usr/bin:/bin";
}

int shell_status(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(GogTable, EveryArchitectureCommandIsThere) {
  for (std::string words :
       {"gmail send", "gmail track setup", "gmail track serve",
        "gmail track opens", "gmail track status", "gmail track key rotate",
        "gmail track retention check", "state"}) {
    bool found = false;
    for (const auto& c : d::commands())
      found |= d::joined(c.words) == words;
    EXPECT_TRUE(found) << words;
  }
}

TEST(GogTable, FindsTheLongestCommandAndLeavesTheRest) {
  auto m = d::find_command({"gmail", "track", "key", "rotate", "--json"});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->command->executable, "gog-rotate");
  EXPECT_EQ(m->words_used, 4u);
  EXPECT_FALSE(d::find_command({"gmail", "track"}));
  EXPECT_FALSE(d::find_command({"gmail", "sned"}));
}

TEST(GogTable, EditDistance) {
  EXPECT_EQ(d::edit_distance("", ""), 0u);
  EXPECT_EQ(d::edit_distance("state", "stat"), 1u);
  EXPECT_EQ(d::edit_distance("status", "statsu"), 2u);
  EXPECT_EQ(d::edit_distance("kitten", "sitting"), 3u);
}

TEST(GogTable, SuggestsTheNearestCommand) {
  auto s = d::suggestions({"gmial", "send"});
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(s[0]->executable, "gog-send");
  auto t = d::suggestions({"gmail", "track", "statsu", "--json"});
  ASSERT_FALSE(t.empty());
  EXPECT_EQ(t[0]->executable, "gog-status");
  EXPECT_TRUE(d::suggestions({"zzzzzzzzzz"}).empty());
}

TEST(Gog, HelpListsTheTable) {
  auto r = test::run_tool("gog", {"help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const auto& c : d::commands())
    EXPECT_NE(r.out.find("  " + d::joined(c.words) + " "), std::string::npos);
  auto none = test::run_tool("gog", {});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("usage: gog"), std::string::npos);
}

TEST(Gog, Version) {
  auto r = test::run_tool("gog", {"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("gog ", 0), 0u);
}

TEST(Gog, UnknownCommandSuggests) {
  TempDir dir;
  auto r = test::run_tool("gog", {"gmail", "track", "statsu"},
                          {{"PATH", with_path(dir)}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("gog: error: unknown command 'gmail track statsu'"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("did you mean:\n  gog gmail track status"),
            std::string::npos)
      << r.err;
}

TEST(Gog, RunsTableCommandsAndPassesTheExitCode) {
  TempDir dir;
  auto r = test::run_tool("gog",
                          {"gmail", "track", "setup", "--worker-url", "ftp://x",
                           "--account", "a@b.c"},
                          {{"GOG_CONFIG_DIR", (dir / "c").string()},
                           {"GOG_STATE_DIR", (dir / "s").string()},
                           {"GOG_KEYRING_BACKEND", "file"},
                           {"GOG_KEYRING_PASSWORD", "pw"}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("gog setup: error: bad worker url"), std::string::npos)
      << r.err;
}

TEST(Gog, HelpForACommandRunsItsHelp) {
  auto r = test::run_tool("gog", {"help", "gmail", "track", "setup"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("--worker-url"), std::string::npos);
}

TEST(Gog, RunsPluginsFromPathGitStyle) {
  TempDir dir;
  write_plugin(dir, "hello", "echo \"args:$*\"; exit 7");
  auto r =
      test::run_tool("gog", {"hello", "a", "b c"}, {{"PATH", with_path(dir)}});
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(r.out, "args:a b c\n");
}

TEST(Gog, SignalsPassThroughBecauseGogExecs) {
  TempDir dir;
  write_plugin(dir, "die", "kill -TERM $$");
  auto r = test::run_tool("gog", {"die"}, {{"PATH", with_path(dir)}});
  EXPECT_EQ(r.exit_code, 128 + 15);
}

TEST(Gog, FullStdoutIsAFailure) {
  std::string gog = std::string(GOG_BIN_DIR) + "/gog";
  EXPECT_EQ(shell_status(gog + " help > /dev/full 2>/dev/null"), 1);
  EXPECT_EQ(shell_status(gog + " --version > /dev/full 2>/dev/null"), 1);
  EXPECT_EQ(shell_status(gog + " help > /dev/null"), 0);
}

}  // namespace
}  // namespace gog
