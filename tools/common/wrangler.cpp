#include "common/wrangler.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "common/error.hpp"
#include "common/files.hpp"

extern char** environ;

namespace gog::wrangler {
namespace {

// What wrangler must never inherit from us: our own secrets.
bool is_private_variable(std::string_view name) {
  for (std::string_view prefix :
       {"GOG_KEYRING_PASSWORD", "TRACKING_KEY", "TRACKING_CURRENT_KEY",
        "ADMIN_KEY", "GMAIL_"})
    if (name.rfind(prefix, 0) == 0) return true;
  return false;
}

std::vector<std::string> child_environment() {
  std::map<std::string, std::string> vars;
  for (char** e = environ; *e; ++e) {
    std::string_view entry = *e;
    auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    std::string name(entry.substr(0, eq));
    if (!is_private_variable(name)) vars[name] = entry.substr(eq + 1);
  }
  // Keep wrangler local and quiet: no telemetry, no update check against
  // a real registry (port 9 on loopback is closed), no prompts.
  vars["WRANGLER_SEND_METRICS"] = "false";
  vars["WRANGLER_SEND_ERROR_REPORTS"] = "false";
  vars["CLOUDFLARE_CF_FETCH_ENABLED"] = "false";
  vars["CI"] = "1";
  vars["npm_config_registry"] = "http://127.0.0.1:9/";
  vars["NPM_CONFIG_REGISTRY"] = "http://127.0.0.1:9/";
  vars["NO_COLOR"] = "1";
  vars["FORCE_COLOR"] = "0";
  std::vector<std::string> out;
  for (const auto& [k, v] : vars) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> c_array(std::vector<std::string>& items) {
  std::vector<char*> out;
  for (auto& s : items) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

struct Pipes {
  int in[2] = {-1, -1};
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
};

Pipes open_pipes() {
  Pipes p;
  if (pipe2(p.in, O_CLOEXEC) || pipe2(p.out, O_CLOEXEC) ||
      pipe2(p.err, O_CLOEXEC))
    throw Error("cannot create pipes for wrangler", std::strerror(errno));
  return p;
}

pid_t spawn(const std::string& exe, const Call& call, Pipes& p) {
  std::vector<std::string> argv{exe};
  argv.insert(argv.end(), call.args.begin(), call.args.end());
  auto env = child_environment();
  auto argv_c = c_array(argv);
  auto env_c = c_array(env);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, p.in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, p.out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, p.err[1], 2);
  if (!call.cwd.empty())
    posix_spawn_file_actions_addchdir_np(&actions, call.cwd.c_str());
  pid_t pid = -1;
  bool on_path = exe.find('/') == std::string::npos;
  int rc = on_path ? posix_spawnp(&pid, exe.c_str(), &actions, nullptr,
                                  argv_c.data(), env_c.data())
                   : posix_spawn(&pid, exe.c_str(), &actions, nullptr,
                                 argv_c.data(), env_c.data());
  posix_spawn_file_actions_destroy(&actions);
  close(p.in[0]);
  close(p.out[1]);
  close(p.err[1]);
  if (rc != 0) {
    close(p.in[1]);
    close(p.out[0]);
    close(p.err[0]);
    throw Error("cannot start wrangler " + quoted(exe) + ": " +
                std::strerror(rc));
  }
  return pid;
}

// Writes stdin and reads both outputs together, so a full pipe on either
// side cannot deadlock the child.
void exchange(Pipes& p, const std::string& input, Result& result) {
  int fds[3] = {p.out[0], p.err[0], p.in[1]};
  std::string* sinks[2] = {&result.out, &result.err};
  std::size_t written = 0;
  if (input.empty()) {
    close(fds[2]);
    fds[2] = -1;
  }
  while (fds[0] >= 0 || fds[1] >= 0) {
    pollfd polls[3] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0},
                       {fds[2], POLLOUT, 0}};
    if (poll(polls, 3, -1) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i] < 0 || !polls[i].revents) continue;
      char buf[65536];
      ssize_t n = read(fds[i], buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, n);
      } else if (n == 0 || errno != EINTR) {
        close(fds[i]);
        fds[i] = -1;
      }
    }
    if (fds[2] >= 0 && polls[2].revents) {
      ssize_t n = write(fds[2], input.data() + written, input.size() - written);
      if (n > 0) written += n;
      if ((n < 0 && errno != EINTR) || written == input.size()) {
        close(fds[2]);
        fds[2] = -1;
      }
    }
  }
  if (fds[2] >= 0) close(fds[2]);
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

std::string trim(std::string s) {
  auto end = s.find_last_not_of(" \t\r\n");
  auto start = s.find_first_not_of(" \t\r\n");
  if (end == std::string::npos) return {};
  return s.substr(start, end - start + 1);
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    out.emplace_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

// "✘ [ERROR] A request ... failed." then indented notes, then wrangler's
// boilerplate ("If you think this is a bug", the log file line).
std::string error_block(std::string_view text) {
  auto lines = lines_of(text);
  std::string message;
  bool inside = false;
  for (const auto& line : lines) {
    auto at = line.find("[ERROR]");
    if (!inside && at != std::string::npos) {
      inside = true;
      message = trim(line.substr(at + 7));
      continue;
    }
    if (!inside) continue;
    if (line.find("If you think this is a bug") != std::string::npos ||
        line.find("Logs were written") != std::string::npos)
      break;
    std::string note = trim(line);
    if (!note.empty()) message += (message.empty() ? "" : ": ") + note;
  }
  return message;
}

std::string json_error(std::string_view out) {
  auto doc = first_json(out);
  if (!doc || !doc->is_object() || !doc->contains("error")) return {};
  const auto& error = (*doc)["error"];
  std::string message = error.value("text", "");
  for (const auto& note : error.value("notes", nlohmann::json::array()))
    message += ": " + note.value("text", "");
  return message;
}

std::string last_lines(std::string_view text, std::size_t count) {
  std::vector<std::string> kept;
  for (const auto& line : lines_of(text))
    if (!trim(line).empty()) kept.push_back(trim(line));
  std::string out;
  auto from = kept.size() > count ? kept.size() - count : 0;
  for (auto i = from; i < kept.size(); ++i)
    out += (out.empty() ? "" : " / ") + kept[i];
  return out;
}

}  // namespace

std::string executable(const fs::path& worker_dir) {
  if (auto custom = env("GOG_WRANGLER"); custom && !custom->empty())
    return *custom;
  fs::path pinned = worker_dir / "node_modules" / ".bin" / "wrangler";
  if (!fs::exists(pinned))
    throw Error("wrangler not found " + quoted(pinned.string()),
                "run ./dev deps to install the Worker's pinned npm "
                "packages, or set GOG_WRANGLER");
  return pinned.string();
}

Result run(const Call& call) {
  std::string exe = executable(call.cwd);
  Pipes pipes = open_pipes();
  pid_t pid = spawn(exe, call, pipes);

  Result result;
  exchange(pipes, call.stdin_data, result);
  result.exit_code = wait_exit(pid);

  result.out = strip_ansi(result.out);
  result.err = strip_ansi(result.err);
  return result;
}

Result run_checked(const Call& call, std::string_view what) {
  Result result = run(call);
  if (result.exit_code == 0) return result;
  std::string message = error_message(result);
  throw Error("wrangler " + std::string(what) + " failed (exit " +
                  std::to_string(result.exit_code) + ")" +
                  (message.empty() ? "" : ": " + message),
              "wrangler's output is above; fix the cause and run again");
}

std::string error_message(const Result& result) {
  for (const auto* text : {&result.err, &result.out}) {
    std::string block = error_block(*text);
    if (!block.empty()) return block;
  }
  std::string from_json = json_error(result.out);
  if (!from_json.empty()) return from_json;
  return last_lines(result.err.empty() ? result.out : result.err, 3);
}

std::string strip_ansi(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\x1b') {
      out += text[i];
      continue;
    }
    // CSI: ESC [ parameters final-byte (0x40..0x7e). Other escapes: ESC x.
    if (i + 1 < text.size() && text[i + 1] == '[') {
      i += 2;
      while (i < text.size() && !(text[i] >= 0x40 && text[i] <= 0x7e)) ++i;
    } else {
      ++i;
    }
  }
  return out;
}

namespace {

// The end (one past) of the bracketed value starting at `start`, matching
// brackets outside strings; npos when it never closes.
std::size_t value_end(std::string_view text, std::size_t start) {
  std::vector<char> open;
  bool in_string = false;
  for (std::size_t i = start; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      open.push_back(c == '{' ? '}' : ']');
    } else if (c == '}' || c == ']') {
      if (open.empty() || open.back() != c) return std::string_view::npos;
      open.pop_back();
      if (open.empty()) return i + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

// Candidates start a line (after blanks), which is where wrangler prints
// JSON; the scan budget keeps hostile input (a line of 100000 '[') from
// costing quadratic time.
std::optional<nlohmann::json> first_json(std::string_view text) {
  std::size_t budget = 16 * 1024 * 1024;
  bool line_start = true;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool candidate = line_start && (c == '{' || c == '[');
    line_start = c == '\n' || (line_start && (c == ' ' || c == '\t'));
    if (!candidate) continue;
    auto end = value_end(text, i);
    std::size_t scanned = (end == std::string_view::npos ? text.size() : end) - i;
    if (scanned > budget) return std::nullopt;
    budget -= scanned;
    if (end == std::string_view::npos) continue;
    auto doc = nlohmann::json::parse(text.substr(i, end - i), nullptr, false);
    if (!doc.is_discarded()) return doc;
  }
  return std::nullopt;
}

SecretFile::SecretFile(const nlohmann::json& secrets) {
  std::string pattern = (fs::temp_directory_path() / "gog-secrets-XXXXXX");
  if (!mkdtemp(pattern.data()))
    throw Error("cannot create a private folder for secrets",
                std::strerror(errno));
  dir_ = pattern;
  path_ = dir_ / "secrets.json";
  try {
    write_file_atomic(path_, secrets.dump(), 0600);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    throw;
  }
}

SecretFile::~SecretFile() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

}  // namespace gog::wrangler
