// Reading a message back: the strict counterpart of mime.hpp, written
// separately from the builder so that one checks the other. Used by the
// tests and the Gmail stand-in, and by any later `--verify` that fetches
// a sent message.
//
// Strict on purpose: every line must end in CRLF, a header line is
// `Name: value` or a continuation starting with SP/HT, the header block
// ends at the first empty line.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gog::send {

struct MimeEntity {
  // In order, names as written, values unfolded (CRLF removed) but not
  // decoded, leading white space trimmed.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // as transmitted

  // The first header of that name (any case), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
  std::size_t count(std::string_view name) const;
};

// nullopt (and *why) for a bare CR or LF, a header line without a colon,
// or no empty line after the headers.
std::optional<MimeEntity> parse_entity(std::string_view raw,
                                       std::string* why = nullptr);

// The parts of a multipart entity, split at its boundary. nullopt when the
// entity is not multipart or the closing delimiter is missing.
std::optional<std::vector<MimeEntity>> multipart_parts(
    const MimeEntity& entity);

// The body with its Content-Transfer-Encoding undone (7bit, 8bit, binary,
// quoted-printable, base64). nullopt for an unknown encoding or bad data.
std::optional<std::string> decoded_body(const MimeEntity& entity);

// RFC 2047 encoded-words (B and Q, UTF-8 or US-ASCII) decoded; white space
// between adjacent encoded-words dropped. Text that is not an encoded-word
// is kept as written.
std::string decode_header_words(std::string_view value);

std::optional<std::string> decode_quoted_printable(std::string_view text);

// The value of a parameter such as boundary="..." in a Content-Type.
std::optional<std::string> header_parameter(std::string_view value,
                                            std::string_view name);

}  // namespace gog::send
