// The native tracker's schema: migrations/*.sql, embedded in the binary at
// build time and applied in name order with the same ledger as D1.
#pragma once

#include <SQLiteCpp/Database.h>

#include <span>
#include <string>
#include <vector>

namespace gog::serve {

struct Migration {
  const char* name;  // "0001_create_opens.sql"
  const char* sql;
};

// Every migration this binary knows, in the order they apply.
std::span<const Migration> embedded_migrations();

// Creates the ledger `d1_migrations(id, name, applied_at)` (wrangler's
// shape, so one database file could serve both) and applies each embedded
// migration not in it, each inside one transaction together with its ledger
// row. Returns the names applied now. Throws gog::Error naming the migration
// when one fails (for example a table created outside the ledger), and when
// the ledger holds a migration this binary does not know (a newer gog wrote
// the database).
std::vector<std::string> migrate(SQLite::Database& db);

}  // namespace gog::serve
