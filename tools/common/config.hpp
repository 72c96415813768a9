// The JSON config: per account, where the tracker lives and which key
// version is current. Never a secret.
//
// $GOG_CONFIG_DIR/config.json (see files.hpp):
//   {"version": 1, "default_account": "me@example.com",
//    "accounts": {"me@example.com": {"worker_url": "https://...",
//        "current_key_version": 1, "key_versions": [1],
//        "pending_key_version": null, "worker_name": "...", ...}}}
// Unknown members are kept on rewrite, so newer tools' fields survive.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace gog {

struct AccountConfig {
  std::string worker_url;
  int current_key_version = 0;
  std::vector<int> key_versions;
  // Set by `key rotate --no-deploy` until the Worker has the key.
  std::optional<int> pending_key_version;
  nlohmann::json extra = nlohmann::json::object();  // members kept as read
};

class Config {
 public:
  // Reads config.json; a missing file is an empty config.
  static Config load();
  // Writes through write_file_atomic.
  void save() const;

  // --account value, else $GOG_ACCOUNT, else default_account. Throws
  // UsageError with the next step when none is known.
  std::string resolve_account(const std::string& flag) const;

  std::optional<AccountConfig> account(const std::string& name) const;
  // Throws gog::Error naming the account and saying to run setup.
  AccountConfig require_account(const std::string& name) const;
  void set_account(const std::string& name, const AccountConfig& account);

  std::string default_account;

 private:
  nlohmann::json doc_ = nlohmann::json::object();
};

}  // namespace gog
