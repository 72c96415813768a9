// `gog state`: verify, log and commit subcommands.
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/event_log.hpp"
#include "common/keyring_backends.hpp"
#include "common/tool_main.hpp"
#include "state/state.hpp"

namespace gog::state {

namespace fs = std::filesystem;
namespace {

using nlohmann::json;

struct Flags {
  std::string log = EventLog::default_path().string();
  bool json = false;
  std::string type;
  std::string branch, repo = ".", message;
  bool keyring = false;
};

int verify(const Flags& f) {
  EventLog log(f.log);
  auto v = log.verify();
  if (!v.ok) {
    throw Error(f.log + ":" + std::to_string(v.bad_line) + ": " + v.reason,
                "restore the log from your state branch "
                "('git show BRANCH:state/events.jsonl')");
  }
  if (v.torn_tail) {
    std::cerr << "gog state: warning: " << f.log << ":" << v.torn_line
              << ": torn last line (an append did not finish); the next "
                 "append cuts it\n";
  }
  if (f.json) {
    std::cout << json{{"ok", true},
                      {"path", f.log},
                      {"events", v.events},
                      {"torn_tail", v.torn_tail}}
                     .dump()
              << "\n";
  } else {
    std::cout << "ok: " << v.events << " events in " << f.log << "\n";
  }
  return kExitOk;
}

int list(const Flags& f) {
  auto events = EventLog(f.log).read_all();
  json out = json::array();
  for (const auto& e : events) {
    if (!f.type.empty() && e.type != f.type)
      continue;
    if (f.json) {
      out.push_back({{"seq", e.seq},
                     {"time", e.time},
                     {"type", e.type},
                     {"data", e.data}});
    } else {
      std::cout << e.seq << "  " << e.time << "  " << e.type << "  "
                << e.data.dump() << "\n";
    }
  }
  if (f.json)
    std::cout << out.dump(2) << "\n";
  return kExitOk;
}

int commit(const Flags& f) {
  fs::path keyring = f.keyring ? default_keyring_file() : fs::path();
  if (f.keyring && !fs::exists(keyring)) {
    throw UsageError("no keyring file at " + quoted(keyring.string()),
                     "--keyring commits the file backend's encrypted file; "
                     "set GOG_KEYRING_FILE");
  }
  auto r = commit_log(f.log, f.repo, f.branch, f.message, keyring);
  if (f.json) {
    std::cout << json{{"commit", r.commit},
                      {"branch", f.branch},
                      {"created", r.created},
                      {"events", r.events}}
                     .dump()
              << "\n";
  } else {
    std::cout << r.commit << "\n";
  }
  if (!r.created)
    std::cerr << "gog state: branch " << f.branch
              << " already holds this log; no new commit\n";
  return kExitOk;
}

}  // namespace

int run(std::vector<std::string> args) {
  CLI::App app{"The local event log: verify, list, commit", "gog state"};
  Flags f;
  app.require_subcommand(1);
  app.add_option("--log", f.log, "the event log (default: " + f.log + ")");
  auto* v = app.add_subcommand("verify", "check the hash chain");
  v->add_flag("--json", f.json, "print JSON");
  auto* l = app.add_subcommand("log", "list events");
  l->add_flag("--json", f.json, "print JSON");
  l->add_option("--type", f.type, "only events of this type");
  auto* c = app.add_subcommand("commit", "commit the log to a git branch");
  c->add_option("--branch", f.branch, "branch to commit to")->required();
  c->add_option("--repo", f.repo, "repository (default: the current one)");
  c->add_option("--message", f.message, "commit message");
  c->add_flag("--keyring", f.keyring,
              "also commit the encrypted keyring file (CI)");
  c->add_flag("--json", f.json, "print JSON");
  if (!parse_args(app, std::move(args)))
    return kExitOk;

  if (v->parsed())
    return verify(f);
  if (l->parsed())
    return list(f);
  return commit(f);
}

}  // namespace gog::state
