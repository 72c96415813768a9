#include "send/html_scan.hpp"

#include <algorithm>
#include <cctype>

namespace gog::send {
namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool is_alpha(char c) {
  return std::isalpha(static_cast<unsigned char>(c));
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

bool starts_with_nocase(std::string_view s, std::size_t at,
                        std::string_view prefix) {
  if (at > s.size() || s.size() - at < prefix.size())
    return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (lower(s[at + i]) != prefix[i])
      return false;
  return true;
}

// Offset just past `end` searched from `from`, or the end of the input.
std::size_t skip_past(std::string_view s, std::size_t from,
                      std::string_view end) {
  auto at = s.find(end, from);
  return at == std::string_view::npos ? s.size() : at + end.size();
}

// Reads attributes up to the tag's '>', honouring quoted values, so a '>'
// inside `alt="a > b"` does not end the tag. Returns one past the '>'.
std::size_t skip_attributes(std::string_view s, std::size_t i) {
  while (i < s.size() && s[i] != '>') {
    if (s[i] != '=') {
      ++i;
      continue;
    }
    ++i;
    while (i < s.size() && is_space(s[i]))
      ++i;
    if (i < s.size() && (s[i] == '"' || s[i] == '\'')) {
      auto close = s.find(s[i], i + 1);
      i = close == std::string_view::npos ? s.size() : close + 1;
    }
  }
  return std::min(i + 1, s.size());
}

// A start or end tag at s[at] == '<', or nullopt when the '<' is text.
std::optional<HtmlToken> read_tag(std::string_view s, std::size_t at) {
  HtmlToken tag{HtmlToken::kStartTag, at, at, {}};
  std::size_t i = at + 1;
  if (i < s.size() && s[i] == '/') {
    tag.kind = HtmlToken::kEndTag;
    ++i;
  }
  if (i >= s.size() || !is_alpha(s[i]))
    return std::nullopt;
  while (i < s.size() && !is_space(s[i]) && s[i] != '/' && s[i] != '>')
    tag.name += lower(s[i++]);
  tag.end = skip_attributes(s, i);
  return tag;
}

bool is_raw_text(const std::string& name) {
  return name == "script" || name == "style" || name == "title" ||
         name == "textarea" || name == "xmp";
}

// Offset of the `</name` end tag that closes raw text, or the input's end.
std::size_t raw_text_end(std::string_view s, std::size_t from,
                         const std::string& name) {
  for (auto i = s.find("</", from); i != std::string_view::npos;
       i = s.find("</", i + 2)) {
    auto after = i + 2 + name.size();
    if (!starts_with_nocase(s, i + 2, name))
      continue;
    if (after >= s.size() || is_space(s[after]) || s[after] == '/' ||
        s[after] == '>')
      return i;
  }
  return s.size();
}

// Where a markup declaration (`<!...`) or processing instruction ends.
std::size_t skip_declaration(std::string_view s, std::size_t at) {
  // `<!-->` and `<!--->` are complete (empty) comments in HTML.
  if (s.compare(at, 5, "<!-->") == 0)
    return at + 5;
  if (s.compare(at, 6, "<!--->") == 0)
    return at + 6;
  if (s.compare(at, 4, "<!--") == 0)
    return skip_past(s, at + 4, "-->");
  if (s.compare(at, 9, "<![CDATA[") == 0)
    return skip_past(s, at + 9, "]]>");
  return skip_past(s, at + 2, ">");
}

bool starts_declaration(std::string_view s, std::size_t at) {
  return at + 1 < s.size() && (s[at + 1] == '!' || s[at + 1] == '?');
}

}  // namespace

void scan_html(std::string_view s,
               const std::function<void(const HtmlToken&)>& visit) {
  std::size_t text_begin = 0;
  auto flush_text = [&](std::size_t upto) {
    if (upto > text_begin)
      visit({HtmlToken::kText, text_begin, upto, {}});
  };

  std::size_t i = 0;
  while ((i = s.find('<', i)) != std::string_view::npos) {
    std::optional<HtmlToken> token;
    if (starts_declaration(s, i)) {
      token = HtmlToken{HtmlToken::kComment, i, skip_declaration(s, i), {}};
    } else {
      token = read_tag(s, i);
    }
    if (!token) {
      ++i;
      continue;
    }

    flush_text(i);
    visit(*token);
    i = text_begin = token->end;
    if (token->kind != HtmlToken::kStartTag || !is_raw_text(token->name))
      continue;

    auto raw_end = raw_text_end(s, i, token->name);
    if (raw_end > i)
      visit({HtmlToken::kRawText, i, raw_end, token->name});
    i = text_begin = raw_end;
  }
  flush_text(s.size());
}

std::optional<std::string> html_attribute(std::string_view tag,
                                          std::string_view name) {
  std::size_t i = tag.find_first_of(" \t\r\n\f/>");
  while (i < tag.size()) {
    while (i < tag.size() && (is_space(tag[i]) || tag[i] == '/'))
      ++i;
    auto name_begin = i;
    while (i < tag.size() && !is_space(tag[i]) && tag[i] != '=' &&
           tag[i] != '>' && tag[i] != '/')
      ++i;
    bool wanted = i - name_begin == name.size() &&
                  starts_with_nocase(tag, name_begin, name);
    while (i < tag.size() && is_space(tag[i]))
      ++i;
    if (i >= tag.size() || tag[i] != '=') {
      if (wanted)
        return std::string();
      if (i < tag.size() && tag[i] == '>')
        break;
      continue;
    }
    ++i;
    while (i < tag.size() && is_space(tag[i]))
      ++i;
    std::size_t value_begin = i, value_end;
    if (i < tag.size() && (tag[i] == '"' || tag[i] == '\'')) {
      value_begin = i + 1;
      value_end = std::min(tag.find(tag[i], value_begin), tag.size());
      i = value_end + 1;
    } else {
      while (i < tag.size() && !is_space(tag[i]) && tag[i] != '>')
        ++i;
      value_end = i;
    }
    if (wanted)
      return std::string(tag.substr(value_begin, value_end - value_begin));
  }
  return std::nullopt;
}

}  // namespace gog::send
