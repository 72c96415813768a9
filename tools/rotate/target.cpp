#include "rotate/target.hpp"

#include "common/config.hpp"
#include "common/error.hpp"
#include "setup/tracker_spec.hpp"

namespace gog::rotate {
namespace {

Target from_spec(const std::string& path, const std::string& account_flag) {
  auto spec = setup::load_tracker_spec(path);
  if (!account_flag.empty() && account_flag != spec.account)
    throw UsageError("account " + quoted(account_flag) + " is not the one " +
                         quoted(path) + " declares (" + quoted(spec.account) +
                         ")",
                     "drop --account, or use that account's tracker.yaml");
  return {spec.account,     spec.worker_url, spec.worker_name,
          spec.d1_database, spec.worker_dir, spec.retention_days,
          spec.cron};
}

std::string member(const AccountConfig& a, const char* name,
                   const std::string& fallback) {
  auto it = a.extra.find(name);
  if (it == a.extra.end() || !it->is_string() || it->empty())
    return fallback;
  return it->get<std::string>();
}

Target from_config(const std::string& account_flag) {
  auto config = Config::load();
  Target t;
  t.account = config.resolve_account(account_flag);
  auto account = config.require_account(t.account);
  if (account.worker_url.empty())
    throw UsageError("account " + quoted(t.account) + " has no worker_url",
                     "run 'gog gmail track setup --worker-url URL', or "
                     "pass --from pipelines/tracker.yaml");
  t.worker_url = account.worker_url;
  t.worker_name =
      member(account, "worker_name", setup::default_worker_name(t.account));
  t.d1_database = member(account, "d1_database", t.worker_name);
  t.worker_dir = member(account, "worker_dir", "worker");
  return t;
}

}  // namespace

Target resolve_target(const std::string& from,
                      const std::string& account_flag) {
  Target t =
      from.empty() ? from_config(account_flag) : from_spec(from, account_flag);
  while (!t.worker_url.empty() && t.worker_url.back() == '/')
    t.worker_url.pop_back();
  // wrangler runs inside the folder, so a relative path would be read
  // twice over.
  t.worker_dir = std::filesystem::absolute(t.worker_dir);
  return t;
}

}  // namespace gog::rotate
