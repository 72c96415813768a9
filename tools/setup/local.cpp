// The local half of setup: validate, write config, store keys, log.
#include <algorithm>
#include <iostream>

#include "common/config.hpp"
#include "common/crypto.hpp"
#include "common/error.hpp"
#include "common/event_log.hpp"
#include "common/files.hpp"
#include "common/keyring.hpp"
#include "setup/setup.hpp"

namespace gog::setup {
namespace {

constexpr const char* kUrlHint =
    "pass the Worker's address, e.g. --worker-url "
    "https://gog-track.example.workers.dev";

bool has_control_or_space(const std::string& s) {
  return std::any_of(s.begin(), s.end(),
                     [](unsigned char c) { return c <= 0x20 || c == 0x7f; });
}

[[noreturn]] void bad_url(const std::string& url, const std::string& why) {
  throw UsageError("bad worker url " + gog::quoted(url) + ": " + why, kUrlHint);
}

void check_host_port(const std::string& url, const std::string& authority) {
  if (authority.find('@') != std::string::npos)
    bad_url(url, "credentials do not belong in the url");
  auto colon = authority.rfind(':');
  bool bracketed = !authority.empty() && authority.back() == ']';
  std::string host = authority, port;
  if (colon != std::string::npos && !bracketed) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    bool digits = !port.empty() && port.size() <= 5 &&
                  std::all_of(port.begin(), port.end(), ::isdigit);
    if (!digits || std::stoi(port) < 1 || std::stoi(port) > 65535)
      bad_url(url, "the port is not a number from 1 to 65535");
  }
  if (host.empty())
    bad_url(url, "there is no host");
}

std::string strip_line_end(std::string s) {
  if (!s.empty() && s.back() == '\n') {
    s.pop_back();
    if (!s.empty() && s.back() == '\r')
      s.pop_back();
  }
  return s;
}

std::string new_admin_key() {
  auto bytes = random_bytes(32);
  return core::base64_encode(bytes, core::Alphabet::kUrl, false);
}

// The stored value, unless an explicit one replaces it; generates when
// neither exists. Sets *changed when the keyring must be written.
std::string choose(const std::optional<std::string>& explicit_value,
                   const std::optional<std::string>& stored,
                   std::string (*generate)(), bool* changed) {
  if (explicit_value) {
    if (explicit_value != stored)
      *changed = true;
    return *explicit_value;
  }
  if (stored)
    return *stored;
  *changed = true;
  return generate();
}

std::string new_tracking_key() {
  return format_key(generate_key());
}

AccountConfig updated_account(const Config& config, const LocalOptions& o,
                              const std::string& url) {
  auto account = config.account(o.account).value_or(AccountConfig{});
  account.worker_url = url;
  if (account.current_key_version == 0) {
    account.current_key_version = 1;
    account.key_versions = {1};
  } else if (o.tracking_key && account.current_key_version != 1) {
    throw UsageError(
        "account " + gog::quoted(o.account) + " already uses key version " +
            std::to_string(account.current_key_version),
        "setup only sets version 1; use 'gog gmail track key rotate'");
  }
  return account;
}

void store_keys(Keyring& keyring, const LocalResult& r) {
  keyring.set(r.account, "TRACKING_KEY_V1", r.tracking_key);
  // The legacy name serves ids minted before version bytes existed.
  keyring.set(r.account, "TRACKING_KEY", r.tracking_key);
  keyring.set(r.account, "ADMIN_KEY", r.admin_key);
}

void log_setup(const LocalResult& r) {
  EventLog log;
  log.forbid_values({r.tracking_key, r.admin_key});
  log.append("setup.configured",
             {{"account", r.account},
              {"worker_url", r.worker_url},
              {"current_key_version", r.current_key_version},
              {"key_versions", r.key_versions},
              {"keys_changed", r.keys_changed}});
}

}  // namespace

std::string validate_worker_url(const std::string& url) {
  if (url.empty())
    bad_url(url, "it is empty");
  if (has_control_or_space(url))
    bad_url(url, "it contains spaces or control characters");
  auto scheme_end = url.find("://");
  std::string scheme = url.substr(0, scheme_end);
  if (scheme_end == std::string::npos ||
      (scheme != "https" && scheme != "http"))
    bad_url(url, "it must start with https:// or http://");
  if (url.find_first_of("?#") != std::string::npos)
    bad_url(url, "a query or fragment does not belong in the url");

  auto rest = url.substr(scheme_end + 3);
  check_host_port(url, rest.substr(0, rest.find('/')));
  std::string out = url;
  while (out.back() == '/' && out.size() > scheme_end + 3)
    out.pop_back();
  return out;
}

void validate_tracking_key(const std::string& text, const std::string& from) {
  // Only the canonical text (padded): every reader then sees one spelling.
  auto key = parse_key(text);
  if (key && format_key(*key) == text)
    return;
  throw UsageError(
      "bad tracking key from " + gog::quoted(from) +
          ": it must be standard base64 of exactly 32 bytes (44 characters "
          "ending in '=')",
      "generate one with: head -c 32 /dev/urandom | base64");
}

void validate_admin_key(const std::string& text, const std::string& from) {
  std::string why;
  if (text.empty()) {
    why = "it is empty";
  } else if (std::any_of(text.begin(), text.end(), [](unsigned char c) {
               return c < 0x20 || c == 0x7f;
             })) {
    why = "it contains control characters (a line end?)";
  } else if (text.front() == ' ' || text.back() == ' ') {
    why = "it starts or ends with a space";
  }
  if (why.empty())
    return;
  throw UsageError("bad admin key from " + gog::quoted(from) + ": " + why,
                   "omit --admin-key to generate one");
}

std::string SecretSource::read(const std::string& flag,
                               const std::string& value) {
  if (value == "-") {
    std::string line;
    if (!std::getline(in_, line))
      throw UsageError("no line on standard input for " + flag,
                       "write one value per line, in the order of the flags");
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    return line;
  }
  if (!value.empty() && value.front() == '@')
    return strip_line_end(read_file(value.substr(1)));
  std::cerr << "gog setup: warning: a " << flag
            << " value in the arguments is visible to other local users; "
               "pass - (standard input) or @FILE instead\n";
  return value;
}

LocalResult configure_local(const LocalOptions& o) {
  LocalResult r;
  r.account = o.account;
  r.worker_url = validate_worker_url(o.worker_url);
  if (o.tracking_key)
    validate_tracking_key(*o.tracking_key, "--tracking-key");
  if (o.admin_key)
    validate_admin_key(*o.admin_key, "--admin-key");

  auto config = Config::load();
  auto account = updated_account(config, o, r.worker_url);
  r.current_key_version = account.current_key_version;
  r.key_versions = account.key_versions;

  auto keyring = open_keyring();
  r.keyring_backend = keyring->backend();
  r.tracking_key =
      choose(o.tracking_key, keyring->get(r.account, "TRACKING_KEY_V1"),
             new_tracking_key, &r.keys_changed);
  r.admin_key = choose(o.admin_key, keyring->get(r.account, "ADMIN_KEY"),
                       new_admin_key, &r.keys_changed);
  if (r.keys_changed)
    store_keys(*keyring, r);

  config.set_account(r.account, account);
  config.save();
  r.config_path = config_dir() / "config.json";
  log_setup(r);
  return r;
}

}  // namespace gog::setup
