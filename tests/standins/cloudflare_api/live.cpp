#include "live.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <iostream>
#include <regex>
#include <thread>
#include <vector>

extern char** environ;

namespace standin {
namespace {

// The Worker's own variables: the only secrets the tracker is given.
bool tracker_variable(const std::string& name) {
  return name.rfind("TRACKING_KEY", 0) == 0 ||
         name == "TRACKING_CURRENT_KEY_VERSION" || name == "ADMIN_KEY";
}

// Ours minus anything key-like, so the tracker sees only the script's
// secrets and never the test's keyring.
std::vector<std::string> tracker_environment(
    const std::map<std::string, std::string>& secrets,
    const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    std::string name = entry.substr(0, entry.find('='));
    if (!tracker_variable(name) && name.rfind("GOG_", 0) != 0)
      out.push_back(entry);
  }
  for (const auto& [name, value] : secrets)
    if (tracker_variable(name))
      out.push_back(name + "=" + value);
  out.push_back("GOG_CONFIG_DIR=" + (dir / "config").string());
  out.push_back("GOG_STATE_DIR=" + (dir / "state").string());
  return out;
}

std::vector<char*> c_array(std::vector<std::string>& items) {
  std::vector<char*> out;
  for (auto& s : items)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

bool healthy(int port) {
  try {
    Poco::Net::HTTPClientSession session("127.0.0.1",
                                         static_cast<Poco::UInt16>(port));
    session.setTimeout(Poco::Timespan(2, 0));
    Poco::Net::HTTPRequest request("GET", "/health", "HTTP/1.1");
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    session.receiveResponse(response);
    return response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

LiveTracker::LiveTracker(std::string exe, int port, std::filesystem::path dir,
                         Store& store)
    : exe_(std::move(exe)), port_(port), dir_(std::move(dir)), store_(store) {
  std::filesystem::create_directories(dir_);
}

LiveTracker::~LiveTracker() {
  stop();
}

void LiveTracker::script_changed(const std::string& api_path) {
  static const std::regex script(".*/workers/scripts/([^/]+)(/.*)?$");
  std::smatch m;
  if (!std::regex_match(api_path, m, script))
    return;
  std::map<std::string, std::string> secrets;
  for (const auto& [name, value] : store_.secret_values(m[1]))
    if (tracker_variable(name))
      secrets[name] = value;
  if (secrets == secrets_)
    return;
  secrets_ = std::move(secrets);
  restart();
}

void LiveTracker::set_running(bool running) {
  wanted_ = running;
  restart();
}

void LiveTracker::restart() {
  stop();
  // gog-serve refuses to start without an admin key and a tracking key,
  // as a Worker without them would answer nothing useful.
  bool has_key = false;
  for (const auto& [name, value] : secrets_)
    has_key = has_key || name.rfind("TRACKING_KEY", 0) == 0;
  bool configured = has_key && secrets_.count("ADMIN_KEY");
  if (!wanted_ || !configured)
    return;
  spawn();
  wait_healthy();
}

void LiveTracker::stop() {
  if (pid_ <= 0)
    return;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void LiveTracker::spawn() {
  std::string listen = "127.0.0.1:" + std::to_string(port_);
  std::string db = (dir_ / "tracker.db").string();
  std::vector<std::string> argv{exe_, "--listen", listen, "--db", db};
  auto env = tracker_environment(secrets_, dir_);
  auto argv_c = c_array(argv);
  auto env_c = c_array(env);
  std::string log = (dir_ / "stderr.txt").string();

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  int rc = posix_spawn(&pid_, exe_.c_str(), &actions, nullptr, argv_c.data(),
                       env_c.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    std::cerr << "cf-api-standin: cannot start " << exe_ << "\n";
  }
}

// A restart completes before the API call that caused it answers, so the
// next request sees the new secrets (Cloudflare's propagation is faster
// than any client would notice; the canary retries regardless).
void LiveTracker::wait_healthy() {
  for (int i = 0; i < 400 && pid_ > 0; ++i) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      std::cerr << "cf-api-standin: live tracker exited; see "
                << (dir_ / "stderr.txt").string() << "\n";
      return;
    }
    if (healthy(port_))
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
}

}  // namespace standin
