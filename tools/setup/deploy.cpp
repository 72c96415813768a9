#include "setup/deploy.hpp"

#include <git2.h>
#include <unistd.h>

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

#include "common/crypto.hpp"
#include "common/error.hpp"
#include "common/event_log.hpp"
#include "common/files.hpp"
#include "common/keyring.hpp"
#include "common/tracking_keys.hpp"
#include "common/wrangler.hpp"
#include "setup/tracker_spec.hpp"

namespace gog::setup {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::string toml_value(std::string_view line) {
  auto eq = line.find('=');
  if (eq == std::string_view::npos) return {};
  std::string v(line.substr(eq + 1));
  v.erase(0, v.find_first_not_of(" \t"));
  if (auto hash = v.find(" #"); hash != std::string::npos) v.resize(hash);
  v.erase(v.find_last_not_of(" \t\r") + 1);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"')
    v = v.substr(1, v.size() - 2);
  return v;
}

bool is_key_line(std::string_view line, std::string_view key) {
  auto start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos) return false;
  line.remove_prefix(start);
  if (line.substr(0, key.size()) != key) return false;
  line.remove_prefix(key.size());
  auto eq = line.find_first_not_of(" \t");
  return eq != std::string_view::npos && line[eq] == '=';
}

// --- what was done, for the message of a failure ---

class Progress {
 public:
  explicit Progress(std::ostream& out) : out_(out) {}
  void done(const std::string& what) {
    out_ << what << "\n";
    done_.push_back(what);
  }
  std::string summary() const {
    if (done_.empty()) return "nothing was changed yet";
    std::string s = "already done: ";
    for (std::size_t i = 0; i < done_.size(); ++i)
      s += (i ? "; " : "") + done_[i];
    return s;
  }

 private:
  std::ostream& out_;
  std::vector<std::string> done_;
};

struct Context {
  const DeployOptions& options;
  std::string worker;
  std::string db_name;
  fs::path worker_dir;
  Progress& progress;
  EventLog log;
};

wrangler::Result wrangle(const Context& c, std::vector<std::string> args,
                         std::string_view what, std::string input = {}) {
  return wrangler::run_checked({std::move(args), c.worker_dir, std::move(input)},
                               what);
}

// --- step 1: the database ---

std::optional<std::string> listed_id(const Context& c) {
  auto r = wrangle(c, {"d1", "list", "--json"}, "d1 list");
  auto doc = wrangler::first_json(r.out);
  if (!doc || !doc->is_array())
    throw Error("wrangler d1 list printed no JSON list",
                "run 'wrangler d1 list --json' in " + c.worker_dir.string() +
                    " to see why");
  return find_database_id(doc->dump(), c.db_name);
}

std::optional<std::string> ensure_database(Context& c) {
  if (auto id = listed_id(c)) {
    c.progress.done("database " + c.db_name + " found (" + *id + ")");
    c.log.append("deploy.database",
                 {{"database", c.db_name}, {"id", *id}, {"created", false}});
    return id;
  }
  if (c.options.dry_run) {
    c.progress.done("would create database " + c.db_name);
    return std::nullopt;
  }
  auto created = wrangler::run({{"d1", "create", c.db_name}, c.worker_dir, ""});
  auto id = listed_id(c);
  if (!id)
    throw Error("database " + quoted(c.db_name) +
                    " is not listed after wrangler d1 create" +
                    (created.exit_code ? ": " + wrangler::error_message(created)
                                       : std::string()),
                "check the Cloudflare token's D1 permission");
  c.progress.done("database " + c.db_name + " created (" + *id + ")");
  c.log.append("deploy.database",
               {{"database", c.db_name}, {"id", *id}, {"created", true}});
  return id;
}

// --- step 2: the temporary config, beside the committed one so that its
// relative paths (main, migrations_dir, rules) keep their meaning ---

class TempConfig {
 public:
  TempConfig(const fs::path& dir, const std::string& text)
      : path_(dir / (".gog-deploy-" + std::to_string(getpid()) + ".toml")) {
    write_file_atomic(path_, text, 0644);
  }
  ~TempConfig() {
    std::error_code ec;
    fs::remove(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// --- step 3: migrations ---

std::vector<fs::path> migration_files(const fs::path& dir) {
  std::vector<fs::path> files;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".sql") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

// Rows of one SELECT through `d1 execute --json`; nullopt when the table
// does not exist yet.
std::optional<std::vector<std::string>> select_names(
    const Context& c, const fs::path& config, const std::string& sql) {
  auto r = wrangler::run({{"d1", "execute", c.db_name, "--remote", "--json",
                           "--config", config.string(), "--command", sql},
                          c.worker_dir,
                          ""});
  if (r.exit_code != 0) {
    std::string message = wrangler::error_message(r);
    if (message.find("no such table") != std::string::npos) return std::nullopt;
    throw Error("wrangler d1 execute failed (exit " +
                    std::to_string(r.exit_code) + "): " + message,
                "");
  }
  auto doc = wrangler::first_json(r.out);
  std::vector<std::string> names;
  if (doc && doc->is_array() && !doc->empty())
    for (const auto& row : (*doc)[0].value("results", json::array()))
      names.push_back(row.value("name", ""));
  return names;
}

void check_ledger_matches_schema(const Context& c,
                                 const std::vector<fs::path>& pending,
                                 const std::vector<std::string>& schema) {
  for (const auto& file : pending) {
    for (const auto& object : created_objects(read_file(file))) {
      if (std::find(schema.begin(), schema.end(), object) == schema.end())
        continue;
      std::string name = file.filename().string();
      throw Error(
          "database " + quoted(c.db_name) + " already has " + quoted(object) +
              " from migration " + quoted(name) +
              ", but its ledger d1_migrations does not record that migration",
          "it was applied outside 'wrangler d1 migrations apply' (for "
          "example with 'd1 execute --file'). If the schema matches the "
          "file, record it: wrangler d1 execute " + c.db_name +
              " --remote --command \"INSERT INTO d1_migrations (name) VALUES "
              "('" + name + "')\"; then run setup again");
    }
  }
}

void apply_migrations(Context& c, const fs::path& config,
                      const fs::path& dir, bool database_exists) {
  auto files = migration_files(dir);
  std::vector<std::string> ledger;
  if (database_exists)
    ledger = select_names(c, config, "SELECT name FROM d1_migrations")
                 .value_or(std::vector<std::string>{});
  std::vector<fs::path> pending;
  for (const auto& f : files)
    if (std::find(ledger.begin(), ledger.end(), f.filename().string()) ==
        ledger.end())
      pending.push_back(f);
  if (pending.empty()) {
    c.progress.done("migrations up to date (" + std::to_string(files.size()) +
                    " applied)");
    return;
  }
  if (database_exists) {
    auto schema = select_names(
        c, config, "SELECT name FROM sqlite_master WHERE name NOT LIKE "
                   "'sqlite_%' AND name <> 'd1_migrations'");
    check_ledger_matches_schema(c, pending, schema.value_or(
                                                std::vector<std::string>{}));
  }
  if (c.options.dry_run) {
    for (const auto& f : pending)
      c.progress.done("would apply migration " + f.filename().string());
    return;
  }
  wrangle(c, {"d1", "migrations", "apply", c.db_name, "--remote", "--config",
              config.string()},
          "d1 migrations apply " + c.db_name);
  auto after = select_names(c, config, "SELECT name FROM d1_migrations")
                   .value_or(std::vector<std::string>{});
  for (const auto& f : pending) {
    std::string name = f.filename().string();
    if (std::find(after.begin(), after.end(), name) == after.end())
      throw Error("migration " + quoted(name) +
                      " is not in the ledger after wrangler applied it",
                  "wrangler exited 0: check 'wrangler d1 migrations list " +
                      c.db_name + " --remote'");
    c.progress.done("migration " + name + " applied");
    c.log.append("deploy.migration_applied",
                 {{"database", c.db_name}, {"migration", name}});
  }
}

// --- step 4: secrets ---

// Keyed with the current tracking key, so the log holds nothing that a
// guess could be checked against.
std::string fingerprint(const SecretMap& secrets, const std::string& name) {
  std::string key;
  if (auto it = secrets.find("TRACKING_KEY"); it != secrets.end())
    key = it->second;
  return sha256_hex(key + '\0' + name + '\0' + secrets.at(name)).substr(0, 32);
}

std::map<std::string, std::string> logged_fingerprints(const Context& c) {
  std::map<std::string, std::string> out;
  if (!fs::exists(c.log.path())) return out;
  for (const auto& e : c.log.read_all()) {
    if (e.type != "deploy.secrets_set" ||
        e.data.value("worker", "") != c.worker)
      continue;
    for (const auto& f : e.data.value("fingerprints", json::array()))
      out[f.value("name", "")] = f.value("fingerprint", "");
  }
  return out;
}

// Names the Worker has; nullopt when the Worker does not exist yet.
std::optional<std::set<std::string>> remote_secret_names(
    const Context& c, const fs::path& config) {
  auto r = wrangler::run({{"secret", "list", "--format", "json", "--config",
                           config.string()},
                          c.worker_dir,
                          ""});
  if (r.exit_code != 0) {
    std::string message = wrangler::error_message(r);
    // Cloudflare's 10007; wrangler 4 rewords it as 'Worker "x" not found'.
    bool missing = message.find("10007") != std::string::npos ||
                   message.find("\"" + c.worker + "\" not found") !=
                       std::string::npos;
    if (missing) return std::nullopt;
    throw Error("wrangler secret list failed (exit " +
                std::to_string(r.exit_code) + "): " + message);
  }
  std::set<std::string> names;
  auto doc = wrangler::first_json(r.out);
  if (doc && doc->is_array())
    for (const auto& s : *doc) names.insert(s.value("name", ""));
  return names;
}

json version_list(const SecretMap& secrets) {
  json versions = json::array();
  for (const auto& [name, value] : secrets)
    if (name.rfind("TRACKING_KEY_V", 0) == 0)
      versions.push_back(std::stoi(name.substr(14)));
  return versions;
}

void put_secrets(Context& c, const fs::path& config,
                 const SecretMap& secrets, bool& worker_exists) {
  auto remote = remote_secret_names(c, config);
  worker_exists = remote.has_value();
  auto logged = logged_fingerprints(c);
  SecretMap changed;
  for (const auto& [name, value] : secrets)
    if (!remote || !remote->count(name) ||
        logged[name] != fingerprint(secrets, name))
      changed[name] = value;
  if (changed.empty()) {
    c.progress.done("secrets unchanged (" + std::to_string(secrets.size()) +
                    ")");
    return;
  }
  std::string names;
  for (const auto& [name, value] : changed)
    names += (names.empty() ? "" : ", ") + name;
  if (c.options.dry_run) {
    c.progress.done("would set secrets " + names);
    return;
  }
  {
    wrangler::SecretFile file{json(changed)};
    wrangle(c, {"secret", "bulk", file.path().string(), "--config",
                config.string()},
            "secret bulk");
  }
  auto after = remote_secret_names(c, config).value_or(std::set<std::string>{});
  for (const auto& [name, value] : changed)
    if (!after.count(name))
      throw Error("secret " + quoted(name) + " is not on Worker " +
                      quoted(c.worker) + " after wrangler secret bulk",
                  "wrangler exited 0; run 'wrangler secret list' to check");
  worker_exists = true;
  json prints = json::array();
  for (const auto& [name, value] : secrets)
    prints.push_back({{"name", name}, {"fingerprint", fingerprint(secrets, name)}});
  json names_set = json::array();
  for (const auto& [name, value] : changed) names_set.push_back(name);
  c.progress.done("secrets set: " + names);
  c.log.append("deploy.secrets_set",
               {{"worker", c.worker},
                {"names", names_set},
                {"versions", version_list(secrets)},
                {"current_version",
                 secrets.count("TRACKING_CURRENT_KEY_VERSION")
                     ? secrets.at("TRACKING_CURRENT_KEY_VERSION")
                     : ""},
                {"fingerprints", prints}});
}

// --- step 5: deploy ---

std::string head_commit(const fs::path& dir) {
  git_libgit2_init();
  git_repository* repo = nullptr;
  std::string out = "unknown";
  git_oid oid;
  if (git_repository_open_ext(&repo, dir.c_str(), 0, nullptr) == 0 &&
      git_reference_name_to_id(&oid, repo, "HEAD") == 0) {
    char text[GIT_OID_HEXSZ + 1];
    out = git_oid_tostr(text, sizeof text, &oid);
  }
  git_repository_free(repo);
  git_libgit2_shutdown();
  return out;
}

// What wrangler would upload: every file under src/ and build/*.wasm, plus
// the rendered config.
std::string source_hash(const fs::path& dir, const std::string& config) {
  std::vector<fs::path> files;
  for (const char* sub : {"src", "build"}) {
    if (!fs::is_directory(dir / sub)) continue;
    for (const auto& e : fs::recursive_directory_iterator(dir / sub))
      if (e.is_regular_file() &&
          (std::string(sub) == "src" || e.path().extension() == ".wasm"))
        files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::string all = config;
  for (const auto& f : files)
    all += fs::relative(f, dir).string() + '\0' + sha256_hex(read_file(f));
  return sha256_hex(all);
}

std::string last_deployed_hash(const Context& c) {
  std::string hash;
  if (!fs::exists(c.log.path())) return hash;
  for (const auto& e : c.log.read_all())
    if (e.type == "deploy.deployed" && e.data.value("worker", "") == c.worker)
      hash = e.data.value("source_sha256", "");
  return hash;
}

void deploy_worker(Context& c, const TempConfig& config,
                   const std::string& config_text, bool worker_exists) {
  std::string hash = source_hash(c.worker_dir, config_text);
  if (worker_exists && hash == last_deployed_hash(c)) {
    c.progress.done("worker " + c.worker + " unchanged");
    return;
  }
  if (c.options.dry_run) {
    c.progress.done("would deploy worker " + c.worker);
    return;
  }
  try {
    wrangle(c, {"deploy", "--config", config.path().string()}, "deploy");
  } catch (const Error& e) {
    throw Error(e.what(),
                "a deploy can be live even when wrangler fails: check "
                "'wrangler deployments list --name " + c.worker + "'");
  }
  std::string commit = head_commit(c.worker_dir);
  c.progress.done("worker " + c.worker + " deployed (commit " +
                  commit.substr(0, 12) + ")");
  c.log.append("deploy.deployed", {{"worker", c.worker},
                                   {"database", c.db_name},
                                   {"commit", commit},
                                   {"source_sha256", hash}});
}

void check_secrets(const SecretMap& secrets) {
  for (const auto& [name, value] : secrets)
    if (value.empty())
      throw UsageError("secret " + quoted(name) + " is empty",
                       "run 'gog gmail track setup' to store the keys");
}

// wrangler would happily upload a Worker whose module import fails at
// start-up: check the build output before anything remote changes.
void check_worker_built(const Context& c) {
  fs::path wasm = c.worker_dir / "build" / "core.wasm";
  if (!fs::exists(wasm)) {
    throw Error("the Worker's WebAssembly core " + quoted(wasm.string()) +
                    " is not built",
                "run ./dev build (or worker/build.sh) first");
  }
}

void run_steps(Context& c, const SecretMap& secrets) {
  check_worker_built(c);
  auto id = ensure_database(c);

  std::string committed = read_file(c.worker_dir / "wrangler.toml");
  auto rendered = render_config(committed, c.worker, c.db_name,
                                id.value_or("00000000-0000-4000-8000-"
                                            "000000000000"),
                                c.options.cron);
  TempConfig config(c.worker_dir, rendered.text);

  apply_migrations(c, config.path(), c.worker_dir / rendered.migrations_dir,
                   id.has_value());
  bool worker_exists = false;
  put_secrets(c, config.path(), secrets, worker_exists);
  deploy_worker(c, config, rendered.text, worker_exists);
}

}  // namespace

SecretMap worker_secrets(const std::string& account) {
  KeySet keys = keys_for_account(account);
  SecretMap out;
  for (const auto& [version, key] : keys.versions)
    out["TRACKING_KEY_V" + std::to_string(version)] = format_key(key);
  out["TRACKING_CURRENT_KEY_VERSION"] = std::to_string(keys.current);
  if (keys.legacy) {
    out["TRACKING_KEY"] = format_key(*keys.legacy);
  } else if (keys.versions.count(1)) {
    out["TRACKING_KEY"] = format_key(keys.versions.at(1));
  }
  auto admin = open_keyring()->get(account, "ADMIN_KEY");
  if (!admin) admin = env("ADMIN_KEY");
  if (!admin || admin->empty())
    throw Error("no ADMIN_KEY for account " + quoted(account),
                "run 'gog gmail track setup --account " + account +
                    " --worker-url URL' first");
  out["ADMIN_KEY"] = *admin;
  return out;
}

void deploy(const DeployOptions& options, const SecretMap& secrets,
            std::ostream& out) {
  check_secrets(secrets);
  Progress progress(out);
  std::string worker = options.worker_name.empty()
                           ? default_worker_name(options.account)
                           : options.worker_name;
  Context c{options, worker,
            options.db_name.empty() ? worker : options.db_name,
            fs::absolute(options.worker_dir), progress, EventLog()};
  if (options.dry_run) out << "plan (dry run, nothing is changed):\n";
  try {
    run_steps(c, secrets);
  } catch (const Error& e) {
    std::string hint = progress.summary();
    if (!e.hint().empty()) hint = e.hint() + "\n" + hint;
    throw Error(e.what(), hint, e.exit_code());
  }
}

std::optional<std::string> find_database_id(std::string_view output,
                                            std::string_view name) {
  std::string text = wrangler::strip_ansi(output);
  std::optional<std::string> id;
  if (auto doc = wrangler::first_json(text)) {
    json list = doc->is_array() ? *doc : doc->value("d1_databases", json::array());
    for (const auto& d : list) {
      if (!d.is_object()) continue;
      std::string n = d.value("name", d.value("database_name", ""));
      if (n == name) id = d.value("uuid", d.value("database_id", ""));
    }
  } else {
    bool named = false;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (is_key_line(line, "database_name")) named = toml_value(line) == name;
      if (named && is_key_line(line, "database_id")) id = toml_value(line);
    }
  }
  if (id && is_uuid(*id)) return id;
  return std::nullopt;
}

bool is_uuid(std::string_view text) {
  static const std::regex re(
      "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
  return std::regex_match(text.begin(), text.end(), re);
}

RenderedConfig render_config(std::string_view committed,
                             const std::string& worker_name,
                             const std::string& db_name,
                             const std::string& db_id,
                             const std::optional<std::string>& cron) {
  if (!is_uuid(db_id))
    throw Error("database id " + quoted(db_id) + " is not a UUID");
  RenderedConfig out{"", "migrations"};
  std::string section;
  int d1_blocks = 0;
  bool named = false;
  std::istringstream in{std::string(committed)};
  for (std::string line; std::getline(in, line);) {
    auto start = line.find_first_not_of(" \t");
    if (start != std::string::npos && line[start] == '[') {
      section = line.substr(start, line.find_last_not_of(" \t\r") - start + 1);
      if (section == "[[d1_databases]]") ++d1_blocks;
    }
    bool top = section.empty();
    bool d1 = section == "[[d1_databases]]";
    if (top && is_key_line(line, "name")) {
      line = "name = \"" + worker_name + "\"";
      named = true;
    } else if (d1 && is_key_line(line, "database_name")) {
      line = "database_name = \"" + db_name + "\"";
    } else if (d1 && is_key_line(line, "database_id")) {
      line = "database_id = \"" + db_id + "\"";
    } else if (d1 && is_key_line(line, "migrations_dir")) {
      out.migrations_dir = toml_value(line);
    } else if (section == "[triggers]" && cron && is_key_line(line, "crons")) {
      line = "crons = [\"" + *cron + "\"]";
    }
    out.text += line + "\n";
  }
  if (d1_blocks != 1)
    throw Error("wrangler.toml has " + std::to_string(d1_blocks) +
                    " [[d1_databases]] blocks, not one",
                "keep exactly one block, binding DB, in worker/wrangler.toml");
  if (!named) out.text = "name = \"" + worker_name + "\"\n" + out.text;
  return out;
}

std::vector<std::string> created_objects(std::string_view sql) {
  static const std::regex re(
      "CREATE\\s+(?:UNIQUE\\s+)?(?:TABLE|VIEW|TRIGGER|INDEX)\\s+"
      "(?:IF\\s+NOT\\s+EXISTS\\s+)?[\"`]?([A-Za-z_][A-Za-z0-9_]*)",
      std::regex::icase);
  std::vector<std::string> out;
  std::string text(sql);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re);
       it != std::sregex_iterator(); ++it)
    out.push_back((*it)[1]);
  return out;
}

}  // namespace gog::setup
