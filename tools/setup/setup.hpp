// `gog gmail track setup`: the local half (config, keyring, event log).
// helper files for --deploy/--from build on configure_local().
#pragma once

#include <filesystem>
#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace gog::setup {

struct LocalOptions {
  std::string account;     // resolved already (flag, GOG_ACCOUNT, default)
  std::string worker_url;  // validated by configure_local
  // Explicit values replace the stored ones; nullopt keeps what is stored
  // (or generates a key on first run).
  std::optional<std::string> tracking_key;
  std::optional<std::string> admin_key;
};

struct LocalResult {
  std::string account;
  std::string worker_url;
  int current_key_version = 1;
  std::vector<int> key_versions;
  std::string tracking_key;  // TRACKING_KEY_V1 (= TRACKING_KEY)
  std::string admin_key;
  bool keys_changed = false;  // false on an idempotent re-run
  std::filesystem::path config_path;
  std::string keyring_backend;
};

// Validates the options, writes the account to the config (worker_url,
// current version 1, versions [1], unless a rotation already moved them),
// stores TRACKING_KEY_V1, TRACKING_KEY and ADMIN_KEY in the keyring and
// appends a `setup.configured` event (never a key). Idempotent: a re-run
// without explicit keys keeps and returns the stored ones. Throws
// UsageError for a bad URL or key, gog::Error when a store fails.
LocalResult configure_local(const LocalOptions& options);

// Throws UsageError unless url is http(s)://host[:port][/path] with no
// query, fragment, credentials, whitespace or control characters. Returns
// it without a trailing '/'.
std::string validate_worker_url(const std::string& url);

// Throws UsageError unless text is padded standard base64 of 32 bytes.
void validate_tracking_key(const std::string& text, const std::string& from);
// Throws UsageError for an empty admin key, control characters, or
// surrounding spaces (an HTTP header would lose them).
void validate_admin_key(const std::string& text, const std::string& from);

// Reads secret flag values without putting secrets in argv: "-" takes the
// next line of `in` (one value per line, in flag order), "@FILE" the file
// (one trailing "\n" or "\r\n" stripped); anything else is the literal
// value, accepted with a warning on stderr that argv is visible to other
// local users.
class SecretSource {
 public:
  explicit SecretSource(std::istream& in) : in_(in) {}
  std::string read(const std::string& flag, const std::string& value);

 private:
  std::istream& in_;
};

int run(std::vector<std::string> args);

}  // namespace gog::setup
