// Gathers the status as JSON first, then prints it as text or JSON, so the
// two outputs cannot disagree. Presence of a secret is reported, never its
// value.
#include "status/status.hpp"

#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "common/config.hpp"
#include "common/error.hpp"
#include "common/event_log.hpp"
#include "common/keyring.hpp"
#include "common/tool_main.hpp"
#include "common/tracking_keys.hpp"

namespace gog::status {
namespace {

using nlohmann::json;

std::set<int> versions_to_check(const AccountConfig& a) {
  std::set<int> out(a.key_versions.begin(), a.key_versions.end());
  if (a.current_key_version > 0)
    out.insert(a.current_key_version);
  if (a.pending_key_version)
    out.insert(*a.pending_key_version);
  return out;
}

json keyring_status(const std::string& account, const AccountConfig& a) {
  json out = {{"versions_held", json::array()}};
  try {
    auto keyring = open_keyring();
    out["backend"] = keyring->backend();
    for (int v : versions_to_check(a)) {
      if (keyring->get(account, "TRACKING_KEY_V" + std::to_string(v)))
        out["versions_held"].push_back(v);
    }
    out["legacy_key"] = keyring->get(account, "TRACKING_KEY").has_value();
    out["admin_key"] = keyring->get(account, "ADMIN_KEY").has_value();
  } catch (const Error& e) {
    out["backend"] = "unavailable";
    out["error"] = e.what();
  }
  return out;
}

json log_status() {
  EventLog log;
  json out = {{"path", log.path().string()}};
  try {
    if (auto last = log.last()) {
      out["last_seq"] = last->seq;
      out["last_time"] = last->time;
      out["last_type"] = last->type;
    } else {
      out["last_seq"] = 0;
    }
  } catch (const Error& e) {
    out["error"] = e.what();
  }
  return out;
}

json gather(const std::string& account) {
  auto a = Config::load().require_account(account);
  json pending =
      a.pending_key_version ? json(*a.pending_key_version) : json(nullptr);
  return {{"account", account},
          {"worker_url", a.worker_url},
          {"current_key_version", a.current_key_version},
          {"key_versions", a.key_versions},
          {"pending_key_version", pending},
          {"keys_from_environment", keys_in_environment()},
          {"keyring", keyring_status(account, a)},
          {"event_log", log_status()}};
}

std::string yes_no(const json& j, const char* key) {
  return j.value(key, false) ? "yes" : "no";
}

void print_pending(const json& s) {
  if (s["pending_key_version"].is_null())
    return;
  auto v = std::to_string(s["pending_key_version"].get<int>());
  std::cout << "\n!! PENDING ROTATION: key version " << v
            << " is not on the tracker yet.\n"
            << "!! Do not send tracked mail until "
               "'gog gmail track key rotate' has deployed it.\n";
  std::cerr << "gog status: warning: key rotation to version " << v
            << " is pending\n";
}

void print_text(const json& s) {
  const auto& k = s["keyring"];
  const auto& l = s["event_log"];
  std::cout << "account              " << s["account"].get<std::string>()
            << "\nworker_url           " << s["worker_url"].get<std::string>()
            << "\ncurrent key version  " << s["current_key_version"]
            << "\nkey versions         " << s["key_versions"].dump()
            << "\nkeyring              " << k["backend"].get<std::string>();
  if (k.contains("error"))
    std::cout << " (" << k["error"].get<std::string>() << ")";
  std::cout << "\nversions held        " << k["versions_held"].dump()
            << "\nlegacy TRACKING_KEY  " << yes_no(k, "legacy_key")
            << "\nADMIN_KEY            " << yes_no(k, "admin_key");
  if (s["keys_from_environment"].get<bool>())
    std::cout << "\nkeys                 from the environment (TRACKING_KEY*)";
  std::cout << "\nevent log            " << l["path"].get<std::string>()
            << "\nlast event           ";
  if (l.contains("error")) {
    std::cout << "unreadable: " << l["error"].get<std::string>();
  } else if (l["last_seq"] == 0) {
    std::cout << "none";
  } else {
    std::cout << "#" << l["last_seq"] << " "
              << l["last_type"].get<std::string>() << " at "
              << l["last_time"].get<std::string>();
  }
  std::cout << "\n";
  print_pending(s);
}

}  // namespace

int run(std::vector<std::string> args) {
  CLI::App app{"Show an account's tracking set-up", "gog gmail track status"};
  std::string account;
  bool as_json = false;
  app.add_option("--account", account, "the Gmail address");
  app.add_flag("--json", as_json, "print JSON");
  if (!parse_args(app, std::move(args)))
    return kExitOk;

  auto status = gather(Config::load().resolve_account(account));

  if (as_json) {
    std::cout << status.dump(2) << "\n";
  } else {
    print_text(status);
  }
  return kExitOk;
}

}  // namespace gog::status
