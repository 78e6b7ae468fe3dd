// Schema migrations for the SQLite backend, applied in order under PRAGMA user_version,
// each in its own transaction together with the version bump.
#pragma once
#include <string_view>
#include <vector>

#include "store/store.h"

namespace SQLite {
class Database;
}

namespace tp {

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

const std::vector<Migration>& sqlite_migrations();

// Brings the database up to the newest version. Throws StorageError if the file is newer than
// this binary knows (a downgrade would silently misread it).
// `before` (optional) is told of each migration about to upgrade an existing database.
void apply_migrations(SQLite::Database& db, const std::vector<Migration>& migrations,
                      const MigrationObserver& before = {});

}  // namespace tp
