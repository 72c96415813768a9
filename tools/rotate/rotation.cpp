#include "rotate/rotation.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace gog::rotate {
namespace {

constexpr Phase kLogged[] = {Phase::kStaged, Phase::kDeployed, Phase::kVerified,
                             Phase::kPromoted};

bool about(const Event& e, const std::string& account, int version) {
  return e.data.is_object() && e.data.value("account", "") == account &&
         e.data.value("version", 0) == version;
}

// How far the log says the rotation to `version` went.
Phase logged_phase(const std::string& account, int version,
                   const EventLog& log) {
  auto events = log.read_back([&](const Event& e) {
    return e.type == "key.staged" && about(e, account, version);
  });
  Phase phase = Phase::kNone;
  for (const auto& e : events)
    for (Phase p : kLogged)
      if (e.type == phase_event(p) && about(e, account, version))
        phase = std::max(phase, p);
  return phase;
}

int highest_below(const std::vector<int>& versions, int limit) {
  int out = 0;
  for (int v : versions)
    if (v < limit)
      out = std::max(out, v);
  return out;
}

[[noreturn]] void lost_key(const std::string& account, int version) {
  throw Error("key version " + std::to_string(version) + " of account " +
                  quoted(account) +
                  " was staged but the keyring does not hold it",
              "restore the keyring that staged it (in CI: the keyring.enc "
              "of the state branch); a new version is never generated "
              "while one is in flight");
}

}  // namespace

const char* phase_name(Phase phase) {
  switch (phase) {
    case Phase::kNone:
      return "none";
    case Phase::kStaged:
      return "staged";
    case Phase::kDeployed:
      return "deployed";
    case Phase::kVerified:
      return "verified";
    case Phase::kPromoted:
      return "promoted";
  }
  return "none";
}

std::string phase_event(Phase phase) {
  if (phase == Phase::kNone)
    return "";
  return std::string("key.") + phase_name(phase);
}

std::string key_name(int version) {
  return "TRACKING_KEY_V" + std::to_string(version);
}

Rotation find_rotation(const std::string& account, const AccountConfig& cfg,
                       Keyring& keyring, const EventLog& log) {
  Rotation r;
  if (cfg.pending_key_version) {
    r.target = *cfg.pending_key_version;
    r.pending = true;
    r.from = highest_below(cfg.key_versions, r.target);
  } else {
    r.from = cfg.current_key_version;
    r.target = r.from + 1;
  }

  // Only a key in the keyring (or a pending one) means a rotation is in
  // flight; otherwise the log is not read at all.
  bool held = keyring.get(account, key_name(r.target)).has_value();
  if (!held && !r.pending)
    return r;
  Phase logged = logged_phase(account, r.target, log);
  if (!held)
    lost_key(account, r.target);
  r.phase = std::max(logged, Phase::kStaged);
  return r;
}

AccountConfig account_state(const Config& config, const std::string& account,
                            Keyring& keyring, const EventLog& log) {
  if (auto cfg = config.account(account))
    return *cfg;

  auto sets_current = [&](const Event& e) {
    return (e.type == "setup.configured" || e.type == "key.promoted") &&
           e.data.is_object() && e.data.value("account", "") == account;
  };
  auto events = log.read_back(sets_current);
  if (events.empty() || !sets_current(events.back()))
    throw Error("account " + quoted(account) + " is not set up here",
                "run 'gog gmail track setup', or restore the config, the "
                "keyring and the event log");
  const auto& data = events.back().data;
  AccountConfig cfg;
  cfg.current_key_version = data.contains("current_key_version")
                                ? data.value("current_key_version", 0)
                                : data.value("version", 0);
  for (int v = 1; v <= cfg.current_key_version; ++v)
    if (keyring.get(account, key_name(v)))
      cfg.key_versions.push_back(v);
  return cfg;
}

}  // namespace gog::rotate
