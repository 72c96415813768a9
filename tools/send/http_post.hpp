// One HTTP(S) POST with Poco, for the OAuth token endpoint and the Gmail
// API. https:// verifies the server against the system's CA store and the
// host name; http:// exists for loopback stand-ins in tests.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace gog::send {

struct HttpResponse {
  int status = 0;
  std::string body;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// POSTs body to url and returns whatever status came back. Throws
// gog::Error naming the URL (never a header: they carry tokens) for a URL
// that is not http(s) and when no response arrives within 60 seconds.
HttpResponse http_post(const std::string& url, const std::string& content_type,
                       const std::string& body,
                       const HttpHeaders& headers = {});

// application/x-www-form-urlencoded encoding of one value.
std::string form_encode(std::string_view value);

}  // namespace gog::send
