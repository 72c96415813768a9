#include "core/classify.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include "core/rules.hpp"

namespace gog::core {
namespace {

// Security gateways that fetch every image on delivery, HTTP libraries and
// headless browsers: nobody reads mail with them.
constexpr std::string_view kScannerMarkers[] = {
    "barracuda",   "mimecast",   "proofpoint",  "ironport",
    "messagelabs", "symantec",   "forcepoint",  "fireeye",
    "trendmicro",  "sophos",     "zscaler",     "safelinks",
    "python-",     "curl/",      "wget/",       "go-http-client",
    "okhttp",      "java/",      "libwww-perl", "headlesschrome",
    "phantomjs",   "bot",        "crawler",     "spider",
    "scanner",     "node-fetch", "axios/",
};

// Microsoft's prefetchers load images before (and whether or not) anyone
// reads the message.
constexpr std::string_view kOutlookPrefetchMarkers[] = {
    "bingpreview",
    "ms-office prefetch",
    "microsoft office existence discovery",
    "outlook-prefetch",
};

constexpr std::string_view kGmailProxyMarkers[] = {"googleimageproxy",
                                                   "ggpht.com"};

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return out;
}

template <std::size_t N>
bool contains_any(const std::string& haystack,
                  const std::string_view (&markers)[N]) {
  return std::any_of(std::begin(markers), std::end(markers),
                     [&](std::string_view m) {
                       return haystack.find(m) != std::string::npos;
                     });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

}  // namespace

Classification classify_open(std::string_view user_agent,
                             std::int64_t seconds_since_send) {
  if (seconds_since_send < kTooFastSeconds)
    return {"too_fast", true};

  std::string ua = lower_ascii(trim(user_agent));
  if (ua.empty() || contains_any(ua, kScannerMarkers))
    return {"scanner", true};

  // Apple's Mail Privacy Protection proxy fetches with a bare generic agent.
  if (ua == "mozilla/5.0")
    return {"apple_mpp", true};
  if (contains_any(ua, kOutlookPrefetchMarkers)) {
    return {"outlook_prefetch", true};
  }

  // Gmail fetches through its proxy when a person views the message.
  if (contains_any(ua, kGmailProxyMarkers))
    return {"gmail_proxy", false};
  return {"human", false};
}

}  // namespace gog::core
