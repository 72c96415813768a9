// gog gmail track opens: what the tracker recorded (docs/opens.md).
//
//   gog gmail track opens [ID] [--to EMAIL] [--since TIME] [--limit N]
//       [--account A] [--url URL] [--json]
//
// With ID asks GET /q/<ID>, else GET /opens. The tracker is --url, else
// $GOG_TRACKER_URL, else the account's worker_url; the admin key is
// $ADMIN_KEY, else the account's keyring entry.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gog::opens {

int run(std::vector<std::string> args);

// The human views of the two replies (the JSON of core::render_query and
// core::render_opens). Text from the server is printed with control
// characters replaced, so a stored user agent cannot drive the terminal.
std::string format_query_report(const nlohmann::json& report);
std::string format_opens_list(const nlohmann::json& list);

}  // namespace gog::opens
