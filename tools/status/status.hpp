// `gog gmail track status`: what this machine knows about an account's
// tracking, without a secret: tracker, key versions held, pending
// rotation, keyring backend, event log tail.
#pragma once

#include <string>
#include <vector>

namespace gog::status {

int run(std::vector<std::string> args);

}  // namespace gog::status
