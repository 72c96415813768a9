#include "serve/serve.hpp"

#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

#include "common/config.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/keyring.hpp"
#include "common/tool_main.hpp"
#include "serve/handler.hpp"

namespace gog::serve {
namespace {

// Each keep-alive connection holds a thread, so the pool bounds how many
// clients are served at once; more wait in the listen queue.
constexpr int kMaxThreads = 64;
constexpr int kListenBacklog = 1024;
constexpr int kRequestTimeoutSeconds = 10;
constexpr int kKeepAliveSeconds = 5;

struct Options {
  std::string listen = "127.0.0.1:8787";
  std::string db;
  std::string account;
  std::string trust_proxy_header;
};

std::optional<Options> parse_options(std::vector<std::string> args) {
  Options o;
  CLI::App app{"Serve the tracking pixel and the admin API on this machine",
               "gog gmail track serve"};
  app.add_option("--listen", o.listen, "address:port to listen on")
      ->capture_default_str();
  app.add_option("--db", o.db, "SQLite database (default: state dir)");
  app.add_option("--account", o.account, "account whose keyring keys to use");
  app.add_option("--trust-proxy-header", o.trust_proxy_header,
                 "header holding the client IP, set by your reverse proxy");
  if (!parse_args(app, std::move(args)))
    return std::nullopt;
  return o;
}

Poco::Net::SocketAddress listen_address(const std::string& text) {
  try {
    return Poco::Net::SocketAddress(text);
  } catch (const Poco::Exception& e) {
    throw UsageError(
        "bad --listen address " + quoted(text) + ": " + e.displayText(),
        "use HOST:PORT, for example 127.0.0.1:8787");
  }
}

std::string resolve_account(const std::string& flag) {
  try {
    return Config::load().resolve_account(flag);
  } catch (const UsageError&) {
    throw UsageError(
        "no tracking keys and admin key in the environment, "
        "and no account to read them from",
        "set TRACKING_KEY and ADMIN_KEY, or pass --account EMAIL "
        "after 'gog gmail track setup'");
  }
}

std::string keyring_admin_key(const std::string& account) {
  auto key = open_keyring()->get(account, "ADMIN_KEY");
  if (!key || key->empty()) {
    throw UsageError("no ADMIN_KEY for account " + quoted(account),
                     "set ADMIN_KEY, or run 'gog gmail track setup --account " +
                         account + "'");
  }
  return *key;
}

// The environment wins, as for the Worker; the keyring fills what it lacks.
Tracker load_tracker(const Options& o) {
  Tracker t;
  bool env_keys = keys_in_environment();
  auto admin = env("ADMIN_KEY");
  std::string account;
  if (!env_keys || !admin)
    account = resolve_account(o.account);

  t.keys =
      env_keys ? load_keys(environment_lookup()) : keys_for_account(account);
  t.admin_key = admin ? *admin : keyring_admin_key(account);
  if (t.admin_key.empty()) {
    throw UsageError("ADMIN_KEY is empty", "set it to a long random token");
  }
  if (t.keys.versions.empty() && !t.keys.legacy) {
    throw UsageError("no tracking key", "set TRACKING_KEY or TRACKING_KEY_V1");
  }
  if (!o.trust_proxy_header.empty())
    t.proxy_header = o.trust_proxy_header;
  t.test_clock = env("GOG_TEST_CLOCK") == std::optional<std::string>("1");
  return t;
}

std::filesystem::path db_path(const Options& o) {
  if (!o.db.empty())
    return o.db;
  return state_dir() / "tracker.db";
}

std::int64_t unix_now() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

// Blocked before any thread starts, so every thread inherits the mask and
// the signals arrive only at sigwait().
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

// Runs the retention purge once a day until destroyed.
class DailyPurge {
 public:
  explicit DailyPurge(Store& store)
      : thread_([this, &store] { loop(store); }) {}
  ~DailyPurge() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  void loop(Store& store) {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::hours(24),
                           [this] { return stop_; })) {
      store.purge(unix_now());
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

Poco::Net::ServerSocket open_socket(const Poco::Net::SocketAddress& address) {
  try {
    return Poco::Net::ServerSocket(address, kListenBacklog);
  } catch (const Poco::Exception& e) {
    throw Error("cannot listen on " + quoted(address.toString()) + ": " +
                    e.displayText(),
                "pass --listen with a free port");
  }
}

Poco::Net::HTTPServerParams::Ptr server_params() {
  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(kMaxThreads);
  params->setMaxQueued(kListenBacklog);
  params->setKeepAlive(true);
  params->setTimeout(Poco::Timespan(kRequestTimeoutSeconds, 0));
  params->setKeepAliveTimeout(Poco::Timespan(kKeepAliveSeconds, 0));
  params->setServerName("gog-serve");
  return params;
}

int serve_until_signal(Tracker& tracker, Poco::Net::ServerSocket& socket,
                       const sigset_t& signals) {
  Poco::ThreadPool pool(2, kMaxThreads);
  Poco::Net::HTTPServer server(new HandlerFactory(tracker), pool, socket,
                               server_params());
  server.start();
  std::cerr << "gog serve: listening on http://" << socket.address().toString()
            << "\n";

  int sig = 0;
  sigwait(&signals, &sig);
  server.stopAll(true);
  pool.joinAll();
  return sig == SIGINT ? kExitInterrupted : kExitOk;
}

}  // namespace

int run(std::vector<std::string> args) {
  auto options = parse_options(std::move(args));
  if (!options)
    return kExitOk;
  auto address = listen_address(options->listen);
  Tracker tracker = load_tracker(*options);

  sigset_t signals = block_stop_signals();
  Store store(db_path(*options));
  store.purge(unix_now());
  tracker.store = &store;

  auto socket = open_socket(address);
  DailyPurge daily(store);
  return serve_until_signal(tracker, socket, signals);
}

}  // namespace gog::serve
