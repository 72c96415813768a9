#include "opens/admin_client.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include "common/error.hpp"
#include "common/http_session.hpp"

namespace gog::opens {
namespace {

constexpr long kTimeoutSeconds = 30;

Poco::URI tracker_uri(const std::string& base_url) {
  try {
    Poco::URI uri(base_url);
    bool web = uri.getScheme() == "http" || uri.getScheme() == "https";
    if (web && !uri.getHost().empty())
      return uri;
  } catch (const Poco::Exception&) {
  }
  throw UsageError("tracker url " + quoted(base_url) + " is not an http(s) URL",
                   "pass --url https://..., or fix worker_url with "
                   "'gog gmail track setup'");
}

}  // namespace

AdminReply admin_get(const std::string& base_url, const std::string& target,
                     const std::string& admin_key, const std::string& shown) {
  auto uri = tracker_uri(base_url);
  std::string path = uri.getPath();
  while (!path.empty() && path.back() == '/')
    path.pop_back();
  try {
    auto session = open_http_session(uri, kTimeoutSeconds);
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
    throw Error(
        "cannot reach tracker " + quoted(shown) + ": " + e.displayText(),
        "start it with 'gog gmail track serve', or check --url, "
        "GOG_TRACKER_URL and the account's worker_url");
  }
}

}  // namespace gog::opens
