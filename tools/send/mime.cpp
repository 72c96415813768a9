#include "send/mime.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <random>

#include "common/error.hpp"
#include "core/base64.hpp"
#include "send/html_text.hpp"

namespace gog::send {
namespace {

constexpr std::size_t kFoldAt = 76;         // header lines, RFC 2047 limit
constexpr std::size_t kMaxWord = 75;        // one encoded-word, RFC 2047
constexpr std::size_t kMaxPlainAtom = 900;  // below the 998 hard limit
constexpr std::size_t kMaxHeaderName = 40;  // leaves room for a word

std::string random_hex(std::size_t bytes) {
  std::random_device device;
  std::string out;
  char buf[3];
  for (std::size_t i = 0; i < bytes; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", device() & 0xff);
    out += buf;
  }
  return out;
}

std::vector<std::string> split_spaces(std::string_view text) {
  std::vector<std::string> words;
  std::size_t begin = 0;
  for (auto space = text.find(' '); space != std::string_view::npos;
       space = text.find(' ', begin)) {
    words.emplace_back(text.substr(begin, space - begin));
    begin = space + 1;
  }
  words.emplace_back(text.substr(begin));
  return words;
}

// Plain text would not survive as written: 8-bit bytes, text a decoder
// would take for an encoded-word, white space that unfolding trims, or a
// word too long to fold.
bool needs_encoding(std::string_view text) {
  if (std::any_of(text.begin(), text.end(),
                  [](char c) { return static_cast<unsigned char>(c) >= 0x80; }))
    return true;
  if (text.find("=?") != std::string_view::npos)
    return true;
  if (!text.empty() && (text.front() == ' ' || text.front() == '\t' ||
                        text.back() == ' ' || text.back() == '\t'))
    return true;
  auto words = split_spaces(text);
  return std::any_of(words.begin(), words.end(), [](const std::string& w) {
    return w.size() > kMaxPlainAtom;
  });
}

// Joins atoms with single spaces after "Name:", starting a continuation
// line (CRLF SP) before an atom that would pass column 76. Unfolding
// (removing the CRLFs) gives back the atoms joined by single spaces.
class Folder {
 public:
  explicit Folder(std::string_view name) : out_(name) {
    out_ += ':';
    column_ = out_.size();
  }

  void add(std::string_view atom) {
    if (column_ + 1 + atom.size() > kFoldAt && !line_empty_)
      break_line();
    out_ += ' ';
    out_ += atom;
    column_ += 1 + atom.size();
    line_empty_ = false;
  }

  // Encoded-words, the first sized to what is left of this line.
  void add_encoded(std::string_view text) {
    auto room = column_ + 1 < kFoldAt ? kFoldAt - column_ - 1 : 0;
    if (room < 20 && !line_empty_) {
      break_line();
      room = kMaxWord;
    }
    for (const auto& word : encoded_words(text, room))
      add(word);
  }

  std::string str() const { return out_; }

 private:
  void break_line() {
    out_ += "\r\n";
    column_ = 0;
    line_empty_ = true;
  }

  std::string out_;
  std::size_t column_ = 0;
  bool line_empty_ = true;
};

bool is_phrase_char(char c) {
  if (std::isalnum(static_cast<unsigned char>(c)))
    return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~ ").find(c) !=
         std::string_view::npos;
}

std::string quote_phrase(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

void add_phrase(Folder& folder, std::string_view name) {
  bool plain = std::all_of(name.begin(), name.end(), is_phrase_char) &&
               name.find("  ") == std::string_view::npos;
  if (needs_encoding(name) || (!plain && name.size() > kMaxPlainAtom)) {
    folder.add_encoded(name);
  } else if (plain) {
    for (const auto& word : split_spaces(name))
      folder.add(word);
  } else {
    folder.add(quote_phrase(name));
  }
}

// Bytes of UTF-8 that fit in a B encoded-word of `room` characters.
std::size_t word_capacity(std::size_t room) {
  room = std::min(room, kMaxWord);
  return room < 16 ? 0 : (room - 12) / 4 * 3;
}

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xc0) == 0x80;
}

std::string b_word(std::string_view chunk) {
  return "=?UTF-8?B?" +
         core::base64_encode(chunk, core::Alphabet::kStandard, true) + "?=";
}

void check_field(std::string_view text, const std::string& field) {
  check_header_text(text, field);
}

void check_mailboxes(const std::vector<Mailbox>& list,
                     const std::string& field) {
  for (const auto& m : list) {
    check_field(m.name, field + " name");
    check_address(m.address, field);
  }
}

void check_custom_header(const Header& h) {
  static const std::array<std::string_view, 9> kOwn = {
      "from",    "to",   "cc",         "bcc",         "reply-to",
      "subject", "date", "message-id", "mime-version"};
  auto lower = h.name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  bool name_ok = !h.name.empty() && h.name.size() <= kMaxHeaderName &&
                 std::all_of(h.name.begin(), h.name.end(), [](unsigned char c) {
                   return std::isalnum(c) || c == '-';
                 });
  // Content-* headers describe the body, which only the builder knows.
  bool own = std::find(kOwn.begin(), kOwn.end(), lower) != kOwn.end() ||
             lower.starts_with("content-");
  if (!name_ok || own)
    throw UsageError(
        "header name " + quoted(h.name) + ": not a custom header name",
        "use letters, digits and '-', at most 40, and not a "
        "header gog writes itself");
  check_field(h.value, "header " + h.name);
}

void check_spec(const MessageSpec& spec) {
  if (spec.from)
    check_mailboxes({*spec.from}, "--from");
  if (spec.reply_to)
    check_mailboxes({*spec.reply_to}, "--reply-to");
  check_mailboxes(spec.to, "--to");
  check_mailboxes(spec.cc, "--cc");
  check_mailboxes(spec.bcc, "--bcc");
  check_field(spec.subject, "--subject");
  check_field(spec.message_id, "message id");
  for (const auto& h : spec.headers)
    check_custom_header(h);
  if (spec.to.empty())
    throw UsageError("--to '': no recipient", "pass --to user@example.com");
  if (!spec.html && !spec.text)
    throw UsageError("message body '': neither HTML nor text",
                     "pass --body-html, --body-html-file or --body-text");
}

// Quoted-printable grows three-fold per escaped byte, base64 by a third:
// past one byte in five escaped, base64 is the smaller.
bool prefer_base64(std::string_view text) {
  auto escaped = std::count_if(text.begin(), text.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c >= 0x7f || (c < 0x20 && c != '\r' && c != '\n' && c != '\t');
  });
  return static_cast<std::size_t>(escaped) * 5 > text.size();
}

std::string body_part(std::string_view type, std::string_view content) {
  auto text = canonical_line_ends(content);
  bool b64 = prefer_base64(text);
  return "Content-Type: " + std::string(type) +
         "; charset=UTF-8\r\n"
         "Content-Transfer-Encoding: " +
         (b64 ? "base64" : "quoted-printable") + "\r\n\r\n" +
         (b64 ? base64_lines(text) : quoted_printable(text));
}

std::string headers_of(const MessageSpec& spec) {
  std::string out;
  auto line = [&](const std::string& field) { out += field + "\r\n"; };
  if (spec.from)
    line(address_header("From", {*spec.from}));
  line(address_header("To", spec.to));
  if (!spec.cc.empty())
    line(address_header("Cc", spec.cc));
  if (!spec.bcc.empty())
    line(address_header("Bcc", spec.bcc));
  if (spec.reply_to)
    line(address_header("Reply-To", {*spec.reply_to}));
  line(unstructured_header("Subject", spec.subject));
  line("Date: " + rfc5322_date(spec.date));
  line("Message-ID: " + spec.message_id);
  line("MIME-Version: 1.0");
  for (const auto& h : spec.headers)
    line(unstructured_header(h.name, h.value));
  return out;
}

}  // namespace

std::vector<std::string> encoded_words(std::string_view text,
                                       std::size_t first_room) {
  std::vector<std::string> words;
  auto capacity = word_capacity(first_room);
  if (capacity < 6)
    capacity = word_capacity(kMaxWord);

  std::size_t begin = 0;
  do {
    auto end = std::min(begin + capacity, text.size());
    // Back up to a character boundary: never half a UTF-8 sequence.
    while (end < text.size() && end > begin && is_continuation(text[end]))
      --end;
    words.push_back(b_word(text.substr(begin, end - begin)));
    begin = end;
    capacity = word_capacity(kMaxWord);
  } while (begin < text.size());
  return words;
}

std::string unstructured_header(std::string_view name, std::string_view value) {
  Folder folder(name);
  if (needs_encoding(value)) {
    folder.add_encoded(value);
  } else {
    for (const auto& word : split_spaces(value))
      folder.add(word);
  }
  return folder.str();
}

std::string address_header(std::string_view name,
                           const std::vector<Mailbox>& mailboxes) {
  Folder folder(name);
  for (std::size_t i = 0; i < mailboxes.size(); ++i) {
    const auto& m = mailboxes[i];
    std::string separator = i + 1 < mailboxes.size() ? "," : "";
    if (m.name.empty()) {
      folder.add(m.address + separator);
      continue;
    }
    add_phrase(folder, m.name);
    folder.add("<" + m.address + ">" + separator);
  }
  return folder.str();
}

std::string canonical_line_ends(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' || text[i] == '\n') {
      out += "\r\n";
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')
        ++i;
      continue;
    }
    out += text[i];
  }
  return out;
}

std::string quoted_printable(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  std::size_t column = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 2, "\r\n") == 0) {
      out += "\r\n";
      column = 0;
      ++i;
      continue;
    }

    auto c = static_cast<unsigned char>(text[i]);
    bool line_end = i + 1 == text.size() || text.compare(i + 1, 2, "\r\n") == 0;
    bool literal = (c >= 33 && c <= 126 && c != '=') ||
                   ((c == ' ' || c == '\t') && !line_end);
    std::string token = literal ? std::string(1, static_cast<char>(c))
                                : std::string{'=', kHex[c >> 4], kHex[c & 15]};

    // Leave room for the '=' of a soft break: lines stay within 76.
    if (column + token.size() > kFoldAt - 1) {
      out += "=\r\n";
      column = 0;
    }
    out += token;
    column += token.size();
  }
  return out;
}

std::string base64_lines(std::string_view data) {
  auto flat = core::base64_encode(data, core::Alphabet::kStandard, true);
  std::string out;
  for (std::size_t i = 0; i < flat.size(); i += kFoldAt) {
    if (i > 0)
      out += "\r\n";
    out += flat.substr(i, kFoldAt);
  }
  return out;
}

std::string rfc5322_date(std::int64_t unix_seconds) {
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed",
                                "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000",
                kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon],
                tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string new_message_id(std::string_view domain) {
  return "<" + random_hex(16) + "@" + std::string(domain) + ">";
}

std::string build_message(const MessageSpec& spec) {
  check_spec(spec);
  auto head = headers_of(spec);

  if (!spec.html)
    return head + body_part("text/plain", *spec.text);

  auto boundary = "=_gog_" + random_hex(12);
  auto text = spec.text ? *spec.text : html_to_text(*spec.html);
  // "=_" never occurs in quoted-printable or base64 output, so the
  // boundary cannot collide with a body line.
  return head + "Content-Type: multipart/alternative;\r\n boundary=\"" +
         boundary + "\"\r\n\r\n--" + boundary + "\r\n" +
         body_part("text/plain", text) + "\r\n--" + boundary + "\r\n" +
         body_part("text/html", *spec.html) + "\r\n--" + boundary + "--\r\n";
}

}  // namespace gog::send
