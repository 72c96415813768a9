#include "serve/schema.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <set>

#include "common/error.hpp"

namespace gog::serve {
namespace {

constexpr Migration kMigrations[] = {
#include "migrations.inc"
};

// wrangler creates exactly this table; keeping its shape lets a database
// move between D1 exports and the native tracker.
constexpr const char* kCreateLedger =
    "CREATE TABLE IF NOT EXISTS d1_migrations("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " name TEXT UNIQUE,"
    " applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)";

std::set<std::string> applied_names(SQLite::Database& db) {
  std::set<std::string> names;
  SQLite::Statement query(db, "SELECT name FROM d1_migrations");
  while (query.executeStep())
    names.insert(query.getColumn(0).getString());
  return names;
}

void refuse_unknown(const std::set<std::string>& applied,
                    const std::string& db_path) {
  std::set<std::string> known;
  for (const auto& m : kMigrations)
    known.insert(m.name);
  for (const auto& name : applied) {
    if (known.count(name))
      continue;
    throw Error("database " + quoted(db_path) + " has migration " +
                    quoted(name) + " that this gog does not know",
                "upgrade gog, or pass --db with another database file");
  }
}

void apply(SQLite::Database& db, const Migration& m) {
  try {
    SQLite::Transaction tx(db);
    db.exec(m.sql);
    SQLite::Statement record(db, "INSERT INTO d1_migrations (name) VALUES (?)");
    record.bind(1, m.name);
    record.exec();
    tx.commit();
  } catch (const SQLite::Exception& e) {
    throw Error("cannot apply migration " + quoted(m.name) + " to " +
                    quoted(db.getFilename()) + ": " + e.what(),
                "if the schema was created outside the d1_migrations ledger, "
                "start from a new --db file");
  }
}

}  // namespace

std::span<const Migration> embedded_migrations() {
  return kMigrations;
}

std::vector<std::string> migrate(SQLite::Database& db) {
  db.exec(kCreateLedger);
  auto applied = applied_names(db);
  refuse_unknown(applied, db.getFilename());

  std::vector<std::string> now_applied;
  for (const auto& m : kMigrations) {
    if (applied.count(m.name))
      continue;
    apply(db, m);
    now_applied.push_back(m.name);
  }
  return now_applied;
}

}  // namespace gog::serve
