// Bot classification of one open.
//
// Every open that passes dedupe and the cap is stored with its type;
// classification labels, it never drops. Rules, first match wins:
//   too_fast          seconds_since_send < kTooFastSeconds (signed: an open
//                     "before" sending is a machine's too)
//   scanner           security gateways, HTTP libraries, headless browsers,
//                     crawlers, an empty user agent
//   apple_mpp         Apple Mail Privacy Protection's bare "Mozilla/5.0"
//   outlook_prefetch  Microsoft's link and image prefetchers
//   gmail_proxy       Google's image proxy (GoogleImageProxy / ggpht.com):
//                     a person viewing the message, so human
//   human             everything else
// Matching is ASCII case-insensitive.
#pragma once

#include <cstdint>
#include <string_view>

namespace gog::core {

struct Classification {
  std::string_view type;  // one of the names above, static storage
  bool is_bot = false;    // false only for gmail_proxy and human
};

Classification classify_open(std::string_view user_agent,
                             std::int64_t seconds_since_send);

}  // namespace gog::core
