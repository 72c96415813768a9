// Mail addresses as `gog gmail send` takes them on the command line.
//
// A recipient list is split only at commas outside double quotes and angle
// brackets, so `"Doe, Jane" <jane@example.com>, ann@example.com` is two
// mailboxes. Each item is `Display Name <addr>`, `"Quoted, Name" <addr>`,
// `<addr>` or a bare `addr`.
//
// Addresses are deliberately stricter than RFC 5322: a dot-atom local part,
// a domain of letters, digits, hyphens and dots, 7-bit ASCII only, at most
// 320 bytes. Anything else (a line break, a space, a missing '@', a second
// '@', a quoted local part) is a UsageError naming the flag and the value,
// because such a value is either a typo or an attempt to add headers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gog::send {

struct Mailbox {
  std::string name;     // display name, UTF-8, unquoted; may be empty
  std::string address;  // bare addr-spec, e.g. ann@example.com
};

// Parses one mailbox. `field` names the flag in errors ("--to").
Mailbox parse_mailbox(std::string_view text, std::string_view field);

// Splits and parses a list; empty items (a trailing comma) are skipped.
// Throws UsageError when the list holds no mailbox at all.
std::vector<Mailbox> parse_mailbox_list(std::string_view text,
                                        std::string_view field);

// The items of a list, split at top-level commas and trimmed, unparsed.
std::vector<std::string> split_mailbox_list(std::string_view text);

// Throws UsageError naming `field` unless `address` is a valid addr-spec.
void check_address(std::string_view address, std::string_view field);

// Throws UsageError naming `field` when `text` holds a CR, LF or another
// control character (tab is allowed), or is not valid UTF-8. Every header
// value passes through this before it is written.
void check_header_text(std::string_view text, std::string_view field);

}  // namespace gog::send
