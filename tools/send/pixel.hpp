// The tracking pixel and where it goes in an HTML body.
//
// The pixel goes right before the last real `</body>` end tag (any letter
// case, whitespace or attributes before '>'), else before the last real
// `</html>`, else at the very end, so bodies without `</body>` (optional
// in HTML) still get one (cases C01, C02). "Real" means seen by a small
// HTML tokenizer: text inside comments, CDATA sections, attribute values
// and the raw text of <script>, <style>, <title>, <textarea> and <xmp>
// never counts. Nothing else in the HTML changes: removing the inserted tag
// gives back the input byte for byte.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace gog::send {

// `<worker_url>/p/<id>.gif`; a trailing '/' on worker_url is dropped.
std::string pixel_url(std::string_view worker_url,
                      std::string_view tracking_id);

// The hidden 1x1 <img> for url.
std::string pixel_tag(std::string_view url);

// The byte offset where the pixel goes (see above).
std::size_t pixel_offset(std::string_view html);

// html with pixel_tag(url) inserted at pixel_offset(html).
std::string inject_pixel(std::string_view html, std::string_view url);

// Throws UsageError unless url is an absolute http(s) URL that can stand in
// an HTML attribute and a header unchanged: no quotes, spaces, '<', '>',
// control characters or non-ASCII.
void check_worker_url(std::string_view url);

}  // namespace gog::send
