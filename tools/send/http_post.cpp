#include "send/http_post.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <cctype>
#include <memory>
#include <mutex>
#include <sstream>

#include "common/error.hpp"

namespace gog::send {
namespace {

constexpr long kTimeoutSeconds = 60;

// Verifies peers against the system CA store; a certificate that fails is
// rejected outright (Poco's default handler would ask on the console).
Poco::Net::Context::Ptr client_context() {
  static std::once_flag once;
  static Poco::Net::Context::Ptr context;
  std::call_once(once, [] {
    Poco::Net::initializeSSL();
    context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "",
                                     Poco::Net::Context::VERIFY_RELAXED, 9,
                                     true);
    Poco::SharedPtr<Poco::Net::InvalidCertificateHandler> reject =
        new Poco::Net::RejectCertificateHandler(false);
    Poco::Net::SSLManager::instance().initializeClient(nullptr, reject,
                                                       context);
  });
  return context;
}

std::unique_ptr<Poco::Net::HTTPClientSession> open_session(
    const Poco::URI& uri) {
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (uri.getScheme() == "https") {
    session = std::make_unique<Poco::Net::HTTPSClientSession>(
        uri.getHost(), uri.getPort(), client_context());
  } else {
    session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(),
                                                             uri.getPort());
  }
  session->setTimeout(Poco::Timespan(kTimeoutSeconds, 0));
  return session;
}

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
    auto session = open_session(uri);
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST,
                                   uri.getPathEtc(),
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType(content_type);
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    for (const auto& [name, value] : headers) request.set(name, value);
    session->sendRequest(request) << body;

    Poco::Net::HTTPResponse response;
    auto& in = session->receiveResponse(response);
    HttpResponse out;
    out.status = static_cast<int>(response.getStatus());
    Poco::StreamCopier::copyToString(in, out.body);
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
