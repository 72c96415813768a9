// gog gmail track key rotate: a new tracking key with no gap in which new
// pixels fail to decode (docs/rotate.md).
//
//   gog gmail track key rotate [--account A] [--from pipelines/tracker.yaml]
//       [--no-deploy] [--verify-timeout SECONDS] [--json]
//
// Phases, each recorded in the event log (rotation.hpp): stage version
// N+1 in the keyring; put it on the Worker as an extra key while N stays
// current; open a canary sealed with it at the live Worker; make it
// current on the Worker, then in the config. A run stopped anywhere is
// resumed by the next. Exit 1 when the canary never opens (N stays
// current).
#pragma once

#include <string>
#include <vector>

namespace gog::rotate {

int run(std::vector<std::string> args);

}  // namespace gog::rotate
