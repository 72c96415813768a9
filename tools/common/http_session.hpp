// HTTP(S) client sessions for the tools that talk to a web API (the Gmail
// API, the tracker's admin routes). https verifies the server against the
// system CA store and its host name; a certificate that fails is rejected
// outright (Poco's default handler would prompt on the console).
#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/URI.h>

#include <memory>

namespace gog {

// A session to uri's host and port: HTTPSClientSession for https,
// HTTPClientSession for http, with a send/receive timeout.
std::unique_ptr<Poco::Net::HTTPClientSession> open_http_session(
    const Poco::URI& uri, long timeout_seconds = 30);

}  // namespace gog
