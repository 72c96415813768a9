// The stand-in's "deployed Worker": a real gog-serve (the native tracker,
// same HTTP API as the Worker) started on 127.0.0.1:<port> with a script's
// secrets as its environment, restarted whenever those secrets change.
// With it, worker_url = http://127.0.0.1:<port> answers like the Worker
// that wrangler deployed, so a rotation's canary has something live to ask.
//
//   cf-api-standin ... --live-tracker PATH_TO_gog-serve --live-port P
//
// Test-only route (see api.hpp): POST /__standin/live {"running":false}
// stops the tracker until {"running":true}, to test a Worker that is down.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>

#include "store.hpp"

namespace standin {

class LiveTracker {
 public:
  LiveTracker(std::string exe, int port, std::filesystem::path dir,
              Store& store);
  ~LiveTracker();
  LiveTracker(const LiveTracker&) = delete;
  LiveTracker& operator=(const LiveTracker&) = delete;

  // After any change under /workers/scripts/<name>: restarts the tracker
  // when that script's secrets differ from the ones it runs with.
  void script_changed(const std::string& api_path);
  // Stops it, or starts it again with the last secrets.
  void set_running(bool running);

 private:
  void restart();
  void stop();
  void spawn();
  void wait_healthy();

  std::string exe_;
  int port_;
  std::filesystem::path dir_;
  Store& store_;
  std::map<std::string, std::string> secrets_;
  bool wanted_ = true;
  pid_t pid_ = -1;
};

}  // namespace standin
