#include "send/pixel.hpp"

#include <optional>

#include "common/error.hpp"
#include "send/html_scan.hpp"

namespace gog::send {
namespace {

struct EndTags {
  std::optional<std::size_t> body;
  std::optional<std::size_t> html;
};

EndTags find_end_tags(std::string_view html) {
  EndTags found;
  scan_html(html, [&](const HtmlToken& token) {
    if (token.kind != HtmlToken::kEndTag)
      return;
    if (token.name == "body")
      found.body = token.begin;
    if (token.name == "html")
      found.html = token.begin;
  });
  return found;
}

}  // namespace

std::string pixel_url(std::string_view worker_url,
                      std::string_view tracking_id) {
  while (!worker_url.empty() && worker_url.back() == '/')
    worker_url.remove_suffix(1);
  return std::string(worker_url) + "/p/" + std::string(tracking_id) + ".gif";
}

std::string pixel_tag(std::string_view url) {
  return "<img src=\"" + std::string(url) +
         "\" width=\"1\" height=\"1\" alt=\"\" "
         "style=\"display:none;width:1px;height:1px;border:0\" />";
}

std::size_t pixel_offset(std::string_view html) {
  auto tags = find_end_tags(html);
  if (tags.body)
    return *tags.body;
  if (tags.html)
    return *tags.html;
  return html.size();
}

std::string inject_pixel(std::string_view html, std::string_view url) {
  auto at = pixel_offset(html);
  std::string out(html.substr(0, at));
  out += pixel_tag(url);
  out += html.substr(at);
  return out;
}

void check_worker_url(std::string_view url) {
  auto bad = [&](const char* reason) {
    throw UsageError("worker url " + quoted(url) + ": " + reason,
                     "pass --worker-url https://<your tracker> or run "
                     "'gog gmail track setup'");
  };
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0)
    bad("must start with https:// or http://");
  if (url.find("://") + 3 >= url.size())
    bad("has no host");
  for (unsigned char c : url) {
    if (c <= 0x20 || c >= 0x7f ||
        std::string_view("\"'<>\\`").find(c) != std::string_view::npos)
      bad("contains a character that cannot stand in a URL");
  }
  if (url.find_first_of("?#") != std::string_view::npos)
    bad("must not carry a query or fragment");
}

}  // namespace gog::send
