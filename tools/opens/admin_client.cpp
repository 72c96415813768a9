#include "opens/admin_client.hpp"

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

#include <memory>
#include <mutex>

#include "common/error.hpp"

namespace gog::opens {
namespace {

constexpr long kTimeoutSeconds = 30;

Poco::URI tracker_uri(const std::string& base_url) {
  try {
    Poco::URI uri(base_url);
    bool web = uri.getScheme() == "http" || uri.getScheme() == "https";
    if (web && !uri.getHost().empty()) return uri;
  } catch (const Poco::Exception&) {
  }
  throw UsageError("tracker url " + quoted(base_url) +
                       " is not an http(s) URL",
                   "pass --url https://..., or fix worker_url with "
                   "'gog gmail track setup'");
}

// The system CA store; a certificate that does not verify fails the request
// (Poco's default handler would ask on the console instead).
Poco::Net::Context::Ptr tls_context() {
  static std::once_flag once;
  static Poco::Net::Context::Ptr context;
  std::call_once(once, [] {
    Poco::Net::initializeSSL();
    context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "",
                                     Poco::Net::Context::VERIFY_STRICT, 9,
                                     true);
    Poco::SharedPtr<Poco::Net::InvalidCertificateHandler> reject =
        new Poco::Net::RejectCertificateHandler(false);
    Poco::Net::SSLManager::instance().initializeClient(nullptr, reject,
                                                       context);
  });
  return context;
}

std::unique_ptr<Poco::Net::HTTPClientSession> session_for(
    const Poco::URI& uri) {
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (uri.getScheme() == "https") {
    session = std::make_unique<Poco::Net::HTTPSClientSession>(
        uri.getHost(), uri.getPort(), tls_context());
  } else {
    session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(),
                                                             uri.getPort());
  }
  session->setTimeout(Poco::Timespan(kTimeoutSeconds, 0));
  return session;
}

}  // namespace

AdminReply admin_get(const std::string& base_url, const std::string& target,
                     const std::string& admin_key, const std::string& shown) {
  auto uri = tracker_uri(base_url);
  std::string path = uri.getPath();
  while (!path.empty() && path.back() == '/') path.pop_back();
  try {
    auto session = session_for(uri);
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET,
                                   path + target,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Authorization", "Bearer " + admin_key);
    request.set("User-Agent", "gog-opens");
    session->sendRequest(request);

    Poco::Net::HTTPResponse response;
    auto& in = session->receiveResponse(response);
    AdminReply reply;
    reply.status = static_cast<int>(response.getStatus());
    Poco::StreamCopier::copyToString(in, reply.body);
    return reply;
  } catch (const Poco::Exception& e) {
    throw Error("cannot reach tracker " + quoted(shown) + ": " +
                    e.displayText(),
                "start it with 'gog gmail track serve', or check --url, "
                "GOG_TRACKER_URL and the account's worker_url");
  }
}

}  // namespace gog::opens
