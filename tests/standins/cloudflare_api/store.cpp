#include "store.hpp"

#include <openssl/sha.h>
#include <sqlite3.h>

#include <chrono>
#include <random>

namespace standin {
namespace {

const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS databases (
  uuid TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL, file TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scripts (
  name TEXT PRIMARY KEY, main_module TEXT, metadata TEXT NOT NULL,
  uploads INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS modules (
  script TEXT NOT NULL, name TEXT NOT NULL, content_type TEXT NOT NULL,
  size INTEGER NOT NULL, sha256 TEXT NOT NULL, PRIMARY KEY (script, name));
CREATE TABLE IF NOT EXISTS secrets (
  script TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (script, name));
CREATE TABLE IF NOT EXISTS schedules (script TEXT NOT NULL, cron TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS requests (
  id INTEGER PRIMARY KEY, method TEXT NOT NULL, path TEXT NOT NULL,
  query TEXT NOT NULL, status INTEGER NOT NULL);
)sql";

std::string new_uuid() {
  static std::random_device rd;
  std::uniform_int_distribution<int> nibble(0, 15);
  std::string out;
  const char* hex = "0123456789abcdef";
  for (int i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      out += '-';
    } else if (i == 14) {
      out += '4';
    } else if (i == 19) {
      out += hex[8 + nibble(rd) % 4];
    } else {
      out += hex[nibble(rd)];
    }
  }
  return out;
}

std::string now_iso() {
  auto t = std::chrono::system_clock::to_time_t(
      std::chrono::system_clock::now());
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

std::string sha256_hex(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         digest);
  std::string out;
  const char* hex = "0123456789abcdef";
  for (unsigned char c : digest) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

Json column_value(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER:
      return sqlite3_column_int64(stmt, i);
    case SQLITE_FLOAT:
      return sqlite3_column_double(stmt, i);
    case SQLITE_NULL:
      return nullptr;
    default:
      return std::string(
          reinterpret_cast<const char*>(sqlite3_column_text(stmt, i)),
          sqlite3_column_bytes(stmt, i));
  }
}

void bind_params(sqlite3_stmt* stmt, const Json& params) {
  for (std::size_t i = 0; i < params.size(); ++i) {
    const Json& p = params[i];
    int at = static_cast<int>(i) + 1;
    if (p.is_null()) {
      sqlite3_bind_null(stmt, at);
    } else if (p.is_number_integer()) {
      sqlite3_bind_int64(stmt, at, p.get<std::int64_t>());
    } else if (p.is_number()) {
      sqlite3_bind_double(stmt, at, p.get<double>());
    } else {
      std::string s = p.is_string() ? p.get<std::string>() : p.dump();
      sqlite3_bind_text(stmt, at, s.c_str(), -1, SQLITE_TRANSIENT);
    }
  }
}

// D1 refuses SQL-level transactions: the whole request is the transaction.
bool is_transaction_control(sqlite3_stmt* stmt) {
  std::string sql = sqlite3_sql(stmt);
  auto start = sql.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) return false;
  std::string word;
  for (auto i = start; i < sql.size() && std::isalpha(sql[i]); ++i)
    word += static_cast<char>(std::toupper(sql[i]));
  return word == "BEGIN" || word == "COMMIT" || word == "END" ||
         word == "ROLLBACK" || word == "SAVEPOINT" || word == "RELEASE";
}

class D1File {
 public:
  explicit D1File(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK)
      throw SqlError("cannot open " + path);
  }
  ~D1File() { sqlite3_close(db_); }
  sqlite3* get() { return db_; }
  std::string error() const { return sqlite3_errmsg(db_); }

  void exec(const char* sql) { sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }

 private:
  sqlite3* db_ = nullptr;
};

Json run_statement(D1File& file, sqlite3_stmt* stmt) {
  Json rows = Json::array();
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    Json row = Json::object();
    for (int i = 0; i < sqlite3_column_count(stmt); ++i)
      row[sqlite3_column_name(stmt, i)] = column_value(stmt, i);
    rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) throw SqlError(file.error() + ": SQLITE_ERROR");
  Json meta = {{"changed_db", sqlite3_changes(file.get()) > 0},
               {"changes", sqlite3_changes(file.get())},
               {"last_row_id", sqlite3_last_insert_rowid(file.get())},
               {"duration", 0},
               {"rows_read", rows.size()},
               {"rows_written", sqlite3_changes(file.get())},
               {"served_by", "cf-api-standin"}};
  return {{"results", rows}, {"success", true}, {"meta", meta}};
}

Json run_all(D1File& file, const std::string& sql, const Json& params) {
  Json results = Json::array();
  const char* tail = sql.c_str();
  while (*tail) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(file.get(), tail, -1, &stmt, &tail) != SQLITE_OK)
      throw SqlError(file.error() + ": SQLITE_ERROR");
    if (!stmt) continue;  // whitespace or a comment
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(
        stmt, sqlite3_finalize);
    if (is_transaction_control(stmt))
      throw SqlError(
          "To execute a transaction, please use the state.storage."
          "transaction() or state.storage.transactionSync() APIs instead "
          "of the SQL BEGIN TRANSACTION or SAVEPOINT statements: "
          "SQLITE_AUTH");
    bind_params(stmt, params);
    results.push_back(run_statement(file, stmt));
  }
  return results;
}

}  // namespace

Store::Store(const std::filesystem::path& path)
    : dir_(path.string() + ".d1"),
      db_(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE) {
  std::filesystem::create_directories(dir_);
  db_.exec(kSchema);
}

Json Store::list_databases() const {
  SQLite::Statement q(db_,
                      "SELECT uuid, name, created_at FROM databases "
                      "ORDER BY created_at, rowid");
  Json out = Json::array();
  while (q.executeStep()) {
    out.push_back({{"uuid", q.getColumn(0).getString()},
                   {"name", q.getColumn(1).getString()},
                   {"created_at", q.getColumn(2).getString()},
                   {"version", "production"},
                   {"num_tables", 0},
                   {"file_size", 0}});
  }
  return out;
}

std::optional<Json> Store::database(const std::string& uuid) const {
  for (const auto& d : list_databases())
    if (d["uuid"] == uuid) return d;
  return std::nullopt;
}

bool Store::has_database_named(const std::string& name) const {
  SQLite::Statement q(db_, "SELECT 1 FROM databases WHERE name = ?");
  q.bind(1, name);
  return q.executeStep();
}

Json Store::create_database(const std::string& name) {
  std::string uuid = new_uuid();
  std::string file = (dir_ / (uuid + ".sqlite")).string();
  SQLite::Statement ins(db_, "INSERT INTO databases VALUES (?, ?, ?, ?)");
  ins.bind(1, uuid);
  ins.bind(2, name);
  ins.bind(3, now_iso());
  ins.bind(4, file);
  ins.exec();
  D1File created(file);
  return *database(uuid);
}

Json Store::query(const std::string& uuid, const std::string& sql,
                  const Json& params) {
  D1File file((dir_ / (uuid + ".sqlite")).string());
  file.exec("BEGIN IMMEDIATE");
  try {
    Json results = run_all(file, sql, params);
    file.exec("COMMIT");
    return results;
  } catch (...) {
    file.exec("ROLLBACK");
    throw;
  }
}

bool Store::has_script(const std::string& name) const {
  SQLite::Statement q(db_, "SELECT 1 FROM scripts WHERE name = ?");
  q.bind(1, name);
  return q.executeStep();
}

// Secrets outlive uploads, as on Cloudflare: only the settings PATCH or a
// secret call changes them. An "inherit" binding keeps the previous one.
void Store::put_script(const std::string& name, const Json& metadata,
                       const std::vector<Module>& modules) {
  Json old = bindings_of(name);
  Json plain = Json::array();
  SQLite::Transaction tx(db_);
  for (const auto& b : metadata.value("bindings", Json::array())) {
    std::string type = b.value("type", "");
    if (type == "secret_text") {
      put_secret(name, b.value("name", ""), b.value("text", ""));
    } else if (type == "inherit") {
      for (const auto& o : old)
        if (o.value("name", "") == b.value("name", "")) plain.push_back(o);
    } else {
      plain.push_back(b);
    }
  }
  Json kept = metadata;
  kept["bindings"] = plain;
  SQLite::Statement up(db_,
                       "INSERT INTO scripts VALUES (?, ?, ?, 1) "
                       "ON CONFLICT (name) DO UPDATE SET main_module = "
                       "excluded.main_module, metadata = excluded.metadata, "
                       "uploads = uploads + 1");
  up.bind(1, name);
  up.bind(2, metadata.value("main_module", metadata.value("body_part", "")));
  up.bind(3, kept.dump());
  up.exec();
  SQLite::Statement del(db_, "DELETE FROM modules WHERE script = ?");
  del.bind(1, name);
  del.exec();
  for (const auto& m : modules) {
    SQLite::Statement ins(db_, "INSERT OR REPLACE INTO modules "
                               "VALUES (?, ?, ?, ?, ?)");
    ins.bind(1, name);
    ins.bind(2, m.name);
    ins.bind(3, m.content_type);
    ins.bind(4, static_cast<std::int64_t>(m.content.size()));
    ins.bind(5, sha256_hex(m.content));
    ins.exec();
  }
  tx.commit();
}

Json Store::bindings_of(const std::string& script) const {
  SQLite::Statement q(db_, "SELECT metadata FROM scripts WHERE name = ?");
  q.bind(1, script);
  if (!q.executeStep()) return Json::array();
  return Json::parse(q.getColumn(0).getString()).value("bindings",
                                                       Json::array());
}

Json Store::script_settings(const std::string& name) const {
  Json bindings = bindings_of(name);
  for (const auto& s : list_secrets(name)) bindings.push_back(s);
  SQLite::Statement q(db_, "SELECT metadata FROM scripts WHERE name = ?");
  q.bind(1, name);
  Json metadata = q.executeStep() ? Json::parse(q.getColumn(0).getString())
                                  : Json::object();
  return {{"bindings", bindings},
          {"compatibility_date", metadata.value("compatibility_date", "")},
          {"compatibility_flags",
           metadata.value("compatibility_flags", Json::array())},
          {"logpush", false},
          {"placement", Json::object()},
          {"tail_consumers", nullptr},
          {"usage_model", "standard"}};
}

// Settings replace the binding list: what the patch does not name is gone.
void Store::patch_settings(const std::string& name, const Json& settings) {
  if (!settings.contains("bindings")) return;
  Json old_plain = bindings_of(name);
  Json plain = Json::array();
  std::vector<std::string> keep;
  std::vector<std::pair<std::string, std::string>> set;
  for (const auto& b : settings["bindings"]) {
    std::string type = b.value("type", "");
    std::string bname = b.value("name", "");
    // A binding named with nothing but its type keeps what it had, which
    // is how wrangler's `secret bulk` carries the bindings it does not set.
    bool inherit = type == "inherit" || b.size() == 2;
    if (inherit) {
      keep.push_back(bname);
      for (const auto& o : old_plain)
        if (o.value("name", "") == bname) plain.push_back(o);
    } else if (type == "secret_text") {
      set.emplace_back(bname, b.value("text", ""));
    } else {
      plain.push_back(b);
    }
  }
  SQLite::Transaction tx(db_);
  for (const auto& s : list_secrets(name)) {
    std::string sname = s["name"];
    if (std::find(keep.begin(), keep.end(), sname) != keep.end()) continue;
    SQLite::Statement del(db_,
                          "DELETE FROM secrets WHERE script = ? AND name = ?");
    del.bind(1, name);
    del.bind(2, sname);
    del.exec();
  }
  for (const auto& [sname, value] : set) put_secret(name, sname, value);
  SQLite::Statement md(db_, "SELECT metadata FROM scripts WHERE name = ?");
  md.bind(1, name);
  if (md.executeStep()) {
    Json metadata = Json::parse(md.getColumn(0).getString());
    metadata["bindings"] = plain;
    SQLite::Statement up(db_, "UPDATE scripts SET metadata = ? WHERE name = ?");
    up.bind(1, metadata.dump());
    up.bind(2, name);
    up.exec();
  }
  tx.commit();
}

void Store::put_secret(const std::string& script, const std::string& name,
                       const std::string& value) {
  SQLite::Statement up(db_, "INSERT OR REPLACE INTO secrets VALUES (?, ?, ?)");
  up.bind(1, script);
  up.bind(2, name);
  up.bind(3, value);
  up.exec();
}

Json Store::list_secrets(const std::string& script) const {
  SQLite::Statement q(db_,
                      "SELECT name FROM secrets WHERE script = ? ORDER BY name");
  q.bind(1, script);
  Json out = Json::array();
  while (q.executeStep())
    out.push_back({{"name", q.getColumn(0).getString()},
                   {"type", "secret_text"}});
  return out;
}

std::map<std::string, std::string> Store::secret_values(
    const std::string& script) const {
  SQLite::Statement q(db_, "SELECT name, value FROM secrets WHERE script = ?");
  q.bind(1, script);
  std::map<std::string, std::string> out;
  while (q.executeStep())
    out[q.getColumn(0).getString()] = q.getColumn(1).getString();
  return out;
}

void Store::put_schedules(const std::string& script,
                          const std::vector<std::string>& crons) {
  SQLite::Transaction tx(db_);
  SQLite::Statement del(db_, "DELETE FROM schedules WHERE script = ?");
  del.bind(1, script);
  del.exec();
  for (const auto& cron : crons) {
    SQLite::Statement ins(db_, "INSERT INTO schedules VALUES (?, ?)");
    ins.bind(1, script);
    ins.bind(2, cron);
    ins.exec();
  }
  tx.commit();
}

Json Store::schedules(const std::string& script) const {
  SQLite::Statement q(db_, "SELECT cron FROM schedules WHERE script = ?");
  q.bind(1, script);
  Json out = Json::array();
  while (q.executeStep())
    out.push_back({{"cron", q.getColumn(0).getString()},
                   {"created_on", now_iso()},
                   {"modified_on", now_iso()}});
  return out;
}

void Store::log_request(const std::string& method, const std::string& path,
                        const std::string& query, int status) {
  SQLite::Statement ins(db_,
                        "INSERT INTO requests (method, path, query, status) "
                        "VALUES (?, ?, ?, ?)");
  ins.bind(1, method);
  ins.bind(2, path);
  ins.bind(3, query);
  ins.bind(4, status);
  ins.exec();
}

namespace {

Json rows(SQLite::Database& db, const char* sql) {
  SQLite::Statement q(db, sql);
  Json out = Json::array();
  while (q.executeStep()) {
    Json row = Json::object();
    for (int i = 0; i < q.getColumnCount(); ++i) {
      auto c = q.getColumn(i);
      if (c.isInteger()) {
        row[c.getName()] = c.getInt64();
      } else {
        row[c.getName()] = c.getString();
      }
    }
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

Json Store::state() const {
  Json scripts = rows(db_, "SELECT * FROM scripts ORDER BY name");
  for (auto& s : scripts) {
    s["metadata"] = Json::parse(s["metadata"].get<std::string>());
    SQLite::Statement q(db_, "SELECT name, content_type, size, sha256 "
                             "FROM modules WHERE script = ? ORDER BY name");
    q.bind(1, s["name"].get<std::string>());
    s["modules"] = Json::array();
    while (q.executeStep())
      s["modules"].push_back({{"name", q.getColumn(0).getString()},
                              {"content_type", q.getColumn(1).getString()},
                              {"size", q.getColumn(2).getInt64()},
                              {"sha256", q.getColumn(3).getString()}});
  }
  return {{"databases", rows(db_, "SELECT * FROM databases ORDER BY rowid")},
          {"scripts", scripts},
          {"secrets", rows(db_, "SELECT * FROM secrets ORDER BY script, name")},
          {"schedules", rows(db_, "SELECT * FROM schedules ORDER BY rowid")},
          {"requests", rows(db_, "SELECT * FROM requests ORDER BY id")}};
}

}  // namespace standin
