// The --deploy, --from and --dry-run side of `gog gmail track setup`.
#include <CLI/CLI.hpp>
#include <iostream>

#include "common/config.hpp"
#include "common/error.hpp"
#include "setup/deploy.hpp"
#include "setup/tracker_spec.hpp"

namespace gog::setup {
namespace {

// For a dry run on an account without keys yet: the names setup would
// generate, with placeholders that are never sent anywhere.
SecretMap planned_secrets(const std::string& account) {
  try {
    return worker_secrets(account);
  } catch (const Error&) {
    return {{"TRACKING_KEY_V1", "(generated)"},
            {"TRACKING_KEY", "(generated)"},
            {"TRACKING_CURRENT_KEY_VERSION", "1"},
            {"ADMIN_KEY", "(generated)"}};
  }
}

}  // namespace

void add_deploy_flags(CLI::App& app, DeployFlags& f) {
  app.add_flag("--deploy", f.deploy,
               "provision Cloudflare with wrangler: D1, migrations, "
               "secrets, Worker");
  app.add_option("--worker-name", f.worker_name,
                 "Worker name (default gog-email-tracker-<account>)");
  app.add_option("--db-name", f.db_name,
                 "D1 database name (default: the Worker name)");
  app.add_option("--worker-dir", f.worker_dir,
                 "the Worker folder (default worker)");
  app.add_flag("--dry-run", f.dry_run,
               "print the provisioning plan and change nothing");
  app.add_option("--from", f.from,
                 "a kind: tracker YAML file (implies --deploy)");
}

void apply_deploy_flags(DeployFlags& f, std::string& worker_url,
                        std::string& account) {
  if (!f.from.empty()) {
    TrackerSpec spec = load_tracker_spec(f.from);
    if (account.empty()) account = spec.account;
    if (worker_url.empty()) worker_url = spec.worker_url;
    if (f.worker_name.empty()) f.worker_name = spec.worker_name;
    if (f.db_name.empty()) f.db_name = spec.d1_database;
    if (f.worker_dir == "worker") f.worker_dir = spec.worker_dir.string();
    f.cron = spec.cron;
  }
  if (worker_url.empty())
    throw UsageError("--worker-url is required",
                     "pass --worker-url URL or --from pipelines/tracker.yaml");
}

bool deploy_requested(const DeployFlags& f) {
  return f.deploy || f.dry_run || !f.from.empty();
}

namespace {

// Later commands (key rotate, retention check) find the Worker from the
// config when no --from is given, whatever folder they run in.
void remember_deployment(const DeployOptions& options) {
  Config config = Config::load();
  auto account = config.require_account(options.account);
  std::string worker = options.worker_name.empty()
                           ? default_worker_name(options.account)
                           : options.worker_name;
  account.extra["worker_name"] = worker;
  account.extra["d1_database"] =
      options.db_name.empty() ? worker : options.db_name;
  account.extra["worker_dir"] =
      std::filesystem::absolute(options.worker_dir).string();
  config.set_account(options.account, account);
  config.save();
}

}  // namespace

int run_deploy(const DeployFlags& f, const std::string& account) {
  DeployOptions options;
  options.account = account;
  options.worker_name = f.worker_name;
  options.db_name = f.db_name;
  options.worker_dir = f.worker_dir;
  options.cron = f.cron;
  options.dry_run = f.dry_run;
  SecretMap secrets =
      f.dry_run ? planned_secrets(account) : worker_secrets(account);
  deploy(options, secrets, f.dry_run ? std::cout : std::cerr);
  if (!f.dry_run) remember_deployment(options);
  return kExitOk;
}

}  // namespace gog::setup
