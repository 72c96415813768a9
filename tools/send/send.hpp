// `gog gmail send`: build a message (optionally with a tracking pixel per
// recipient) and hand it to a transport. See docs/send.md.
//
// Contract:
//   - Every check that can refuse the command (flags, addresses, header
//     values, keys, worker url, credentials) runs before the first message
//     goes out; a refusal is exit 2 (or 1 for missing setup) with nothing
//     sent and nothing logged.
//   - --track: exactly one --to, no --cc/--bcc, an HTML body. --track-split:
//     one message per --to recipient, each with its own tracking id.
//   - Per message, the event log gets `message.sending` before the
//     transport is called and `message.sent` (or `message.failed`) after, so
//     a later run can tell what went out.
//   - stdout: one line per message, recipient TAB tracking id (or '-') TAB
//     Message-ID; with --json an array of objects.
#pragma once

#include <string>
#include <vector>

namespace gog::send {

int run(std::vector<std::string> args);

}  // namespace gog::send
