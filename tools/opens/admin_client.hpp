// One authenticated GET against a tracker's admin API (native or Worker).
#pragma once

#include <string>

namespace gog::opens {

struct AdminReply {
  int status = 0;
  std::string body;
};

// GETs base_url + target with "Authorization: Bearer <admin_key>". https://
// verifies the server against the system CA store. Any status is a reply;
// throws gog::Error naming `shown` (the URL as it may be printed: never a
// full tracking id) when the tracker cannot be reached.
AdminReply admin_get(const std::string& base_url, const std::string& target,
                     const std::string& admin_key, const std::string& shown);

}  // namespace gog::opens
