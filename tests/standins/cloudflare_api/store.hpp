// The stand-in's memory: everything the Cloudflare API stand-in was told,
// kept in one SQLite file so tests can inspect it, plus one real SQLite
// file per D1 database.
//
// State file tables:
//   databases(uuid, name, created_at, file)
//   scripts(name, main_module, metadata, uploads)    metadata without secrets
//   modules(script, name, content_type, size, sha256)
//   secrets(script, name, value)
//   schedules(script, cron)
//   requests(id, method, path, query, status)        never a request body
// Not thread-safe: the server serialises every call through one mutex.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace standin {

struct Module {
  std::string name;
  std::string content_type;
  std::string content;
};

// What one statement of a D1 query produced, in D1's reply shape.
using Json = nlohmann::json;

class Store {
 public:
  explicit Store(const std::filesystem::path& path);

  // D1 databases.
  Json list_databases() const;
  std::optional<Json> database(const std::string& uuid) const;
  bool has_database_named(const std::string& name) const;
  Json create_database(const std::string& name);
  // Runs every statement of sql in one transaction on the database's file.
  // Returns the per-statement results, or throws SqlError (rolled back).
  Json query(const std::string& uuid, const std::string& sql,
             const Json& params);

  // Workers.
  bool has_script(const std::string& name) const;
  void put_script(const std::string& name, const Json& metadata,
                  const std::vector<Module>& modules);
  Json script_settings(const std::string& name) const;
  void patch_settings(const std::string& name, const Json& settings);
  void put_secret(const std::string& script, const std::string& name,
                  const std::string& value);
  Json list_secrets(const std::string& script) const;
  // Names and values, for the live tracker (live.hpp) only.
  std::map<std::string, std::string> secret_values(
      const std::string& script) const;
  void put_schedules(const std::string& script,
                     const std::vector<std::string>& crons);
  Json schedules(const std::string& script) const;

  void log_request(const std::string& method, const std::string& path,
                   const std::string& query, int status);
  // Everything above as one JSON document, for GET /__standin/state.
  Json state() const;

 private:
  Json bindings_of(const std::string& script) const;

  std::filesystem::path dir_;
  mutable SQLite::Database db_;
};

struct SqlError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace standin
