// The state of an account's key rotation, rebuilt on every run from the
// config, the keyring and the tail of the event log, so that a run stopped
// at any phase is resumed by the next one.
//
// A rotation from version N to T = N + 1 leaves, in order:
//   keyring TRACKING_KEY_V<T>, then event key.staged {account, version: T,
//   from_version: N}     (a key in the keyring without the event counts as
//                         staged: the key is never generated twice)
//   key.deployed  {account, version, worker}   the Worker holds V<T>
//   key.verified  {account, version}           the Worker opened a canary
//   key.promoted  {account, version}           T is current remotely,
//                                              then in the config
//   key.pending   {account, version}           --no-deploy: T made current
//                                              locally only (config
//                                              pending_key_version = T)
#pragma once

#include <string>

#include "common/config.hpp"
#include "common/event_log.hpp"
#include "common/keyring.hpp"

namespace gog::rotate {

enum class Phase { kNone, kStaged, kDeployed, kVerified, kPromoted };

const char* phase_name(Phase phase);
// "key.staged" for kStaged, and so on; kNone has no event.
std::string phase_event(Phase phase);

struct Rotation {
  int from = 0;    // current before the rotation
  int target = 0;  // the version rotated to
  Phase phase = Phase::kNone;
  bool pending = false;  // --no-deploy made target current locally
};

// "TRACKING_KEY_V<version>".
std::string key_name(int version);

// The rotation in progress for the account, or a new one (phase kNone,
// target = current + 1) when none is. Reads the event log backwards only
// while a rotation is in progress, and only back to its key.staged event.
// Throws gog::Error when the log says a version was staged but the
// keyring does not hold it (a key was lost: nothing can be resumed).
Rotation find_rotation(const std::string& account, const AccountConfig& cfg,
                       Keyring& keyring, const EventLog& log);

// The account's config entry; when the config has none (a CI runner that
// restored only the keyring and the event log), one rebuilt from the last
// setup.configured or key.promoted event and the keyring. Throws
// gog::Error saying to run setup when neither knows the account.
AccountConfig account_state(const Config& config, const std::string& account,
                            Keyring& keyring, const EventLog& log);

}  // namespace gog::rotate
