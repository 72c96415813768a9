// gog gmail track serve: the native tracker (docs/serve.md).
//
//   gog gmail track serve [--listen 127.0.0.1:8787] [--db PATH]
//       [--account EMAIL] [--trust-proxy-header NAME]
//
// Keys come from the environment exactly as the Worker reads them
// (TRACKING_KEY_V<N>, TRACKING_CURRENT_KEY_VERSION, TRACKING_KEY, ADMIN_KEY),
// else from the account's keyring. Runs until SIGTERM (exit 0) or SIGINT
// (exit 130), committing every queued open before it exits.
#pragma once

#include <string>
#include <vector>

namespace gog::serve {

int run(std::vector<std::string> args);

}  // namespace gog::serve
