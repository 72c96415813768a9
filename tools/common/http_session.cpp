#include "common/http_session.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>

#include <mutex>

namespace gog {
namespace {

Poco::Net::Context::Ptr tls_client_context() {
  static std::once_flag once;
  static Poco::Net::Context::Ptr context;
  std::call_once(once, [] {
    Poco::Net::initializeSSL();
    context =
        new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "",
                               Poco::Net::Context::VERIFY_STRICT, 9, true);
    Poco::SharedPtr<Poco::Net::InvalidCertificateHandler> reject =
        new Poco::Net::RejectCertificateHandler(false);
    Poco::Net::SSLManager::instance().initializeClient(nullptr, reject,
                                                       context);
  });
  return context;
}

}  // namespace

std::unique_ptr<Poco::Net::HTTPClientSession> open_http_session(
    const Poco::URI& uri, long timeout_seconds) {
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (uri.getScheme() == "https") {
    session = std::make_unique<Poco::Net::HTTPSClientSession>(
        uri.getHost(), uri.getPort(), tls_client_context());
  } else {
    session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(),
                                                             uri.getPort());
  }
  session->setTimeout(Poco::Timespan(timeout_seconds, 0));
  return session;
}

}  // namespace gog
