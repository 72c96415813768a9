// tools/common/wrangler: the runner (fake wrangler recording argv, stdin and
// environment), output parsing (cases C21, C23), and the real wrangler
// against the Cloudflare API stand-in.
#include "common/wrangler.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/error.hpp"
#include "common/files.hpp"
#include "standins/standin_process.hpp"
#include "support/test_support.hpp"

namespace gog {
namespace {

using test::TempDir;

std::string ansi(const std::string& text) {
  return "\x1b[33m" + text + "\x1b[0m";
}

// A wrangler stand-in that records what it was given and answers JSON.
fs::path fake_wrangler(const TempDir& dir, int exit_code = 0) {
  fs::path script = dir / "wrangler";
  write_file_atomic(script,
                    "#!/bin/sh\n"
                    "d=$(dirname \"$0\")\n"
                    "printf '%s\\n' \"$@\" > \"$d/argv\"\n"
                    "cat > \"$d/stdin\"\n"
                    "env > \"$d/env\"\n"
                    "pwd > \"$d/cwd\"\n"
                    "echo ' wrangler banner'\n"
                    "echo '{\"ok\": true}'\n"
                    "printf '\\033[31mX [ERROR] it broke\\033[0m\\n\\n"
                    "  the reason [code: 7]\\n\\n"
                    "  If you think this is a bug\\n' >&2\n"
                    "exit " + std::to_string(exit_code) + "\n",
                    0755);
  return script;
}

TEST(WranglerParse, StripsAnsi) {
  EXPECT_EQ(wrangler::strip_ansi(ansi("a") + "\x1b[1;31mb\x1b[0m"), "ab");
  EXPECT_EQ(wrangler::strip_ansi("plain"), "plain");
}

TEST(WranglerParse, FirstJsonSkipsBannerAndWarningLines) {
  auto doc = wrangler::first_json(
      wrangler::strip_ansi(ansi(test::data_text("wrangler/create-json.txt"))));
  ASSERT_TRUE(doc);
  EXPECT_EQ((*doc)["d1_databases"][0]["database_id"],
            "0f3c2a9e-1b2d-4c5e-8f90-123456789abc");
}

TEST(WranglerParse, FirstJsonFindsArrays) {
  auto doc = wrangler::first_json("noise ] [x]\n[x\n" +
                                  test::data_text("wrangler/list.json"));
  ASSERT_TRUE(doc);
  ASSERT_TRUE(doc->is_array());
  EXPECT_EQ(doc->size(), 2u);
}

TEST(WranglerParse, FirstJsonIsEmptyForTextOnly) {
  EXPECT_FALSE(wrangler::first_json(test::data_text("wrangler/create-text.txt")));
  EXPECT_FALSE(wrangler::first_json(std::string(100000, '[')));
  std::string many_lines;
  for (int i = 0; i < 100000; ++i) many_lines += "[\n";
  EXPECT_FALSE(wrangler::first_json(many_lines));
}

TEST(WranglerParse, ErrorMessageFromJsonReply) {
  wrangler::Result r{1,
                     R"({"error":{"text":"request failed","notes":[)"
                     R"({"text":"no such table: x [code: 7500]"}]}})",
                     ""};
  EXPECT_EQ(wrangler::error_message(r),
            "request failed: no such table: x [code: 7500]");
}

TEST(WranglerRun, PassesSecretsOnlyThroughStdinByteForByte) {
  TempDir dir;
  auto script = fake_wrangler(dir);
  test::ScopedEnv env({{"GOG_WRANGLER", script.string()},
                       {"GOG_KEYRING_PASSWORD", "keyring-pass"},
                       {"ADMIN_KEY", "admin-in-env"},
                       {"CI", std::nullopt}});
  const std::string secret = "s3cr3t $HOME `back` tick";

  auto r = wrangler::run({{"secret", "put", "ADMIN_KEY"}, dir.path(), secret});

  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(read_file(dir / "stdin"), secret);  // no newline, no expansion
  EXPECT_EQ(read_file(dir / "argv"), "secret\nput\nADMIN_KEY\n");
  std::string child_env = read_file(dir / "env");
  EXPECT_EQ(child_env.find("keyring-pass"), std::string::npos);
  EXPECT_EQ(child_env.find("admin-in-env"), std::string::npos);
  EXPECT_NE(child_env.find("\nCI=1\n"), std::string::npos);
  EXPECT_NE(child_env.find("WRANGLER_SEND_METRICS=false"), std::string::npos);
  EXPECT_NE(child_env.find("npm_config_registry=http://127.0.0.1:9/"),
            std::string::npos);
  EXPECT_EQ(fs::path(read_file(dir / "cwd").substr(0, dir.path().string().size())),
            dir.path());
  EXPECT_EQ(wrangler::first_json(r.out)->value("ok", false), true);
}

TEST(WranglerRun, EmptyStdinClosesAtOnce) {
  TempDir dir;
  test::ScopedEnv env({{"GOG_WRANGLER", fake_wrangler(dir).string()}});
  auto r = wrangler::run({{"d1", "list", "--json"}, dir.path(), ""});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(read_file(dir / "stdin"), "");
}

TEST(WranglerRun, FailureCarriesWranglersOwnMessage) {
  TempDir dir;
  test::ScopedEnv env({{"GOG_WRANGLER", fake_wrangler(dir, 3).string()}});
  try {
    wrangler::run_checked({{"deploy"}, dir.path(), ""}, "deploy");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "wrangler deploy failed (exit 3): it broke: the reason "
                 "[code: 7]");
  }
}

TEST(WranglerRun, MissingPinnedWranglerSaysRunDevDeps) {
  TempDir dir;
  test::ScopedEnv env({{"GOG_WRANGLER", std::nullopt}});
  try {
    wrangler::executable(dir.path());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(e.hint().find("./dev deps"), std::string::npos);
  }
}

TEST(WranglerSecretFile, IsPrivateAndRemoved) {
  fs::path path;
  {
    wrangler::SecretFile file(nlohmann::json{{"ADMIN_KEY", "x y"}});
    path = file.path();
    struct stat st {};
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(stat(path.parent_path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    EXPECT_EQ(read_file(path), R"({"ADMIN_KEY":"x y"})");
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path.parent_path()));
}

TEST(WranglerReal, ListsCreatesAndRejectsABadToken) {
  TempDir dir;
  test::CloudflareStandIn standin(dir.path());
  test::ScopedEnv env(standin.wrangler_env());
  test::ScopedEnv no_override({{"GOG_WRANGLER", std::nullopt}});
  fs::path worker = test::worker_dir_with_wrangler();

  auto empty = wrangler::run_checked({{"d1", "list", "--json"}, worker, ""},
                                     "d1 list");
  EXPECT_EQ(*wrangler::first_json(empty.out), nlohmann::json::array());
  wrangler::run_checked({{"d1", "create", "opens-db"}, worker, ""},
                        "d1 create");
  auto one = wrangler::run_checked({{"d1", "list", "--json"}, worker, ""},
                                   "d1 list");
  EXPECT_EQ((*wrangler::first_json(one.out))[0]["name"], "opens-db");

  test::ScopedEnv bad({{"CLOUDFLARE_API_TOKEN", std::string("wrong")}});
  try {
    wrangler::run_checked({{"d1", "list", "--json"}, worker, ""}, "d1 list");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Authentication error"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace gog
