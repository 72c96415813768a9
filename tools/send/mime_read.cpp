#include "send/mime_read.hpp"

#include <algorithm>
#include <cctype>

#include "core/base64.hpp"

namespace gog::send {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool is_wsp(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (is_wsp(s.front()) || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (is_wsp(s.back()) || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

bool fail(std::string* why, const char* reason) {
  if (why)
    *why = reason;
  return false;
}

bool only_crlf_line_ends(std::string_view raw, std::string* why) {
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r' && (i + 1 == raw.size() || raw[i + 1] != '\n'))
      return fail(why, "bare CR");
    if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r'))
      return fail(why, "bare LF");
  }
  return true;
}

bool valid_field_name(std::string_view name) {
  return !name.empty() &&
         std::all_of(name.begin(), name.end(), [](unsigned char c) {
           return c > 32 && c < 127 && c != ':';
         });
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

// Decodes one `=?charset?enc?text?=` at value[at]; sets *end past it.
std::optional<std::string> decode_word(std::string_view value, std::size_t at,
                                       std::size_t* end) {
  auto q1 = value.find('?', at + 2);
  if (q1 == std::string_view::npos || q1 + 2 >= value.size() ||
      value[q1 + 2] != '?')
    return std::nullopt;
  auto close = value.find("?=", q1 + 3);
  if (close == std::string_view::npos)
    return std::nullopt;
  auto charset = lower(value.substr(at + 2, q1 - at - 2));
  charset = charset.substr(0, charset.find('*'));  // RFC 2231 language
  if (charset != "utf-8" && charset != "us-ascii")
    return std::nullopt;

  auto text = value.substr(q1 + 3, close - q1 - 3);
  if (text.find_first_of(" \t") != std::string_view::npos)
    return std::nullopt;
  std::optional<std::string> decoded;
  char encoding = static_cast<char>(std::tolower(value[q1 + 1]));
  if (encoding == 'b') {
    auto bytes = core::base64_decode(text, core::Alphabet::kStandard);
    if (bytes)
      decoded = std::string(bytes->begin(), bytes->end());
  } else if (encoding == 'q') {
    std::string underscored(text);
    std::replace(underscored.begin(), underscored.end(), '_', ' ');
    decoded = decode_quoted_printable(underscored);
  }
  if (decoded)
    *end = close + 2;
  return decoded;
}

// The offsets of `--boundary` delimiter lines in a multipart body.
std::vector<std::size_t> delimiters(std::string_view body,
                                    const std::string& marker) {
  std::vector<std::size_t> found;
  for (std::size_t at = body.find(marker); at != std::string_view::npos;
       at = body.find(marker, at + 1)) {
    if (at == 0 || body.compare(at - 2, 2, "\r\n") == 0)
      found.push_back(at);
  }
  return found;
}

}  // namespace

std::optional<std::string> MimeEntity::header(std::string_view name) const {
  auto wanted = lower(name);
  for (const auto& [n, v] : headers)
    if (lower(n) == wanted)
      return v;
  return std::nullopt;
}

std::size_t MimeEntity::count(std::string_view name) const {
  auto wanted = lower(name);
  return std::count_if(headers.begin(), headers.end(),
                       [&](const auto& h) { return lower(h.first) == wanted; });
}

std::optional<MimeEntity> parse_entity(std::string_view raw, std::string* why) {
  if (!only_crlf_line_ends(raw, why))
    return std::nullopt;
  MimeEntity entity;
  std::size_t at = 0;
  while (true) {
    auto eol = raw.find("\r\n", at);
    if (eol == std::string_view::npos) {
      fail(why, "no empty line after the headers");
      return std::nullopt;
    }
    auto line = raw.substr(at, eol - at);
    at = eol + 2;
    if (line.empty())
      break;
    if (is_wsp(line.front())) {
      if (entity.headers.empty()) {
        fail(why, "continuation line before any header");
        return std::nullopt;
      }
      entity.headers.back().second += line;
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos ||
        !valid_field_name(line.substr(0, colon))) {
      fail(why, "header line without a field name and colon");
      return std::nullopt;
    }
    entity.headers.emplace_back(line.substr(0, colon),
                                trim(line.substr(colon + 1)));
  }
  entity.body = raw.substr(at);
  return entity;
}

std::optional<std::string> header_parameter(std::string_view value,
                                            std::string_view name) {
  auto key = ";" + lower(name) + "=";
  std::string compact;
  for (std::size_t i = 0; i < value.size(); ++i) {
    // Drop white space around ';' and '=' so "; boundary =" matches too.
    if (is_wsp(value[i]))
      continue;
    compact += value[i];
  }
  auto at = lower(compact).find(key);
  if (at == std::string::npos)
    return std::nullopt;
  auto rest = std::string_view(compact).substr(at + key.size());
  if (!rest.empty() && rest.front() == '"') {
    auto close = rest.find('"', 1);
    if (close == std::string_view::npos)
      return std::nullopt;
    return std::string(rest.substr(1, close - 1));
  }
  return std::string(rest.substr(0, rest.find(';')));
}

std::optional<std::vector<MimeEntity>> multipart_parts(
    const MimeEntity& entity) {
  auto type = entity.header("Content-Type");
  if (!type || !lower(*type).starts_with("multipart/"))
    return std::nullopt;
  auto boundary = header_parameter(*type, "boundary");
  if (!boundary || boundary->empty())
    return std::nullopt;

  std::string_view body = entity.body;
  auto marks = delimiters(body, "--" + *boundary);
  std::vector<MimeEntity> parts;
  for (std::size_t i = 0; i < marks.size(); ++i) {
    auto after = marks[i] + 2 + boundary->size();
    if (body.compare(after, 2, "--") == 0)
      return parts;
    auto start = body.find("\r\n", after);
    if (start == std::string_view::npos || i + 1 == marks.size())
      return std::nullopt;
    start += 2;
    if (marks[i + 1] < start + 2)
      return std::nullopt;
    auto part = parse_entity(body.substr(start, marks[i + 1] - 2 - start));
    if (!part)
      return std::nullopt;
    parts.push_back(std::move(*part));
  }
  return std::nullopt;  // no closing delimiter
}

std::optional<std::string> decode_quoted_printable(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r' && text.compare(i, 2, "\r\n") == 0) {
      // White space before a line end was added in transit: drop it.
      while (!out.empty() && is_wsp(out.back()))
        out.pop_back();
      out += "\r\n";
      ++i;
      continue;
    }
    if (c != '=') {
      out += c;
      continue;
    }
    if (text.compare(i + 1, 2, "\r\n") == 0) {
      i += 2;  // soft line break
      continue;
    }
    if (i + 2 >= text.size())
      return std::nullopt;
    int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::optional<std::string> decoded_body(const MimeEntity& entity) {
  auto encoding =
      lower(trim(entity.header("Content-Transfer-Encoding").value_or("7bit")));
  if (encoding == "7bit" || encoding == "8bit" || encoding == "binary")
    return entity.body;
  if (encoding == "quoted-printable")
    return decode_quoted_printable(entity.body);
  if (encoding != "base64")
    return std::nullopt;

  std::string flat;
  for (char c : entity.body)
    if (!is_wsp(c) && c != '\r' && c != '\n')
      flat += c;
  auto bytes = core::base64_decode(flat, core::Alphabet::kStandard);
  if (!bytes)
    return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

std::string decode_header_words(std::string_view value) {
  std::string out;
  std::string pending_space;  // white space after an encoded-word
  bool after_word = false;
  for (std::size_t i = 0; i < value.size();) {
    std::size_t end = 0;
    auto word = value.compare(i, 2, "=?") == 0 ? decode_word(value, i, &end)
                                               : std::nullopt;
    if (word) {
      if (!after_word)
        out += pending_space;
      pending_space.clear();
      out += *word;
      after_word = true;
      i = end;
      continue;
    }
    if (is_wsp(value[i])) {
      pending_space += value[i++];
      continue;
    }
    out += pending_space;
    pending_space.clear();
    out += value[i++];
    after_word = false;
  }
  return out + pending_space;
}

}  // namespace gog::send
