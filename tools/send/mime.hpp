// The RFC 5322 / MIME message that `gog gmail send` hands to a transport.
//
// Shape: multipart/alternative with a text/plain and a text/html part when
// there is HTML (the text part is derived from the HTML unless given), a
// single text/plain part otherwise. Both parts are UTF-8 in canonical form
// (CRLF line ends, RFC 2046 4.1.1) and quoted-printable, or base64 when
// most of the text is not ASCII; so no body line exceeds 76 characters
// however long the HTML's lines are (case C06).
//
// Headers are 7-bit ASCII with CRLF ends and no line over 998 characters,
// folded near 76. A value with non-ASCII characters (or text that would
// itself read as an encoded-word) becomes RFC 2047 B encoded-words of at
// most 75 characters that never split a UTF-8 sequence (case C04); ASCII
// display names with specials such as ',' are quoted.
//
// Injection (case C05): build_message() refuses any header value holding a
// CR, LF or other control character with a UsageError that names the
// field, before anything is written, so no value can add a header line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "send/address.hpp"

namespace gog::send {

struct Header {
  std::string name;   // [A-Za-z0-9-], not one the builder writes itself
  std::string value;  // UTF-8, one line
};

struct MessageSpec {
  std::optional<Mailbox> from;
  std::vector<Mailbox> to;
  std::vector<Mailbox> cc;
  std::vector<Mailbox> bcc;  // written as a header; Gmail strips it
  std::optional<Mailbox> reply_to;
  std::string subject;
  std::optional<std::string> html;  // with the pixel, when tracked
  std::optional<std::string> text;  // derived from html when absent
  std::vector<Header> headers;      // extra headers, after the standard ones
  std::int64_t date = 0;            // unix seconds
  std::string message_id;           // "<...@...>", see new_message_id()
};

// The whole message, CRLF line ends. Throws UsageError naming the field for
// a value that cannot be written safely, and when there is no recipient or
// no body.
std::string build_message(const MessageSpec& spec);

// "<32 hex digits@domain>" from the OS random source.
std::string new_message_id(std::string_view domain);

// "Thu, 04 Dec 2026 16:11:14 +0000".
std::string rfc5322_date(std::int64_t unix_seconds);

// One header field, "Name: value" folded with CRLF SP, no final CRLF.
// Unstructured value (Subject, extra headers): plain when ASCII, else
// encoded-words.
std::string unstructured_header(std::string_view name, std::string_view value);
// An address header (From, To, Cc, Bcc, Reply-To).
std::string address_header(std::string_view name,
                           const std::vector<Mailbox>& mailboxes);

// `=?UTF-8?B?...?=` words for text, joined by a space (the folder breaks
// lines there). The first word fits in first_room characters when that
// leaves room for a character, every word in 75.
std::vector<std::string> encoded_words(std::string_view text,
                                       std::size_t first_room = 75);

// Body transfer encodings over canonical text. Lines of at most 76
// characters, CRLF ends; quoted-printable uses soft breaks (RFC 2045 6.7).
std::string quoted_printable(std::string_view text);
std::string base64_lines(std::string_view data);

// Text with every line end (LF, CR or CRLF) turned into CRLF.
std::string canonical_line_ends(std::string_view text);

}  // namespace gog::send
