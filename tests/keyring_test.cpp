#include "common/keyring.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/config.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/keyring_backends.hpp"
#include "common/tracking_keys.hpp"
#include "support/test_support.hpp"

namespace gog {
namespace {

using test::ScopedEnv;
using test::TempDir;

class KeyringTest : public ::testing::Test {
 protected:
  TempDir dir;
  ScopedEnv env{{{"GOG_CONFIG_DIR", dir.path().string()},
                 {"GOG_KEYRING_FILE", std::nullopt},
                 {"GOG_KEYRING_BACKEND", "file"},
                 {"GOG_KEYRING_PASSWORD", "correct horse"}}};
  fs::path file() const { return dir / "keyring.enc"; }
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return std::string(e.what()) + "\n" + e.hint();
  }
  return "no error";
}

TEST_F(KeyringTest, RoundTripsExactBytes) {
  std::string odd = "s3cr3t $HOME `back` tick\n\r\x01";
  odd.push_back('\0');
  odd += "\xff tail";
  {
    auto k = open_keyring();
    EXPECT_EQ(k->backend(), "file");
    EXPECT_FALSE(k->get("me@x.y", "ADMIN_KEY"));
    k->set("me@x.y", "ADMIN_KEY", odd);
    k->set("me@x.y", "TRACKING_KEY_V1", "one");
    k->set("other@x.y", "TRACKING_KEY_V1", "two");
  }
  auto k = open_keyring();
  EXPECT_EQ(k->get("me@x.y", "ADMIN_KEY"), odd);
  EXPECT_EQ(k->get("me@x.y", "TRACKING_KEY_V1"), "one");
  EXPECT_EQ(k->get("other@x.y", "TRACKING_KEY_V1"), "two");
  k->erase("me@x.y", "TRACKING_KEY_V1");
  EXPECT_FALSE(open_keyring()->get("me@x.y", "TRACKING_KEY_V1"));
  EXPECT_EQ(open_keyring()->get("other@x.y", "TRACKING_KEY_V1"), "two");
}

TEST_F(KeyringTest, FileIsPrivateAndHoldsNoPlaintext) {
  open_keyring()->set("me@x.y", "ADMIN_KEY", "plain-secret-value");
  struct stat st {};
  ASSERT_EQ(::stat(file().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto text = read_file(file());
  EXPECT_EQ(text.find("plain-secret-value"), std::string::npos);
  EXPECT_EQ(text.find("me@x.y"), std::string::npos);
  EXPECT_NE(text.find("\"kdf\":\"scrypt\""), std::string::npos);
}

TEST_F(KeyringTest, WrongPasswordNamesTheFile) {
  open_keyring()->set("me@x.y", "ADMIN_KEY", "v");
  ScopedEnv wrong{{{"GOG_KEYRING_PASSWORD", "battery staple"}}};
  auto message = error_of([] { open_keyring(); });
  EXPECT_NE(message.find(file().string()), std::string::npos) << message;
  EXPECT_NE(message.find("cannot be decrypted"), std::string::npos);
  EXPECT_NE(message.find("GOG_KEYRING_PASSWORD"), std::string::npos);
}

TEST_F(KeyringTest, MissingPasswordSaysWhatToSet) {
  ScopedEnv none{{{"GOG_KEYRING_PASSWORD", std::nullopt}}};
  auto message = error_of([] { open_keyring(); });
  EXPECT_NE(message.find("GOG_KEYRING_PASSWORD is not set"), std::string::npos)
      << message;
}

TEST_F(KeyringTest, TamperedBodyIsRefused) {
  open_keyring()->set("me@x.y", "ADMIN_KEY", "v");
  auto text = read_file(file());
  auto body = text.find('\n') + 5;
  text[body] = text[body] == 'A' ? 'B' : 'A';
  write_file_atomic(file(), text, 0600);
  auto message = error_of([] { open_keyring(); });
  EXPECT_NE(message.find("cannot be decrypted"), std::string::npos) << message;
}

TEST_F(KeyringTest, TamperedHeaderParametersAreRefused) {
  open_keyring()->set("me@x.y", "ADMIN_KEY", "v");
  auto text = read_file(file());
  // Lowering the work factor changes the derived key: GCM must fail.
  auto at = text.find("\"n\":32768");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 9, "\"n\":16384");
  write_file_atomic(file(), text, 0600);
  EXPECT_NE(error_of([] { open_keyring(); }).find("cannot be decrypted"),
            std::string::npos);

  // A huge work factor is refused before any allocation.
  text.replace(at, 9, "\"n\":1099511627776");
  write_file_atomic(file(), text, 0600);
  EXPECT_NE(error_of([] { open_keyring(); }).find("out of range"),
            std::string::npos);
}

TEST_F(KeyringTest, ConcurrentWritersKeepEveryEntry) {
  open_keyring()->set("me@x.y", "SEED", "0");
  std::vector<pid_t> children;
  for (int i = 0; i < 4; ++i) {
    pid_t pid = ::fork();
    if (pid == 0) {
      int code = 0;
      try {
        auto k = open_keyring();
        for (int j = 0; j < 3; ++j)
          k->set("me@x.y", "K" + std::to_string(i * 10 + j), "v");
      } catch (...) {
        code = 1;
      }
      ::_exit(code);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  auto k = open_keyring();
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j)
      EXPECT_EQ(k->get("me@x.y", "K" + std::to_string(i * 10 + j)), "v");
}

TEST_F(KeyringTest, UnknownBackendIsUsageError) {
  ScopedEnv bad{{{"GOG_KEYRING_BACKEND", "floppy"}}};
  EXPECT_THROW(open_keyring(), UsageError);
}

TEST_F(KeyringTest, AutoWithoutSessionBusUsesTheFile) {
  ScopedEnv autoenv{{{"GOG_KEYRING_BACKEND", "auto"},
                     {"DBUS_SESSION_BUS_ADDRESS", std::nullopt}}};
  EXPECT_EQ(open_keyring()->backend(), "file");
}

TEST_F(KeyringTest, KeyringFileOverride) {
  ScopedEnv other{{{"GOG_KEYRING_FILE", (dir / "sub/k.enc").string()}}};
  open_keyring()->set("a@b.c", "X", "y");
  EXPECT_TRUE(fs::exists(dir / "sub/k.enc"));
  EXPECT_FALSE(fs::exists(file()));
}

constexpr const char* kKey11 = "ERERERERERERERERERERERERERERERERERERERERERE=";
constexpr const char* kKey22 = "IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI=";

TEST_F(KeyringTest, AccountKeysComeFromTheKeyringAndConfig) {
  ScopedEnv no_env{{{"TRACKING_KEY", std::nullopt},
                    {"TRACKING_KEY_V1", std::nullopt},
                    {"TRACKING_KEY_V2", std::nullopt},
                    {"TRACKING_CURRENT_KEY_VERSION", std::nullopt}}};
  auto k = open_keyring();
  k->set("me@x.y", "TRACKING_KEY_V1", kKey11);
  k->set("me@x.y", "TRACKING_KEY_V2", kKey22);
  auto config = Config::load();
  AccountConfig a;
  a.worker_url = "https://w";
  a.current_key_version = 1;  // rotation staged, not yet current
  a.key_versions = {1, 2};
  config.set_account("me@x.y", a);
  config.save();

  auto keys = keys_for_account("me@x.y");
  EXPECT_EQ(keys.current, 1);
  ASSERT_EQ(keys.versions.size(), 2u);
  EXPECT_EQ(keys.versions.at(2)[0], 0x22);
  EXPECT_THROW(keys_for_account("nobody@x.y"), Error);
}

TEST_F(KeyringTest, EnvironmentWinsExactlyAsTheWorkerReadsIt) {
  open_keyring()->set("me@x.y", "TRACKING_KEY_V1", kKey22);
  ScopedEnv worker_env{{{"TRACKING_KEY", kKey11},
                        {"TRACKING_KEY_V1", std::nullopt},
                        {"TRACKING_KEY_V2", std::nullopt},
                        {"TRACKING_CURRENT_KEY_VERSION", std::nullopt}}};
  auto keys = keys_for_account("me@x.y");
  ASSERT_TRUE(keys.legacy);
  EXPECT_EQ((*keys.legacy)[0], 0x11);
  EXPECT_EQ(keys.versions.at(1)[0], 0x11);  // the legacy key is version 1
}

}  // namespace
}  // namespace gog
