// `gog gmail track setup`: flags in, configure_local(), keys out.
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/config.hpp"
#include "common/error.hpp"
#include "common/tool_main.hpp"
#include "setup/deploy.hpp"
#include "setup/setup.hpp"

namespace gog::setup {
namespace {

struct Flags {
  std::string worker_url, account, tracking_key, admin_key;
  bool json = false;
};

void add_flags(CLI::App& app, Flags& f) {
  app.add_option("--worker-url", f.worker_url,
                 "the tracker's address, https://... (required unless "
                 "--from gives it)");
  app.add_option("--account", f.account,
                 "the Gmail address (default: GOG_ACCOUNT, then the "
                 "config's default account)");
  app.add_option("--tracking-key", f.tracking_key,
                 "- (stdin) or @FILE: base64 of 32 bytes (default: keep, or "
                 "generate)");
  app.add_option("--admin-key", f.admin_key,
                 "- (stdin) or @FILE (default: keep, or generate)");
  app.add_flag("--json", f.json, "print JSON");
}

LocalOptions options_from(const Flags& f) {
  LocalOptions o;
  o.account = Config::load().resolve_account(f.account);
  o.worker_url = f.worker_url;
  SecretSource secrets(std::cin);
  if (!f.tracking_key.empty())
    o.tracking_key = secrets.read("--tracking-key", f.tracking_key);
  if (!f.admin_key.empty())
    o.admin_key = secrets.read("--admin-key", f.admin_key);
  return o;
}

// The keys are printed on purpose: they go into the Worker's secrets. A
// re-run prints the same ones (documented in docs/setup.md).
void print_text(const LocalResult& r) {
  std::cout << "account      " << r.account << "\n"
            << "worker_url   " << r.worker_url << "\n"
            << "config       " << r.config_path.string() << "\n"
            << "keyring      " << r.keyring_backend << "\n"
            << "key version  " << r.current_key_version << "\n"
            << (r.keys_changed ? "keys         stored\n"
                               : "keys         unchanged\n")
            << "\n"
            << "TRACKING_KEY_V1=" << r.tracking_key << "\n"
            << "TRACKING_KEY=" << r.tracking_key << "\n"
            << "TRACKING_CURRENT_KEY_VERSION=" << r.current_key_version << "\n"
            << "ADMIN_KEY=" << r.admin_key << "\n";
}

void print_json(const LocalResult& r) {
  nlohmann::json j = {
      {"account", r.account},
      {"worker_url", r.worker_url},
      {"config", r.config_path.string()},
      {"keyring", r.keyring_backend},
      {"current_key_version", r.current_key_version},
      {"key_versions", r.key_versions},
      {"keys_changed", r.keys_changed},
      {"secrets",
       {{"TRACKING_KEY_V1", r.tracking_key},
        {"TRACKING_KEY", r.tracking_key},
        {"TRACKING_CURRENT_KEY_VERSION", std::to_string(r.current_key_version)},
        {"ADMIN_KEY", r.admin_key}}}};
  std::cout << j.dump(2) << "\n";
}

}  // namespace

int run(std::vector<std::string> args) {
  CLI::App app{"Configure tracking for an account on this machine",
               "gog gmail track setup"};
  Flags flags;
  add_flags(app, flags);
  DeployFlags deploy_flags;
  add_deploy_flags(app, deploy_flags);
  if (!parse_args(app, std::move(args)))
    return kExitOk;
  apply_deploy_flags(deploy_flags, flags.worker_url, flags.account);
  if (deploy_flags.dry_run)
    return run_deploy(deploy_flags,
                      Config::load().resolve_account(flags.account));

  auto result = configure_local(options_from(flags));

  flags.json ? print_json(result) : print_text(result);
  if (deploy_requested(deploy_flags))
    return run_deploy(deploy_flags, result.account);
  return kExitOk;
}

}  // namespace gog::setup
