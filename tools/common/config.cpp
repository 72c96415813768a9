#include "common/config.hpp"

#include "common/error.hpp"
#include "common/files.hpp"

namespace gog {
namespace {

constexpr int kConfigVersion = 1;

fs::path config_path() {
  return config_dir() / "config.json";
}

nlohmann::json parse_config(const fs::path& path) {
  auto text = read_file(path);
  try {
    auto doc = nlohmann::json::parse(text);
    if (!doc.is_object())
      throw Error("not a JSON object");
    return doc;
  } catch (const std::exception& e) {
    throw Error(
        "cannot read config " + gog::quoted(path.string()) + ": " + e.what(),
        "fix the file by hand or move it away and run "
        "'gog gmail track setup' again");
  }
}

// Throws when a newer gog wrote the file: rewriting it could lose meaning.
void check_version(const nlohmann::json& doc, const fs::path& path) {
  auto v = doc.value("version", kConfigVersion);
  if (v > kConfigVersion) {
    throw Error("config " + gog::quoted(path.string()) + " has version " +
                    std::to_string(v) + ": this gog understands up to " +
                    std::to_string(kConfigVersion),
                "upgrade gog");
  }
}

AccountConfig account_from_json(const nlohmann::json& j) {
  AccountConfig a;
  a.extra = j;
  a.worker_url = j.value("worker_url", "");
  a.current_key_version = j.value("current_key_version", 0);
  if (j.contains("key_versions") && j["key_versions"].is_array())
    a.key_versions = j["key_versions"].get<std::vector<int>>();
  if (j.contains("pending_key_version") &&
      j["pending_key_version"].is_number_integer())
    a.pending_key_version = j["pending_key_version"].get<int>();
  for (const char* known : {"worker_url", "current_key_version", "key_versions",
                            "pending_key_version"})
    a.extra.erase(known);
  return a;
}

nlohmann::json account_to_json(const AccountConfig& a) {
  nlohmann::json j = a.extra.is_object() ? a.extra : nlohmann::json::object();
  j["worker_url"] = a.worker_url;
  j["current_key_version"] = a.current_key_version;
  j["key_versions"] = a.key_versions;
  j["pending_key_version"] = a.pending_key_version
                                 ? nlohmann::json(*a.pending_key_version)
                                 : nlohmann::json(nullptr);
  return j;
}

}  // namespace

Config Config::load() {
  Config config;
  auto path = config_path();
  if (!fs::exists(path))
    return config;

  config.doc_ = parse_config(path);
  check_version(config.doc_, path);
  if (config.doc_.contains("default_account") &&
      config.doc_["default_account"].is_string())
    config.default_account = config.doc_["default_account"];
  return config;
}

void Config::save() const {
  nlohmann::json doc = doc_;
  doc["version"] = kConfigVersion;
  if (!default_account.empty())
    doc["default_account"] = default_account;
  if (!doc.contains("accounts"))
    doc["accounts"] = nlohmann::json::object();
  write_file_atomic(config_path(), doc.dump(2) + "\n", 0644);
}

std::string Config::resolve_account(const std::string& flag) const {
  if (!flag.empty())
    return flag;
  if (auto v = env("GOG_ACCOUNT"); v && !v->empty())
    return *v;
  if (!default_account.empty())
    return default_account;
  throw UsageError("no account given",
                   "pass --account EMAIL, set GOG_ACCOUNT, or run "
                   "'gog gmail track setup --account EMAIL'");
}

std::optional<AccountConfig> Config::account(const std::string& name) const {
  auto accounts = doc_.find("accounts");
  if (accounts == doc_.end() || !accounts->is_object())
    return std::nullopt;
  auto it = accounts->find(name);
  if (it == accounts->end() || !it->is_object())
    return std::nullopt;
  try {
    return account_from_json(*it);
  } catch (const nlohmann::json::exception& e) {
    throw Error("cannot read account " + gog::quoted(name) + " in config " +
                    gog::quoted(config_path().string()) + ": " + e.what(),
                "fix the member's type by hand, or run "
                "'gog gmail track setup' again");
  }
}

AccountConfig Config::require_account(const std::string& name) const {
  if (auto a = account(name))
    return *a;
  throw Error(
      "account " + gog::quoted(name) + " is not set up",
      "run 'gog gmail track setup --account " + name + " --worker-url URL'");
}

void Config::set_account(const std::string& name,
                         const AccountConfig& account) {
  if (!doc_.contains("accounts") || !doc_["accounts"].is_object())
    doc_["accounts"] = nlohmann::json::object();
  doc_["accounts"][name] = account_to_json(account);
  if (default_account.empty())
    default_account = name;
}

}  // namespace gog
