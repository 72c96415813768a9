#include "send/html_text.hpp"

#include <cctype>
#include <map>
#include <set>
#include <vector>

#include "send/html_scan.hpp"

namespace gog::send {
namespace {

// The references that newsletters actually use; &nbsp; becomes a plain
// space because the text part has no layout to protect.
const std::map<std::string_view, std::string_view> kEntities = {
    {"amp", "&"},   {"lt", "<"},     {"gt", ">"},    {"quot", "\""},
    {"apos", "'"},  {"nbsp", " "},   {"copy", "©"},  {"reg", "®"},
    {"trade", "™"}, {"hellip", "…"}, {"mdash", "—"}, {"ndash", "–"},
    {"lsquo", "‘"}, {"rsquo", "’"},  {"ldquo", "“"}, {"rdquo", "”"},
    {"laquo", "«"}, {"raquo", "»"},  {"bull", "•"},  {"middot", "·"},
    {"euro", "€"},  {"pound", "£"},  {"yen", "¥"},   {"cent", "¢"},
    {"deg", "°"},   {"times", "×"},  {"shy", ""},    {"zwnj", ""},
    {"zwj", ""},    {"thinsp", " "}, {"ensp", " "},  {"emsp", " "},
};

const std::set<std::string_view> kParagraphTags = {
    "p",  "h1", "h2",    "h3",         "h4",  "h5", "h6",
    "ul", "ol", "table", "blockquote", "pre", "hr"};

const std::set<std::string_view> kLineTags = {
    "br",     "div",  "li",       "tr",     "section",    "article", "header",
    "footer", "nav",  "aside",    "main",   "address",    "dl",      "dt",
    "dd",     "form", "fieldset", "figure", "figcaption", "center",  "body"};

void append_utf8(std::string& out, char32_t cp) {
  if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
    cp = 0xfffd;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// Decodes `&#...;` at text[at] into out; returns the length consumed, or 0
// when it is not a numeric reference.
std::size_t decode_numeric(std::string_view text, std::size_t at,
                           std::string& out) {
  std::size_t i = at + 2;
  bool hex = i < text.size() && (text[i] == 'x' || text[i] == 'X');
  if (hex)
    ++i;
  char32_t cp = 0;
  std::size_t digits = 0;
  for (; i < text.size() && text[i] != ';'; ++i, ++digits) {
    int d = std::isdigit(static_cast<unsigned char>(text[i])) ? text[i] - '0'
            : hex && std::isxdigit(static_cast<unsigned char>(text[i]))
                ? (text[i] | 0x20) - 'a' + 10
                : -1;
    if (d < 0 || digits >= 8)
      return 0;
    cp = cp * (hex ? 16 : 10) + d;
  }
  if (digits == 0 || i >= text.size())
    return 0;
  append_utf8(out, cp);
  return i + 1 - at;
}

std::size_t decode_named(std::string_view text, std::size_t at,
                         std::string& out) {
  auto semi = text.find(';', at);
  if (semi == std::string_view::npos || semi - at > 10)
    return 0;
  auto found = kEntities.find(text.substr(at + 1, semi - at - 1));
  if (found == kEntities.end())
    return 0;
  out += found->second;
  return semi + 1 - at;
}

bool is_html_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

// Builds the text while the scanner walks the tokens.
class TextBuilder {
 public:
  void text(std::string_view decoded);
  void start_tag(const std::string& name, std::string_view tag);
  void end_tag(const std::string& name);
  std::string finish();
  bool skipping() const { return in_head_; }

 private:
  void line_break(int lines);

  std::string out_;
  bool pending_space_ = false;
  bool in_head_ = false;
  int pre_ = 0;
  struct Link {
    std::string href;
    std::size_t text_begin;
  };
  std::vector<Link> links_;
};

void TextBuilder::text(std::string_view decoded) {
  for (char c : decoded) {
    if (c == '\r')
      continue;
    if (pre_ == 0 && is_html_space(c)) {
      pending_space_ = true;
      continue;
    }
    if (pending_space_ && !out_.empty() && out_.back() != '\n')
      out_ += ' ';
    pending_space_ = false;
    out_ += c;
  }
}

void TextBuilder::line_break(int lines) {
  pending_space_ = false;
  while (!out_.empty() && out_.back() == ' ')
    out_.pop_back();
  if (out_.empty())
    return;
  int have = 0;
  for (auto i = out_.rbegin(); i != out_.rend() && *i == '\n'; ++i)
    ++have;
  for (; have < lines; ++have)
    out_ += '\n';
}

void TextBuilder::start_tag(const std::string& name, std::string_view tag) {
  if (name == "head")
    in_head_ = true;
  if (name == "body")
    in_head_ = false;
  if (name == "pre")
    ++pre_;
  if (kParagraphTags.contains(name))
    line_break(2);
  if (kLineTags.contains(name))
    line_break(1);
  if (name == "li")
    out_ += "- ";
  if (name == "hr")
    out_ += "----\n";
  if (name == "td" || name == "th")
    pending_space_ = true;
  if (name != "a")
    return;

  auto href = decode_entities(html_attribute(tag, "href").value_or(""));
  bool shown = href.starts_with("http://") || href.starts_with("https://") ||
               href.starts_with("mailto:");
  links_.push_back({shown ? href : std::string(), out_.size()});
}

void TextBuilder::end_tag(const std::string& name) {
  if (name == "head")
    in_head_ = false;
  if (name == "pre" && pre_ > 0)
    --pre_;
  if (kParagraphTags.contains(name))
    line_break(2);
  if (kLineTags.contains(name) && name != "br")
    line_break(1);
  if (name != "a" || links_.empty())
    return;

  auto link = links_.back();
  links_.pop_back();
  if (link.href.empty())
    return;
  auto shown = out_.substr(std::min(link.text_begin, out_.size()));
  auto bare = link.href.substr(link.href.starts_with("mailto:") ? 7 : 0);
  if (shown.find(bare) != std::string::npos)
    return;
  out_ += shown.empty() ? link.href : " (" + link.href + ")";
}

// Trims each line's end and keeps at most one blank line in a row.
std::string TextBuilder::finish() {
  std::string result;
  std::size_t blank = 0;
  std::size_t begin = 0;
  while (begin < out_.size()) {
    auto end = out_.find('\n', begin);
    if (end == std::string::npos)
      end = out_.size();
    auto line = out_.substr(begin, end - begin);
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    blank = line.empty() ? blank + 1 : 0;
    if ((blank == 0 || blank == 1) && !(line.empty() && result.empty()))
      result += line + '\n';
    begin = end + 1;
  }
  while (result.size() > 1 && result.ends_with("\n\n"))
    result.pop_back();
  return result;
}

}  // namespace

std::string decode_entities(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t used = 0;
    if (text[i] == '&' && i + 1 < text.size())
      used = text[i + 1] == '#' ? decode_numeric(text, i, out)
                                : decode_named(text, i, out);
    if (used == 0) {
      out += text[i];
      used = 1;
    }
    i += used;
  }
  return out;
}

std::string html_to_text(std::string_view html) {
  TextBuilder builder;
  scan_html(html, [&](const HtmlToken& token) {
    auto raw = html.substr(token.begin, token.end - token.begin);
    switch (token.kind) {
      case HtmlToken::kStartTag:
        builder.start_tag(token.name, raw);
        break;
      case HtmlToken::kEndTag:
        builder.end_tag(token.name);
        break;
      case HtmlToken::kText:
        if (!builder.skipping())
          builder.text(decode_entities(raw));
        break;
      case HtmlToken::kRawText:
        if (token.name == "textarea" || token.name == "xmp")
          builder.text(decode_entities(raw));
        break;
      case HtmlToken::kComment:
        break;
    }
  });
  return builder.finish();
}

}  // namespace gog::send
