#include "serve/handler.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <charconv>
#include <chrono>
#include <iostream>

#include "core/admin.hpp"
#include "core/classify.hpp"
#include "core/rules.hpp"

namespace gog::serve {
namespace {

using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

std::int64_t wall_clock_now() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

// The value of `name` in a raw query string, undecoded.
std::optional<std::string_view> query_param(std::string_view query,
                                            std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    if (pair.size() > name.size() && pair.starts_with(name) &&
        pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
  }
  return std::nullopt;
}

// Oversized hits are answered but never decoded or stored, exactly as the
// Worker does (the conformance suite holds both to it): no mail client
// sends a user agent or a pixel URL that long.
bool oversized(const HTTPServerRequest& request) {
  return request.getURI().size() > core::kMaxRequestTargetBytes ||
         request.get("User-Agent", "").size() > core::kMaxUserAgentBytes;
}

std::size_t header_bytes(const HTTPServerRequest& request) {
  std::size_t total = 0;
  for (const auto& [name, value] : request) {
    total += name.size() + value.size() + 4;  // ": " and CRLF
  }
  return total;
}

void send_body(HTTPServerResponse& response, HTTPResponse::HTTPStatus status,
               const std::string& content_type, const std::string& body) {
  response.setStatusAndReason(status);
  response.setContentType(content_type);
  response.setContentLength(static_cast<std::streamsize>(body.size()));
  response.sendBuffer(body.data(), body.size());
}

void send_json(HTTPServerResponse& response, HTTPResponse::HTTPStatus status,
               const std::string& body) {
  send_body(response, status, "application/json", body);
}

void send_error(HTTPServerResponse& response, HTTPResponse::HTTPStatus status,
                std::string_view message) {
  send_json(response, status, core::render_error(message));
}

void send_gif(HTTPServerResponse& response) {
  response.setStatusAndReason(HTTPResponse::HTTP_OK);
  response.setContentType("image/gif");
  response.set("Cache-Control",
               "no-store, no-cache, must-revalidate, max-age=0");
  response.set("Pragma", "no-cache");
  response.set("Expires", "0");
  response.setContentLength(sizeof kPixelGif);
  response.sendBuffer(kPixelGif, sizeof kPixelGif);
}

class TrackerHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit TrackerHandler(const Tracker& tracker) : t_(tracker) {}

  void handleRequest(HTTPServerRequest& request,
                     HTTPServerResponse& response) override;

 private:
  void route(HTTPServerRequest& request, HTTPServerResponse& response);
  void route_admin(HTTPServerRequest& request, HTTPServerResponse& response,
                   std::string_view path, std::string_view query);
  void pixel(HTTPServerRequest& request, HTTPServerResponse& response,
             std::string_view id);
  void query_id(HTTPServerRequest& request, HTTPServerResponse& response,
                std::string_view id);
  void list_opens(HTTPServerRequest& request, HTTPServerResponse& response,
                  std::string_view query);
  void scheduled(HTTPServerRequest& request, HTTPServerResponse& response,
                 std::string_view query);
  bool authorized(HTTPServerRequest& request, HTTPServerResponse& response);
  std::int64_t now(const HTTPServerRequest& request) const;
  std::string client_ip(const HTTPServerRequest& request) const;
  void record_hit(HTTPServerRequest& request, std::string_view id);

  const Tracker& t_;
};

// Unknown failures get a generic 500; the detail goes to stderr, never the
// id or its plaintext.
void TrackerHandler::handleRequest(HTTPServerRequest& request,
                                   HTTPServerResponse& response) {
  try {
    route(request, response);
  } catch (const std::exception& e) {
    std::cerr << "gog serve: error: " << request.getMethod() << " request "
              << "failed: " << e.what() << "\n";
    if (!response.sent()) {
      send_error(response, HTTPResponse::HTTP_INTERNAL_SERVER_ERROR,
                 "internal error");
    }
  }
}

// A pixel is answered whatever its id, like the Worker's: the size check
// covers the other routes (an overlong id simply does not decode).
void TrackerHandler::route(HTTPServerRequest& request,
                           HTTPServerResponse& response) {
  if (header_bytes(request) > kMaxHeaderBytes) {
    return send_error(response,
                      HTTPResponse::HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE,
                      "request headers too large");
  }
  if (request.getMethod() != "GET") {
    response.set("Allow", "GET");
    return send_error(response, HTTPResponse::HTTP_METHOD_NOT_ALLOWED,
                      "method not allowed");
  }

  const std::string& target = request.getURI();
  std::string_view path = target;
  std::string_view query;
  if (auto q = path.find('?'); q != std::string_view::npos) {
    query = path.substr(q + 1);
    path = path.substr(0, q);
  }

  if (path.starts_with("/p/") && path.ends_with(".gif")) {
    return pixel(request, response, path.substr(3, path.size() - 7));
  }
  if (target.size() > core::kMaxRequestTargetBytes) {
    return send_error(response, HTTPResponse::HTTP_REQUEST_URI_TOO_LONG,
                      "request target too long");
  }
  route_admin(request, response, path, query);
}

void TrackerHandler::route_admin(HTTPServerRequest& request,
                                 HTTPServerResponse& response,
                                 std::string_view path,
                                 std::string_view query) {
  if (path.starts_with("/q/")) {
    return query_id(request, response, path.substr(3));
  }
  if (path == "/opens")
    return list_opens(request, response, query);
  if (path == "/health") {
    return send_json(response, HTTPResponse::HTTP_OK, core::render_health());
  }
  if (path == "/__scheduled" && t_.test_clock) {
    return scheduled(request, response, query);
  }
  send_error(response, HTTPResponse::HTTP_NOT_FOUND, "not found");
}

// The hit is queued before the GIF goes out, so an admin read that follows
// the answer is sure to see it; the disk write happens on the writer.
void TrackerHandler::pixel(HTTPServerRequest& request,
                           HTTPServerResponse& response, std::string_view id) {
  try {
    if (!oversized(request))
      record_hit(request, id);
  } catch (const std::exception& e) {
    std::cerr << "gog serve: error: cannot record a pixel hit: " << e.what()
              << "\n";
  }
  send_gif(response);
}

void TrackerHandler::record_hit(HTTPServerRequest& request,
                                std::string_view id) {
  std::string canonical;
  auto payload = open_id(t_.keys, id, &canonical);
  if (!payload)
    return;  // invalid ids never reach the queue

  Hit hit;
  hit.opened_at = now(request);
  hit.ip = client_ip(request);
  hit.user_agent = request.get("User-Agent", "");
  auto kind =
      core::classify_open(hit.user_agent, hit.opened_at - payload->sent_at);
  hit.is_bot = kind.is_bot;
  hit.bot_type = kind.type;
  hit.tracking_id = std::move(canonical);
  hit.payload = std::move(*payload);
  t_.store->record(std::move(hit));
}

void TrackerHandler::query_id(HTTPServerRequest& request,
                              HTTPServerResponse& response,
                              std::string_view id) {
  if (!authorized(request, response))
    return;
  std::string canonical;
  auto payload = open_id(t_.keys, id, &canonical);
  if (!payload) {
    return send_error(response, HTTPResponse::HTTP_BAD_REQUEST,
                      "tracking id does not decode");
  }
  auto report = t_.store->report_for_id(canonical);
  send_json(response, HTTPResponse::HTTP_OK,
            core::render_query(*payload, report.opens, report.dropped));
}

void TrackerHandler::list_opens(HTTPServerRequest& request,
                                HTTPServerResponse& response,
                                std::string_view query) {
  if (!authorized(request, response))
    return;
  std::string error;
  auto parsed = core::parse_opens_query(query, &error);
  if (!parsed) {
    return send_error(response, HTTPResponse::HTTP_BAD_REQUEST, error);
  }
  auto rows = t_.store->list_opens(*parsed);
  send_json(response, HTTPResponse::HTTP_OK,
            core::render_opens(rows, parsed->limit));
}

// Like wrangler's test trigger: `time` in milliseconds sets the scheduled
// time; otherwise "now" as for any request.
void TrackerHandler::scheduled(HTTPServerRequest& request,
                               HTTPServerResponse& response,
                               std::string_view query) {
  std::int64_t at = now(request);
  if (auto time = query_param(query, "time")) {
    if (auto ms = parse_int(*time))
      at = *ms / 1000;
  }
  t_.store->purge(at);
  send_body(response, HTTPResponse::HTTP_OK, "text/plain",
            "Ran scheduled event");
}

bool TrackerHandler::authorized(HTTPServerRequest& request,
                                HTTPServerResponse& response) {
  if (core::bearer_matches(request.get("Authorization", ""), t_.admin_key)) {
    return true;
  }
  response.set("WWW-Authenticate", "Bearer");
  send_error(response, HTTPResponse::HTTP_UNAUTHORIZED, "unauthorized");
  return false;
}

std::int64_t TrackerHandler::now(const HTTPServerRequest& request) const {
  if (t_.test_clock) {
    if (auto v = parse_int(request.get("X-Gog-Test-Now", "")))
      return *v;
  }
  return wall_clock_now();
}

std::string TrackerHandler::client_ip(const HTTPServerRequest& request) const {
  if (t_.proxy_header) {
    std::string value = request.get(*t_.proxy_header, "");
    if (!value.empty())
      return value;
  }
  return request.clientAddress().host().toString();
}

}  // namespace

Poco::Net::HTTPRequestHandler* HandlerFactory::createRequestHandler(
    const Poco::Net::HTTPServerRequest&) {
  return new TrackerHandler(tracker_);
}

}  // namespace gog::serve
