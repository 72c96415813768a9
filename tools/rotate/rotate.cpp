// `gog gmail track key rotate`: flags, then the phases of rotation.hpp,
// each skipped when the event log says an earlier run finished it.
#include "rotate/rotate.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/config.hpp"
#include "common/crypto.hpp"
#include "common/error.hpp"
#include "common/event_log.hpp"
#include "common/keyring.hpp"
#include "common/tool_main.hpp"
#include "rotate/remote.hpp"
#include "rotate/rotation.hpp"
#include "rotate/target.hpp"

namespace gog::rotate {
namespace {

constexpr int kMaxVersion = 255;

struct Options {
  std::string account, from;
  bool no_deploy = false, json = false;
  int verify_timeout = 120;
};

struct Session {
  Options o;
  Target target;
  Config config;
  std::unique_ptr<Keyring> keyring;
  EventLog log;
  AccountConfig cfg;
  Rotation r;
  Phase resumed_from = Phase::kNone;
  int canary_attempts = 0;
};

void add_flags(CLI::App& app, Options& o) {
  app.add_option("--account", o.account,
                 "the Gmail address (default: GOG_ACCOUNT, then the "
                 "config's default account)");
  app.add_option("--from", o.from, "a tracker.yaml declaring the deployment");
  app.add_flag("--no-deploy", o.no_deploy,
               "stage the key locally only; the Worker is not touched");
  app.add_option("--verify-timeout", o.verify_timeout,
                 "seconds to wait for the Worker to open the canary "
                 "(default 120)")
      ->check(CLI::Range(0, 3600));
  app.add_flag("--json", o.json, "print JSON");
}

void note(const std::string& line) {
  std::cerr << "gog rotate: " << line << "\n";
}

std::string key_of(Session& s) {
  auto key = s.keyring->get(s.target.account, key_name(s.r.target));
  if (!key)
    throw Error("key version " + std::to_string(s.r.target) +
                " vanished from the keyring during the rotation");
  return *key;
}

nlohmann::json about(const Session& s) {
  return {{"account", s.target.account}, {"version", s.r.target}};
}

void stage(Session& s) {
  if (s.r.target > kMaxVersion)
    throw Error("account " + quoted(s.target.account) + " is at key version " +
                    std::to_string(s.r.from) + ", the last there is",
                "tracking ids carry the version in one byte (1-255)");
  std::string key = format_key(generate_key());
  // The keyring first: a crash before the event leaves a held key, which
  // the next run counts as staged instead of generating another.
  s.keyring->set(s.target.account, key_name(s.r.target), key);
  s.log.forbid_values({key});
  auto data = about(s);
  data["from_version"] = s.r.from;
  s.log.append("key.staged", data);
  s.r.phase = Phase::kStaged;
  note("staged key version " + std::to_string(s.r.target));
}

void deploy(Session& s) {
  // Name the old version current explicitly: a Worker without the
  // variable would take the highest key it holds, the new one.
  put_worker_secret(s.target, "TRACKING_CURRENT_KEY_VERSION",
                    std::to_string(s.r.from));
  put_worker_secret(s.target, key_name(s.r.target), key_of(s));
  auto data = about(s);
  data["worker"] = s.target.worker_name;
  s.log.append("key.deployed", data);
  s.r.phase = Phase::kDeployed;
  note("put key version " + std::to_string(s.r.target) + " on Worker " +
       quoted(s.target.worker_name) + "; version " + std::to_string(s.r.from) +
       " stays current");
}

std::string admin_key(Session& s) {
  auto key = s.keyring->get(s.target.account, "ADMIN_KEY");
  if (!key || key->empty())
    throw Error(
        "no ADMIN_KEY in the keyring for account " + quoted(s.target.account),
        "run 'gog gmail track setup' for this account");
  return *key;
}

KeySet new_key_only(Session& s) {
  KeySet keys;
  keys.versions[s.r.target] = *parse_key(key_of(s));
  keys.current = s.r.target;
  return keys;
}

void verify(Session& s) {
  auto result = verify_canary(s.target, new_key_only(s), admin_key(s),
                              std::chrono::seconds(s.o.verify_timeout));
  s.canary_attempts = result.attempts;
  if (!result.opened)
    throw Error("the Worker at " + quoted(s.target.worker_url) +
                    " did not open a canary sealed with key version " +
                    std::to_string(s.r.target) + " (" +
                    std::to_string(result.attempts) +
                    " tries): " + result.problem,
                "version " + std::to_string(s.r.from) +
                    " stays current and nothing is lost; check the "
                    "Worker's secrets and address, then run the same "
                    "command again to resume");
  auto data = about(s);
  data["attempts"] = result.attempts;
  s.log.append("key.verified", data);
  s.r.phase = Phase::kVerified;
  note("the Worker opened a canary sealed with key version " +
       std::to_string(s.r.target));
}

void make_current_locally(Session& s, bool pending) {
  auto& cfg = s.cfg;
  cfg.current_key_version = s.r.target;
  if (std::find(cfg.key_versions.begin(), cfg.key_versions.end(), s.r.target) ==
      cfg.key_versions.end())
    cfg.key_versions.push_back(s.r.target);
  std::sort(cfg.key_versions.begin(), cfg.key_versions.end());
  cfg.pending_key_version =
      pending ? std::optional<int>(s.r.target) : std::nullopt;
  if (cfg.worker_url.empty())
    cfg.worker_url = s.target.worker_url;
  s.config.set_account(s.target.account, cfg);
  s.config.save();
}

void promote(Session& s) {
  if (s.r.phase < Phase::kPromoted) {
    put_worker_secret(s.target, "TRACKING_CURRENT_KEY_VERSION",
                      std::to_string(s.r.target));
    // The event before the config: a run stopped between them finds
    // "promoted" in the log and only writes the config.
    auto data = about(s);
    data["from_version"] = s.r.from;
    s.log.append("key.promoted", data);
    s.r.phase = Phase::kPromoted;
  }
  make_current_locally(s, false);
  note("key version " + std::to_string(s.r.target) +
       " is current on the Worker and here");
}

void make_pending(Session& s) {
  if (!s.r.pending)
    s.log.append("key.pending", about(s));
  s.r.pending = true;
  make_current_locally(s, true);
  std::cerr << "\n"
            << "gog rotate: WARNING: key version " << s.r.target
            << " is current here but NOT on the Worker.\n"
            << "gog rotate: WARNING: do not send tracked mail until the "
               "Worker has it: its pixels would not decode.\n"
            << "gog rotate: WARNING: finish with 'gog gmail track key "
               "rotate' (without --no-deploy).\n\n";
}

nlohmann::json report(const Session& s) {
  return {{"account", s.target.account},
          {"from_version", s.r.from},
          {"version", s.r.target},
          {"phase", s.r.pending ? "pending" : phase_name(s.r.phase)},
          {"resumed_from", phase_name(s.resumed_from)},
          {"canary_attempts", s.canary_attempts},
          {"current_key_version", s.cfg.current_key_version},
          {"key_versions", s.cfg.key_versions},
          {"pending_key_version", s.cfg.pending_key_version
                                      ? nlohmann::json(s.r.target)
                                      : nlohmann::json(nullptr)}};
}

void print(const Session& s) {
  auto j = report(s);
  if (s.o.json) {
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::string versions;
  for (int v : s.cfg.key_versions)
    versions += (versions.empty() ? "" : ", ") + std::to_string(v);
  std::cout << "account      " << s.target.account << "\n"
            << "key version  " << s.r.target
            << (s.r.pending ? " (pending: not on the Worker yet)" : "") << "\n"
            << "versions     " << versions << "\n"
            << "resumed      " << phase_name(s.resumed_from) << "\n";
}

void load(Session& s) {
  s.target = resolve_target(s.o.from, s.o.account);
  s.config = Config::load();
  s.keyring = open_keyring();
  s.cfg = account_state(s.config, s.target.account, *s.keyring, s.log);
  s.r = find_rotation(s.target.account, s.cfg, *s.keyring, s.log);
  s.resumed_from = s.r.phase;
  if (s.r.phase != Phase::kNone)
    note("resuming the rotation to key version " + std::to_string(s.r.target) +
         " after phase " + phase_name(s.r.phase));
}

}  // namespace

int run(std::vector<std::string> args) {
  Session s;
  CLI::App app{"Rotate the tracking key with no gap",
               "gog gmail track key "
               "rotate"};
  add_flags(app, s.o);
  if (!parse_args(app, std::move(args)))
    return kExitOk;

  load(s);
  if (s.r.phase == Phase::kNone)
    stage(s);
  s.log.forbid_values({key_of(s)});

  if (s.o.no_deploy) {
    make_pending(s);
  } else {
    if (s.r.phase < Phase::kDeployed)
      deploy(s);
    if (s.r.phase < Phase::kVerified)
      verify(s);
    promote(s);
    s.r.pending = false;
  }

  print(s);
  return kExitOk;
}

}  // namespace gog::rotate
