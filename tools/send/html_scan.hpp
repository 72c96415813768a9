// A small HTML tokenizer: enough to tell real tags from text that only
// looks like a tag, for placing the pixel and for deriving a plain-text
// body. Not a full HTML5 parser: it never rewrites, never builds a tree,
// and every input byte belongs to exactly one token.
//
// Tokens, in order:
//   text       character data between tags (entities not decoded)
//   start/end  `<name ...>` / `</name ...>`; attribute values may hold '>'
//   comment    `<!-- -->`, `<![CDATA[ ]]>`, `<!DOCTYPE>`, `<?...>`
//   raw text   the contents of <script>, <style>, <title>, <textarea>,
//              <xmp> up to their own end tag, never scanned for tags
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace gog::send {

struct HtmlToken {
  enum Kind { kText, kStartTag, kEndTag, kComment, kRawText };
  Kind kind = kText;
  std::size_t begin = 0;  // offset of the first byte
  std::size_t end = 0;    // one past the last byte
  std::string name;       // tags: the name in lower case
};

void scan_html(std::string_view html,
               const std::function<void(const HtmlToken&)>& visit);

// The value of attribute `name` (lower case) in the text of a start tag,
// quotes removed, entities not decoded. nullopt when absent.
std::optional<std::string> html_attribute(std::string_view tag,
                                          std::string_view name);

}  // namespace gog::send
