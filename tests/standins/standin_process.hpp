// Starts the Cloudflare API stand-in (cf-api-standin) for a test, points
// wrangler at it through the environment, and reads back what it recorded.
// Header-only so each test binary can include it.
#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/test_support.hpp"

namespace gog::test {

class CloudflareStandIn {
 public:
  static constexpr const char* kToken = "standin-token";
  static constexpr const char* kAccount = "standin-account";

  // extra_args go to cf-api-standin, e.g. with_live_tracker(port).
  explicit CloudflareStandIn(const fs::path& dir,
                             std::vector<std::string> extra_args = {})
      : home_(dir / "home"), extra_args_(std::move(extra_args)) {
    fs::create_directories(home_);
    start(dir / "cloudflare.sqlite");
  }

  // Arguments that make the stand-in run a real gog-serve on port with the
  // deployed script's secrets, as the live Worker (live.hpp).
  static std::vector<std::string> with_live_tracker(int port) {
    return {"--live-tracker", std::string(GOG_BIN_DIR) + "/gog-serve",
            "--live-port", std::to_string(port)};
  }

  // Stops or starts the live tracker.
  void set_live(bool running) const {
    request("POST", "/__standin/live",
            nlohmann::json{{"running", running}}.dump());
  }

  ~CloudflareStandIn() {
    kill(pid_, SIGTERM);
    int status;
    waitpid(pid_, &status, 0);
  }

  int port() const { return port_; }
  std::string base_url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/client/v4";
  }

  // What wrangler needs to talk to the stand-in and nothing else.
  std::map<std::string, std::optional<std::string>> wrangler_env() const {
    return {{"CLOUDFLARE_API_BASE_URL", base_url()},
            {"CLOUDFLARE_API_TOKEN", kToken},
            {"CLOUDFLARE_ACCOUNT_ID", kAccount},
            {"HOME", home_.string()},
            {"XDG_CONFIG_HOME", (home_ / ".config").string()}};
  }

  nlohmann::json state() const { return request("GET", "/__standin/state"); }

  // Makes the next `times` requests matching method and path part fail.
  void fail(const std::string& method, const std::string& path_contains,
            int times = 1) const {
    request("POST", "/__standin/fail",
            nlohmann::json{{"method", method},
                           {"path_contains", path_contains},
                           {"status", 500},
                           {"code", 10013},
                           {"message", "injected failure"},
                           {"times", times}}
                .dump());
  }

 private:
  void start(const fs::path& db) {
    std::string exe = std::string(GOG_BIN_DIR) + "/cf-api-standin";
    int out[2];
    if (pipe(out)) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::string db_s = db.string();
    std::vector<std::string> args{exe, "--db", db_s, "--port", "0"};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = posix_spawn(&pid_, exe.c_str(), &actions, nullptr, argv.data(),
                         environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (rc != 0) throw std::runtime_error("cannot start " + exe);
    port_ = read_port(out[0]);
    close(out[0]);
  }

  static int read_port(int fd) {
    std::string line;
    char c;
    while (read(fd, &c, 1) == 1 && c != '\n') line += c;
    if (line.empty()) throw std::runtime_error("stand-in printed no port");
    return std::stoi(line);
  }

  nlohmann::json request(const std::string& method, const std::string& path,
                         const std::string& body = {}) const {
    Poco::Net::HTTPClientSession session("127.0.0.1", port_);
    Poco::Net::HTTPRequest req(method, path, "HTTP/1.1");
    req.setContentType("application/json");
    req.setContentLength(body.size());
    session.sendRequest(req) << body;
    Poco::Net::HTTPResponse response;
    std::string text;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), text);
    return nlohmann::json::parse(text);
  }

  fs::path home_;
  std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// worker/ with its pinned npm packages; fails the test run (never skips)
// when ./dev deps has not installed them.
inline fs::path worker_dir_with_wrangler() {
  fs::path worker = fs::path(GOG_SOURCE_DIR) / "worker";
  if (!fs::exists(worker / "node_modules" / ".bin" / "wrangler"))
    throw std::runtime_error(
        "worker/node_modules/.bin/wrangler is missing: run ./dev deps");
  return worker;
}

}  // namespace gog::test
