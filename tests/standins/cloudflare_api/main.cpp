// cf-api-standin: a loopback stand-in of the Cloudflare API for tests.
//
//   cf-api-standin --db state.sqlite [--port 0] [--token T] [--account A]
//       [--live-tracker PATH_TO_gog-serve --live-port P]   (see live.hpp)
//
// Prints the port it listens on (127.0.0.1 only) as the first stdout line,
// then serves until SIGTERM or SIGINT.
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/ServerSocket.h>
#include <signal.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "api.hpp"
#include "live.hpp"

namespace {

struct Args {
  std::string db;
  int port = 0;
  standin::ApiConfig api{"standin-token", "standin-account"};
  std::string live_tracker;
  int live_port = 0;
};

Args parse(int argc, char** argv) {
  Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    std::string value = argv[i + 1];
    if (flag == "--db") {
      args.db = value;
    } else if (flag == "--port") {
      args.port = std::stoi(value);
    } else if (flag == "--token") {
      args.api.token = value;
    } else if (flag == "--account") {
      args.api.account = value;
    } else if (flag == "--live-tracker") {
      args.live_tracker = value;
    } else if (flag == "--live-port") {
      args.live_port = std::stoi(value);
    } else {
      throw std::invalid_argument("unknown flag " + flag);
    }
  }
  if (args.db.empty()) throw std::invalid_argument("--db is required");
  return args;
}

int wait_for_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  sigwait(&set, &sig);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Args args = parse(argc, argv);

    // Block the signals before any thread starts so only sigwait sees them.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);

    standin::Store store(args.db);
    std::unique_ptr<standin::LiveTracker> live;
    if (!args.live_tracker.empty()) {
      auto dir = std::filesystem::path(args.db).parent_path() / "live";
      live = std::make_unique<standin::LiveTracker>(
          args.live_tracker, args.live_port, dir, store);
      args.api.after_change = [&](const std::string& p) {
        live->script_changed(p);
      };
      args.api.set_live = [&](bool running) { live->set_running(running); };
    }
    Poco::Net::ServerSocket socket(
        Poco::Net::SocketAddress("127.0.0.1", args.port));
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(8);
    Poco::Net::HTTPServer server(standin::make_factory(store, args.api),
                                 socket, params);
    server.start();
    std::cout << socket.address().port() << std::endl;

    wait_for_signal();
    server.stopAll(true);
    live.reset();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "cf-api-standin: error: " << e.what() << "\n";
    return 1;
  }
}
