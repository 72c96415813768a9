#include "conformance/target.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "support/test_support.hpp"

namespace gog::conformance {
namespace {

std::string required_env(const char* name) {
  const char* value = std::getenv(name);
  if (value && *value) return value;
  throw std::runtime_error(
      std::string(name) +
      " is not set: run the suite through tests/conformance/run.sh "
      "native|worker (or ctest -R conformance), which starts the target");
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string from_hex(const std::string& hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return bytes;
}

}  // namespace

json Response::parsed() const { return json::parse(body); }

Target::Target(const char* url_variable) {
  Poco::URI uri(required_env(url_variable));
  host_ = uri.getHost();
  port_ = uri.getPort();
  admin_key_ = required_env("GOG_CONFORMANCE_ADMIN_KEY");
  scheduled_path_ = required_env("GOG_CONFORMANCE_SCHEDULED");
}

Response Target::request(const std::string& method, const std::string& target,
                         const Headers& headers) const {
  Poco::Net::HTTPClientSession session(host_, port_);
  session.setTimeout(Poco::Timespan(30, 0));
  Poco::Net::HTTPRequest request(method, target,
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [name, value] : headers) request.set(name, value);
  session.sendRequest(request);

  Poco::Net::HTTPResponse response;
  std::istream& body = session.receiveResponse(response);
  Response out;
  out.status = response.getStatus();
  for (const auto& [name, value] : response) {
    out.headers[lowercase(name)] = value;
  }
  Poco::StreamCopier::copyToString(body, out.body);
  return out;
}

Response Target::get(const std::string& target, const Headers& headers) const {
  return request("GET", target, headers);
}

Response Target::admin(const std::string& target) const {
  return get(target, {{"Authorization", "Bearer " + admin_key_}});
}

Response Target::pixel(const std::string& id, const std::string& ip,
                       const std::string& user_agent, std::int64_t now,
                       const Headers& extra) const {
  Headers headers = extra;
  headers["CF-Connecting-IP"] = ip;
  headers["User-Agent"] = user_agent;
  headers["X-Gog-Test-Now"] = std::to_string(now);
  return get("/p/" + id + ".gif", headers);
}

json Target::query(const std::string& id) const {
  Response r = admin("/q/" + id);
  EXPECT_EQ(r.status, 200) << r.body;
  return r.status == 200 ? r.parsed() : json::object();
}

std::int64_t Target::settle(const std::function<std::int64_t()>& read) const {
  // Opens land after the response; a value is settled when it has not
  // changed over several reads. Bounded, so a stuck target fails the test.
  constexpr int kStableReads = 4;
  constexpr int kMaxReads = 200;
  std::int64_t last = read();
  int stable = 1;
  for (int i = 0; i < kMaxReads && stable < kStableReads; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::int64_t now = read();
    stable = now == last ? stable + 1 : 1;
    last = now;
  }
  return last;
}

std::int64_t Target::settled_opens(const std::string& id) const {
  return settle([&] { return query(id).value("total_opens", -1); });
}

std::int64_t Target::settled_recipient_opens(
    const std::string& recipient) const {
  return settle([&] {
    Response r =
        admin("/opens?limit=500&recipient=" + url_encode(recipient));
    return r.status == 200 ? r.parsed().value("count", -1) : -1;
  });
}

const KeySet& vector_keys() {
  static const KeySet keys = [] {
    json data = test::data_json("tracking-ids.json");
    std::map<std::string, std::string> env = {
        {"TRACKING_CURRENT_KEY_VERSION", "1"}};
    for (const auto& [version, key] : data["keys"].items()) {
      env["TRACKING_KEY_V" + version] = key.get<std::string>();
    }
    return load_keys([env](std::string_view name) {
      auto it = env.find(std::string(name));
      return it == env.end() ? std::nullopt
                             : std::optional<std::string>(it->second);
    });
  }();
  return keys;
}

std::string seal(const std::string& recipient, std::int64_t sent_at,
                 const std::string& subject_hash) {
  return seal_id(vector_keys(), {recipient, subject_hash, sent_at});
}

std::string unique_recipient(const std::string& tag) {
  static std::mt19937_64 random{std::random_device{}()};
  return tag + "-" + std::to_string(random() % 1000000000) + "@example.com";
}

std::string url_encode(const std::string& value) {
  std::string out;
  Poco::URI::encode(value, "!#$&'()*+,/:;=?@[]%", out);
  return out;
}

std::string pixel_gif() {
  static const std::string gif = from_hex(
      test::data_json("tracking-ids.json")["pixel_gif_hex"].get<std::string>());
  return gif;
}

namespace {

// A thread that throws would end the whole suite: report it as a failure.
void guarded(const std::function<void()>& job) {
  try {
    job();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "request failed: " << e.what();
  }
}

}  // namespace

// At most kMaxThreads at once: enough to race every check against every
// insert, and no more connections than a loaded 2-core machine accepts.
void run_concurrently(const std::vector<std::function<void()>>& jobs) {
  constexpr std::size_t kMaxThreads = 32;
  if (jobs.size() > kMaxThreads) {
    return run_pooled(jobs, static_cast<int>(kMaxThreads));
  }
  std::vector<std::thread> threads;
  threads.reserve(jobs.size());
  for (const auto& job : jobs) threads.emplace_back(guarded, std::cref(job));
  for (auto& thread : threads) thread.join();
}

void run_pooled(const std::vector<std::function<void()>>& jobs, int threads) {
  std::atomic<std::size_t> next = 0;
  std::vector<std::function<void()>> workers(threads, [&] {
    for (std::size_t i = next++; i < jobs.size(); i = next++) jobs[i]();
  });
  run_concurrently(workers);
}

}  // namespace gog::conformance
