// The text/plain alternative derived from an HTML body, for mail clients
// that do not show HTML and for spam filters that compare both parts.
#pragma once

#include <string>
#include <string_view>

namespace gog::send {

// Tags removed; the contents of <head>, <script>, <style>, <title> and
// comments dropped; common named and all numeric character references
// decoded; runs of white space collapsed (kept inside <pre>); a line break
// after block elements (<p>, <div>, <br>, <li>, headings, table rows...),
// "- " before list items, a link's address after its text when the two
// differ. Lines end in '\n'; never more than one blank line in a row.
std::string html_to_text(std::string_view html);

// Decodes character references (&amp; &#233; &#x2014; and common names);
// unknown names stay as written.
std::string decode_entities(std::string_view text);

}  // namespace gog::send
