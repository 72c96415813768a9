#include "send/address.hpp"

#include <algorithm>
#include <string>

#include "common/error.hpp"

namespace gog::send {
namespace {

constexpr std::size_t kMaxAddressBytes = 320;
constexpr std::size_t kMaxLocalBytes = 64;

std::string_view trim(std::string_view s) {
  const char* space = " \t";
  auto first = s.find_first_not_of(space);
  if (first == std::string_view::npos)
    return {};
  auto last = s.find_last_not_of(space);
  return s.substr(first, last - first + 1);
}

[[noreturn]] void reject(std::string_view field, std::string_view what,
                         std::string_view value, std::string_view reason) {
  throw UsageError(std::string(field) + " " + std::string(what) + " " +
                       quoted(value) + ": " + std::string(reason),
                   "write it as 'Name <user@example.com>' or "
                   "'user@example.com'");
}

bool is_atext(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9'))
    return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) !=
         std::string_view::npos;
}

bool is_dot_atom(std::string_view s, bool (*allowed)(char)) {
  if (s.empty() || s.front() == '.' || s.back() == '.')
    return false;
  char previous = 0;
  for (char c : s) {
    if (c == '.' && previous == '.')
      return false;
    if (c != '.' && !allowed(c))
      return false;
    previous = c;
  }
  return true;
}

bool is_domain_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-';
}

// Labels of letters, digits and inner hyphens, 63 at most each.
bool is_domain(std::string_view domain) {
  if (!is_dot_atom(domain, is_domain_char))
    return false;
  std::size_t begin = 0;
  while (begin <= domain.size()) {
    auto end = std::min(domain.find('.', begin), domain.size());
    auto label = domain.substr(begin, end - begin);
    if (label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    begin = end + 1;
  }
  return true;
}

// The reason an address is refused, or empty when it is fine. The checks
// run from the most telling (a line break smuggling a header) down.
std::string address_problem(std::string_view a) {
  if (a.find_first_of("\r\n") != std::string_view::npos)
    return "contains a line break";
  for (unsigned char c : a) {
    if (c < 0x20 || c == 0x7f)
      return "contains a control character";
    if (c >= 0x80)
      return "non-ASCII addresses are not supported";
  }
  if (a.find_first_of(" \t") != std::string_view::npos)
    return "contains a space";
  auto at = a.find('@');
  if (at == std::string_view::npos)
    return "missing '@'";
  if (a.find('@', at + 1) != std::string_view::npos)
    return "more than one '@'";
  if (a.size() > kMaxAddressBytes)
    return "longer than 320 bytes";
  auto local = a.substr(0, at);
  auto domain = a.substr(at + 1);
  if (local.empty() || local.size() > kMaxLocalBytes ||
      !is_dot_atom(local, is_atext))
    return "invalid local part before '@'";
  if (!is_domain(domain))
    return "invalid domain after '@'";
  return {};
}

// Undoes a quoted-string's quotes and backslash escapes.
std::string unquote_name(std::string_view name) {
  if (name.size() < 2 || name.front() != '"' || name.back() != '"')
    return std::string(name);
  std::string out;
  for (std::size_t i = 1; i + 1 < name.size(); ++i) {
    if (name[i] == '\\' && i + 2 < name.size())
      ++i;
    out += name[i];
  }
  return out;
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80                ? 1
                    : c >= 0xc2 && c < 0xe0 ? 2
                    : c >= 0xe0 && c < 0xf0 ? 3
                    : c >= 0xf0 && c < 0xf5 ? 4
                                            : 0;
    if (n == 0 || i + n > s.size())
      return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80)
        return false;
    // Overlong three- and four-byte forms, surrogates and > U+10FFFF.
    auto c1 = static_cast<unsigned char>(n > 1 ? s[i + 1] : 0);
    if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0) ||
        (c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 >= 0x90))
      return false;
    i += n;
  }
  return true;
}

}  // namespace

void check_header_text(std::string_view text, std::string_view field) {
  auto problem = [&](const char* reason) {
    throw UsageError(std::string(field) + " " + quoted(text) + ": " + reason,
                     "header values must be a single line");
  };
  if (text.find_first_of("\r\n") != std::string_view::npos)
    problem("contains a line break");
  for (unsigned char c : text)
    if ((c < 0x20 && c != '\t') || c == 0x7f)
      problem("contains a control character");
  if (!valid_utf8(text))
    problem("is not valid UTF-8");
}

void check_address(std::string_view address, std::string_view field) {
  auto problem = address_problem(address);
  if (!problem.empty())
    reject(field, "address", address, problem);
}

std::vector<std::string> split_mailbox_list(std::string_view text) {
  std::vector<std::string> items;
  std::string current;
  bool in_quotes = false;
  int angle = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_quotes && c == '\\' && i + 1 < text.size()) {
      current += c;
      current += text[++i];
      continue;
    }
    if (c == '"')
      in_quotes = !in_quotes;
    if (!in_quotes && c == '<')
      ++angle;
    if (!in_quotes && c == '>' && angle > 0)
      --angle;
    if (c == ',' && !in_quotes && angle == 0) {
      items.emplace_back(trim(current));
      current.clear();
      continue;
    }
    current += c;
  }
  items.emplace_back(trim(current));
  std::erase_if(items, [](const std::string& s) { return s.empty(); });
  return items;
}

Mailbox parse_mailbox(std::string_view text, std::string_view field) {
  text = trim(text);
  if (text.find_first_of("\r\n") != std::string_view::npos)
    reject(field, "address", text, "contains a line break");
  check_header_text(text, field);

  auto open = text.rfind('<');
  if (open == std::string_view::npos) {
    check_address(text, field);
    return {"", std::string(text)};
  }

  auto close = text.find('>', open);
  if (close == std::string_view::npos || !trim(text.substr(close + 1)).empty())
    reject(field, "mailbox", text, "expected 'Name <address>'");
  auto name = trim(text.substr(0, open));
  if (!name.empty() && name.front() == '"' &&
      (name.size() < 2 || name.back() != '"'))
    reject(field, "mailbox", text, "unbalanced quotes in the name");

  auto address = text.substr(open + 1, close - open - 1);
  check_address(address, field);
  return {unquote_name(name), std::string(address)};
}

std::vector<Mailbox> parse_mailbox_list(std::string_view text,
                                        std::string_view field) {
  std::vector<Mailbox> out;
  for (const auto& item : split_mailbox_list(text))
    out.push_back(parse_mailbox(item, field));
  if (out.empty())
    reject(field, "list", text, "holds no address");
  return out;
}

}  // namespace gog::send
