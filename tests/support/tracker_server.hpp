// A real gog-serve on a free loopback port, with the vector keys in its
// environment and the test clock on, plus a small HTTP client for it.
// Header-only so that each test binary that starts a tracker can include it.
#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/tracking_keys.hpp"
#include "support/test_support.hpp"

extern char** environ;

namespace gog::test {

constexpr const char* kAdminKey = "test-admin-key-0123456789";

struct HttpResult {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
};

// One GET on its own connection.
inline HttpResult http_get(
    int port, const std::string& target,
    const std::map<std::string, std::string>& headers = {}) {
  Poco::Net::HTTPClientSession session("127.0.0.1",
                                       static_cast<Poco::UInt16>(port));
  session.setTimeout(Poco::Timespan(30, 0));
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, target,
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [name, value] : headers)
    request.set(name, value);
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  auto& in = session.receiveResponse(response);
  HttpResult result;
  result.status = response.getStatus();
  Poco::StreamCopier::copyToString(in, result.body);
  for (const auto& [name, value] : response)
    result.headers[name] = value;
  return result;
}

inline std::map<std::string, std::string> admin_headers() {
  return {{"Authorization", std::string("Bearer ") + kAdminKey}};
}

// The environment of a tracker holding vector keys 1-3, key 1 also legacy.
inline std::map<std::string, std::string> vector_key_env() {
  auto keys = data_json("tracking-ids.json")["keys"];
  return {{"TRACKING_KEY_V1", keys["1"]}, {"TRACKING_KEY_V2", keys["2"]},
          {"TRACKING_KEY_V3", keys["3"]}, {"TRACKING_KEY", keys["1"]},
          {"ADMIN_KEY", kAdminKey},       {"GOG_TEST_CLOCK", "1"}};
}

// The same keys as a KeySet, to seal fresh ids with key 1.
inline KeySet vector_key_set() {
  auto env = vector_key_env();
  return load_keys([&](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string(name));
    if (it == env.end())
      return std::nullopt;
    return it->second;
  });
}

class TrackerServer {
 public:
  // Starts gog-serve with env (replacing the vector keys when given) and
  // waits until /health answers.
  explicit TrackerServer(
      std::map<std::string, std::string> env = vector_key_env(),
      std::vector<std::string> extra_args = {},
      std::optional<fs::path> db = std::nullopt)
      : port_(free_port()), db_(db ? *db : dir_ / "tracker.db") {
    std::vector<std::string> args = {
        "--listen", "127.0.0.1:" + std::to_string(port_), "--db", db_.string()};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    env["GOG_CONFIG_DIR"] = (dir_ / "config").string();
    env["GOG_STATE_DIR"] = (dir_ / "state").string();
    spawn(args, env);
    wait_healthy();
  }

  ~TrackerServer() { stop(); }

  // SIGTERM, then the exit code (0 expected).
  int stop() {
    if (pid_ <= 0)
      return exit_code_;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    exit_code_ =
        WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_code_;
  }

  int port() const { return port_; }
  const fs::path& db() const { return db_; }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_);
  }
  std::string stderr_text() const { return data_file(dir_ / "stderr.txt"); }

  HttpResult get(const std::string& target,
                 const std::map<std::string, std::string>& headers = {}) {
    return http_get(port_, target, headers);
  }

 private:
  static std::string data_file(const fs::path& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  void spawn(const std::vector<std::string>& args,
             const std::map<std::string, std::string>& env) {
    std::string exe = std::string(GOG_BIN_DIR) + "/gog-serve";
    std::vector<std::string> argv_s{exe};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::map<std::string, std::string> vars;
    for (char** e = environ; *e; ++e) {
      std::string entry = *e;
      auto eq = entry.find('=');
      if (eq == std::string::npos)
        continue;
      // Keys come only from this test, never from the caller's shell.
      std::string name = entry.substr(0, eq);
      if (name.starts_with("TRACKING_") || name == "ADMIN_KEY")
        continue;
      vars[name] = entry.substr(eq + 1);
    }
    for (const auto& [k, v] : env)
      vars[k] = v;
    std::vector<std::string> env_s;
    for (const auto& [k, v] : vars)
      env_s.push_back(k + "=" + v);

    auto c_strings = [](std::vector<std::string>& items) {
      std::vector<char*> out;
      for (auto& s : items)
        out.push_back(s.data());
      out.push_back(nullptr);
      return out;
    };
    auto argv_c = c_strings(argv_s);
    auto env_c = c_strings(env_s);
    std::string err_path = (dir_ / "stderr.txt").string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int rc = posix_spawn(&pid_, exe.c_str(), &actions, nullptr, argv_c.data(),
                         env_c.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0)
      throw std::runtime_error("cannot start " + exe);
  }

  // Polls /health; a tracker that exits early fails with its stderr.
  void wait_healthy() {
    for (int i = 0; i < 200; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("gog-serve exited: " + stderr_text());
      }
      try {
        if (get("/health").status == 200)
          return;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("gog-serve did not answer /health");
  }

  TempDir dir_;
  int port_;
  fs::path db_;
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

}  // namespace gog::test
