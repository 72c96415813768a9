// `gog gmail track setup --deploy`: provisions the Cloudflare side with the
// project's pinned wrangler (common/wrangler.hpp), unattended and
// idempotent. Steps, each logged as an event (never a secret):
//   1. database  `d1 list --json`, exact name match (never a prefix; case
//                C21), `d1 create` only when absent, then list again; the
//                id must be a UUID.            -> deploy.database
//   2. config    a temporary copy of <worker_dir>/wrangler.toml beside it
//                with the Worker name, the database's name and id in its
//                one [[d1_databases]] block and the declared cron; removed
//                afterwards. The committed file is never edited.
//   3. migrate   reads the ledger (d1_migrations) and the schema; a schema
//                object made by a migration the ledger lacks stops the run
//                with how to fix the ledger (case C22); otherwise `d1
//                migrations apply --remote`, then the ledger must list
//                every file.                    -> deploy.migration_applied
//   4. secrets   TRACKING_KEY_V<N> per held version,
//                TRACKING_CURRENT_KEY_VERSION, TRACKING_KEY, ADMIN_KEY via
//                `secret bulk` from a 0600 file; skipped per name when the
//                Worker has it and the fingerprint logged last time matches;
//                then `secret list` must show them.  -> deploy.secrets_set
//   5. deploy    `wrangler deploy`, skipped when the Worker exists and the
//                source, wasm and config hash equals the last deployed one.
//                                               -> deploy.deployed (commit)
// A failure stops the run with wrangler's message and what was done.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace gog::setup {

struct DeployOptions {
  std::string account;
  std::string worker_name;  // empty: default_worker_name(account)
  std::string db_name;      // empty: the worker name
  std::filesystem::path worker_dir = "worker";
  std::optional<std::string> cron;  // replaces wrangler.toml's crons
  bool dry_run = false;             // print the plan, change nothing
};

using SecretMap = std::map<std::string, std::string>;  // name -> value

// The Worker's secrets for an account: every held TRACKING_KEY_V<N>,
// TRACKING_CURRENT_KEY_VERSION, TRACKING_KEY (the legacy key, else V1) and
// ADMIN_KEY from the keyring. Throws gog::Error when one is missing.
SecretMap worker_secrets(const std::string& account);

// Runs the steps above, writing one line per step to out. Throws gog::Error
// (wrangler's message, plus what was already done in the hint).
void deploy(const DeployOptions& options, const SecretMap& secrets,
            std::ostream& out);

// --- parts, exposed for tests ---

// The id of the database named exactly `name` in wrangler output: a
// `d1 list --json` array, a JSON config with d1_databases, or (fallback)
// the text `database_id = "..."` after `database_name = "<name>"`. ANSI
// codes and noise lines are ignored. nullopt when absent or not a UUID.
std::optional<std::string> find_database_id(std::string_view output,
                                            std::string_view name);

bool is_uuid(std::string_view text);

struct RenderedConfig {
  std::string text;
  std::string migrations_dir;  // as written in the d1 block, or "migrations"
};

// committed wrangler.toml -> the temporary config (see step 2). Throws
// gog::Error unless it has exactly one [[d1_databases]] block.
RenderedConfig render_config(std::string_view committed,
                             const std::string& worker_name,
                             const std::string& db_name,
                             const std::string& db_id,
                             const std::optional<std::string>& cron);

// Schema objects (tables, views, triggers, indexes) a migration creates.
std::vector<std::string> created_objects(std::string_view sql);

}  // namespace gog::setup

namespace CLI {
class App;
}

namespace gog::setup {

// The provisioning flags of `gog gmail track setup` (wired in cli.cpp).
struct DeployFlags {
  bool deploy = false;
  bool dry_run = false;
  std::string from;  // pipelines/tracker.yaml
  std::string worker_name, db_name, worker_dir = "worker";
  std::optional<std::string> cron;  // from --from
};

void add_deploy_flags(CLI::App& app, DeployFlags& flags);

// Applies --from (account, worker_url and the deploy settings, unless given
// on the command line) and checks that a worker URL is known.
void apply_deploy_flags(DeployFlags& flags, std::string& worker_url,
                        std::string& account);

// True when --deploy, --from or --dry-run asked for provisioning.
bool deploy_requested(const DeployFlags& flags);

// Provisions for the account. A dry run prints the plan on stdout and
// needs no keys yet; a real run reports its steps on stderr.
int run_deploy(const DeployFlags& flags, const std::string& account);

}  // namespace gog::setup
