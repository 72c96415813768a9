// The HTTP side of the Cloudflare API stand-in: routes what wrangler 4
// calls under /client/v4, answers in Cloudflare's envelope
//   {"success":true,"errors":[],"messages":[],"result":...}
// and rejects what Cloudflare rejects (bad token, unknown ids, bad SQL).
//
// Test-only routes, never under /client/v4 and not authenticated:
//   GET  /__standin/state   everything recorded (see store.hpp)
//   POST /__standin/fail    {"method","path_contains","status","code",
//                            "message","times"}: the next `times` matching
//                            requests fail with that Cloudflare error
//   POST /__standin/live    {"running":bool}: stops or starts the live
//                           tracker (live.hpp), when there is one
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "store.hpp"

namespace standin {

struct ApiConfig {
  std::string token;    // the only bearer token accepted
  std::string account;  // the only account id that exists
  // Optional hooks for the live tracker (live.hpp): called after every
  // successful change request with its path, and by POST /__standin/live.
  std::function<void(const std::string& path)> after_change = {};
  std::function<void(bool running)> set_live = {};
};

// One factory for the server; every request runs under one mutex.
Poco::Net::HTTPRequestHandlerFactory* make_factory(Store& store,
                                                   ApiConfig config);

}  // namespace standin
