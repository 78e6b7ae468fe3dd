// The writer's WAL-gathering VFS must be invisible except in speed: every commit readable by other
// connections (which use SQLite's default VFS) as soon as it returns, its bytes in the WAL file by then,
// and the database whole after spills, frame rewrites, transactions larger than the buffer, checkpoints
// and reopening.
#include "store/wal_write_vfs.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <random>
#include <string>

#include "support/temp_dir.h"

namespace tp {
namespace {

constexpr int kPageSize = 4096;

std::unique_ptr<SQLite::Database> open_writer(const std::string& path, int cache_pages) {
  auto db = std::make_unique<SQLite::Database>(path.c_str(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 0,
                                               wal_write_vfs_name());
  db->exec("PRAGMA page_size = " + std::to_string(kPageSize));
  db->exec("PRAGMA journal_mode = WAL");
  db->exec("PRAGMA synchronous = FULL");
  db->exec("PRAGMA wal_autocheckpoint = 0");
  // A tiny page cache makes SQLite spill dirty pages into the WAL in the middle of a transaction and
  // read them back, and rewrite frames of the same transaction: the paths a buffer could get wrong.
  db->exec("PRAGMA cache_size = " + std::to_string(cache_pages));
  db->exec("CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v BLOB NOT NULL, n INTEGER NOT NULL)");
  db->exec("CREATE INDEX IF NOT EXISTS t_v ON t (v)");
  return db;
}

std::string random_bytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

int64_t count(SQLite::Database& db) {
  return db.execAndGet("SELECT COUNT(*) FROM t").getInt64();
}
int64_t total(SQLite::Database& db) {
  return db.execAndGet("SELECT COALESCE(SUM(n), 0) FROM t").getInt64();
}

// Inserts `rows` rows with random keys and values, then updates every row it inserted once more (the
// same pages written twice in one transaction).
void write_transaction(SQLite::Database& db, std::mt19937_64& rng, int rows, size_t value_bytes,
                       int64_t& expected_rows, int64_t& expected_total) {
  SQLite::Transaction tx(db);
  SQLite::Statement insert(db, "INSERT INTO t (k, v, n) VALUES (?1, ?2, 1)");
  std::vector<int64_t> keys;
  for (int i = 0; i < rows; ++i) {
    const auto key = static_cast<int64_t>(rng() >> 2);
    const std::string value = random_bytes(rng, value_bytes);
    insert.bind(1, key);
    insert.bind(2, value.data(), static_cast<int>(value.size()));
    insert.exec();
    insert.reset();
    keys.push_back(key);
  }
  SQLite::Statement update(db, "UPDATE t SET n = n + 1 WHERE k = ?1");
  for (const int64_t key : keys) {
    update.bind(1, key);
    update.exec();
    update.reset();
  }
  tx.commit();
  expected_rows += rows;
  expected_total += 2 * rows;
}

TEST(WalWriteVfs, IsRegisteredBesideTheDefaultWithoutReplacingIt) {
  const char* name = wal_write_vfs_name();
  ASSERT_NE(name, nullptr);
  sqlite3_vfs* ours = sqlite3_vfs_find(name);
  ASSERT_NE(ours, nullptr);
  EXPECT_NE(sqlite3_vfs_find(nullptr), ours);
  EXPECT_EQ(wal_write_vfs_name(), name);  // registered once
}

TEST(WalWriteVfs, EveryCommitIsReadableByAnotherConnectionAsSoonAsItReturns) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "t.db").string();
  auto writer = open_writer(path, /*cache_pages=*/16);
  SQLite::Database reader(path, SQLite::OPEN_READONLY);
  std::mt19937_64 rng(7);
  int64_t rows = 0, sum = 0;
  for (int round = 0; round < 40; ++round) {
    const int n = round % 5 == 0 ? 3000 : 1 + round * 7;  // some far bigger than the page cache
    write_transaction(*writer, rng, n, 40 + round * 3, rows, sum);
    EXPECT_EQ(count(reader), rows) << "after transaction " << round;
    EXPECT_EQ(total(reader), sum) << "after transaction " << round;
  }
  EXPECT_EQ(reader.execAndGet("PRAGMA integrity_check").getString(), "ok");
}

TEST(WalWriteVfs, CommitReturnsWithItsFramesInTheWalFile) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "t.db").string();
  auto writer = open_writer(path, /*cache_pages=*/2000);
  // SQLite calls the WAL hook after each commit with the number of frames the WAL holds.
  int frames = 0;
  sqlite3_wal_hook(
      writer->getHandle(),
      [](void* out, sqlite3*, const char*, int pages) {
        *static_cast<int*>(out) = pages;
        return SQLITE_OK;
      },
      &frames);
  std::mt19937_64 rng(11);
  int64_t rows = 0, sum = 0;
  for (int round = 0; round < 10; ++round) {
    write_transaction(*writer, rng, 200, 100, rows, sum);
    // No checkpoint runs, so the WAL only grows: its 32-byte header, then per frame a 24-byte header
    // and a page. Bytes still held in a buffer would leave the file short.
    ASSERT_GT(frames, 0);
    EXPECT_EQ(std::filesystem::file_size(path + "-wal"),
              32u + static_cast<uint64_t>(frames) * (24 + kPageSize))
        << "round " << round;
  }
}

TEST(WalWriteVfs, ATransactionLargerThanTheBufferCheckpointsAndReopensWhole) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "t.db").string();
  std::mt19937_64 rng(3);
  int64_t rows = 0, sum = 0;
  {
    auto writer = open_writer(path, /*cache_pages=*/100);
    write_transaction(*writer, rng, 6000, 3000, rows, sum);  // ~18 MB of values: past the 8 MiB buffer
    for (int round = 0; round < 5; ++round) {
      write_transaction(*writer, rng, 500, 200, rows, sum);
      // A checkpoint from another connection, as the daemon's checkpointer does, between commits.
      SQLite::Database checkpointer(path, SQLite::OPEN_READWRITE);
      checkpointer.exec("PRAGMA wal_checkpoint(PASSIVE)");
    }
  }  // closed: the last connection checkpoints and removes the WAL
  SQLite::Database reopened(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(reopened.execAndGet("PRAGMA integrity_check").getString(), "ok");
  EXPECT_EQ(count(reopened), rows);
  EXPECT_EQ(total(reopened), sum);
}

}  // namespace
}  // namespace tp
