#include "send/http_post.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <cctype>
#include <iostream>

#include "common/error.hpp"
#include "common/files.hpp"
#include "common/http_session.hpp"

namespace gog::send {
namespace {

constexpr long kTimeoutSeconds = 60;

Poco::URI parse_url(const std::string& url) {
  try {
    Poco::URI uri(url);
    if ((uri.getScheme() == "https" || uri.getScheme() == "http") &&
        !uri.getHost().empty())
      return uri;
  } catch (const Poco::Exception&) {
  }
  throw Error("url " + gog::quoted(url) + ": not an http(s) URL",
              "check GOG_GMAIL_API_URL and GOG_OAUTH_TOKEN_URL");
}

}  // namespace

HttpResponse http_post(const std::string& url, const std::string& content_type,
                       const std::string& body, const HttpHeaders& headers) {
  auto uri = parse_url(url);
  try {
    auto session = open_http_session(uri, kTimeoutSeconds);
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST,
                                   uri.getPathEtc(),
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType(content_type);
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    for (const auto& [name, value] : headers)
      request.set(name, value);
    session->sendRequest(request) << body;

    Poco::Net::HTTPResponse response;
    auto& in = session->receiveResponse(response);
    HttpResponse out;
    out.status = static_cast<int>(response.getStatus());
    Poco::StreamCopier::copyToString(in, out.body);
    // The URL and status only: headers and bodies carry tokens.
    if (env("GOG_TRACE").value_or("") == "1")
      std::cerr << "gog: trace: POST " << url << " -> " << out.status << "\n";
    return out;
  } catch (const Poco::Exception& e) {
    throw Error("POST " + gog::quoted(url) + " failed: " + e.displayText(),
                "check the network and the URL");
  }
}

std::string form_encode(std::string_view value) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace gog::send
