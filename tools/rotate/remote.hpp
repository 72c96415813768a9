// What rotation does to the deployed Worker: put secrets through wrangler
// and prove, with a canary, that the live Worker opens ids of a new key.
#pragma once

#include <chrono>
#include <string>

#include "common/tracking_keys.hpp"
#include "rotate/target.hpp"

namespace gog::rotate {

// The recipient sealed into every canary id: a reserved domain, so no
// report can mistake it for a person.
inline constexpr const char* kCanaryRecipient = "canary@gog-track.invalid";

// Sets one Worker secret with `wrangler secret put NAME --name WORKER`,
// the value on stdin only (never argv, no newline added). Throws
// gog::Error with wrangler's message when it fails.
void put_worker_secret(const Target& target, const std::string& name,
                       const std::string& value);

struct CanaryResult {
  bool opened = false;
  int attempts = 0;
  std::string problem;  // the last failure, when !opened
};

// Seals a canary id with `keys` (the new version only, as current) and
// asks GET <worker_url>/q/<id> with the admin bearer until the Worker
// answers 200 naming kCanaryRecipient, backing off between tries (new
// secrets take a while to reach every Cloudflare location), for at most
// `budget`. A /q/ request records no open.
CanaryResult verify_canary(const Target& target, const KeySet& keys,
                           const std::string& admin_key,
                           std::chrono::seconds budget);

}  // namespace gog::rotate
