// The HTTP API of docs/architecture.md on Poco, the same routes, headers
// and JSON as the Worker:
//   GET /p/<id>.gif   always 200 + the 43-byte GIF; a hit whose id opens is
//                     queued for the writer before the answer goes out
//   GET /q/<id>       admin: the id's opens (400 when it does not decode)
//   GET /opens        admin: recipient, since, limit (400 on bad values)
//   GET /health       {"ok":true}
//   GET /__scheduled  only with GOG_TEST_CLOCK=1: runs the daily purge, like
//                     `wrangler dev --test-scheduled`
// Every other path is 404, every other method 405, a request target over
// core::kMaxRequestTargetBytes 414, headers over kMaxHeaderBytes in total
// 431 (Poco itself answers 400 to a malformed request and to one header
// field over 8 KB). Errors are JSON {"error": ...}.
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <optional>
#include <string>

#include "common/tracking_keys.hpp"
#include "serve/store.hpp"

namespace gog::serve {

constexpr std::size_t kMaxHeaderBytes = 16 * 1024;

// The 1x1 transparent GIF every pixel request gets.
inline constexpr unsigned char kPixelGif[43] = {
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80,
    0x00, 0x00, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x21, 0xf9, 0x04,
    0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b};

struct Tracker {
  KeySet keys;
  std::string admin_key;
  Store* store = nullptr;
  // Header holding the client IP (set by a reverse proxy we trust); the
  // socket peer otherwise. X-Forwarded-For is never read unless named here.
  std::optional<std::string> proxy_header;
  // GOG_TEST_CLOCK=1: X-Gog-Test-Now sets "now", /__scheduled exists.
  bool test_clock = false;
};

class HandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit HandlerFactory(const Tracker& tracker) : tracker_(tracker) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest& request) override;

 private:
  const Tracker& tracker_;
};

}  // namespace gog::serve
