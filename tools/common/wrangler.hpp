// Running the project's pinned wrangler, unattended and local.
//
// wrangler is worker/node_modules/.bin/wrangler (installed by ./dev deps),
// or $GOG_WRANGLER (a path, or a bare name looked up on PATH). It runs with
// posix_spawn, never through a shell, with:
//   - stdin a pipe that carries only what the caller passes, then closes,
//     so no prompt can wait for input;
//   - WRANGLER_SEND_METRICS=false, WRANGLER_SEND_ERROR_REPORTS=false,
//     CLOUDFLARE_CF_FETCH_ENABLED=false, CI=1 and the npm registry pointed
//     at a closed loopback port (wrangler's update check), whatever the
//     caller's environment says;
//   - none of our own secret variables (GOG_KEYRING_PASSWORD,
//     TRACKING_KEY*, ADMIN_KEY, GMAIL_*) in its environment.
// Secret values reach wrangler only through stdin or a SecretFile: never
// argv, never with a newline added (case C23).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gog::wrangler {

namespace fs = std::filesystem;

struct Result {
  int exit_code = -1;
  std::string out;  // stdout, ANSI codes removed
  std::string err;  // stderr, ANSI codes removed
};

struct Call {
  std::vector<std::string> args;  // after "wrangler"; never a secret
  fs::path cwd;                   // the worker folder
  std::string stdin_data;         // written as is, then stdin closes
};

// $GOG_WRANGLER, else <worker_dir>/node_modules/.bin/wrangler. Throws
// gog::Error saying to run ./dev deps when that file is missing.
std::string executable(const fs::path& worker_dir);

// Runs wrangler and waits. A non-zero exit is a Result, not an exception;
// failing to start it throws gog::Error.
Result run(const Call& call);

// run(), then throws gog::Error carrying wrangler's own message when it
// exits non-zero. `what` names the step, e.g. "d1 create 'opens-db'".
Result run_checked(const Call& call, std::string_view what);

// wrangler's error text: the "[ERROR]" line and its notes, or the "error"
// member of a --json reply, or the last stderr lines. Empty when none.
std::string error_message(const Result& result);

// Text with ANSI escape sequences (colours, cursor moves) removed.
std::string strip_ansi(std::string_view text);

// The first complete JSON object or array that starts a line of noisy
// text (banners, warnings, "[WARNING]" lines before it; case C21). Scans
// without recursion, in bounded time.
std::optional<nlohmann::json> first_json(std::string_view text);

// A JSON file of secrets for `wrangler secret bulk`: mode 0600 inside a
// fresh 0700 folder, removed with the folder when the object goes.
class SecretFile {
 public:
  explicit SecretFile(const nlohmann::json& secrets);
  ~SecretFile();
  SecretFile(const SecretFile&) = delete;
  SecretFile& operator=(const SecretFile&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path dir_;
  fs::path path_;
};

}  // namespace gog::wrangler
