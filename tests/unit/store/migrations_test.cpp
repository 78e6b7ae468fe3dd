#include "store/migrations.h"

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "store/store.h"
#include "support/temp_dir.h"

namespace tp {
namespace {

int user_version(SQLite::Database& db) {
  return db.execAndGet("PRAGMA user_version").getInt();
}

bool has_table(SQLite::Database& db, const std::string& name) {
  return db.tableExists(name);
}

class Migrations : public ::testing::Test {
 protected:
  testing::TempDir dir;
  SQLite::Database db{dir.file("m.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
};

TEST_F(Migrations, FreshDatabaseGetsTheNewestVersion) {
  const auto& migrations = sqlite_migrations();
  ASSERT_FALSE(migrations.empty());
  ASSERT_EQ(user_version(db), 0);
  apply_migrations(db, migrations);
  EXPECT_EQ(user_version(db), migrations.back().version);
  for (const char* table : {"interactions", "identity_links", "dead_letters"})
    EXPECT_TRUE(has_table(db, table)) << table;
}

TEST_F(Migrations, VersionsAreIncreasing) {
  const auto& migrations = sqlite_migrations();
  int previous = 0;
  for (const auto& m : migrations) {
    EXPECT_GT(m.version, previous);
    EXPECT_FALSE(m.description.empty());
    previous = m.version;
  }
}

TEST_F(Migrations, ApplyingTwiceIsANoOp) {
  apply_migrations(db, sqlite_migrations());
  // The schema's CREATE TABLEs would fail if they ran again.
  EXPECT_NO_THROW(apply_migrations(db, sqlite_migrations()));
  EXPECT_EQ(user_version(db), sqlite_migrations().back().version);

  // With data-changing migrations the effect is visible: the rows are inserted once.
  const std::vector<Migration> counting = {
      {1, "table", "CREATE TABLE t (x INTEGER)"},
      {2, "one row", "INSERT INTO t VALUES (1)"},
  };
  SQLite::Database other(dir.file("other.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  apply_migrations(other, counting);
  apply_migrations(other, counting);
  EXPECT_EQ(other.execAndGet("SELECT count(*) FROM t").getInt(), 1);
  EXPECT_EQ(user_version(other), 2);
}

TEST_F(Migrations, OnlyNewerMigrationsRun) {
  const std::vector<Migration> v1 = {{1, "a", "CREATE TABLE a (x)"}};
  apply_migrations(db, v1);
  EXPECT_EQ(user_version(db), 1);
  const std::vector<Migration> v3 = {
      {1, "a", "CREATE TABLE a (x)"},
      {2, "b", "CREATE TABLE b (x); INSERT INTO b VALUES (2)"},  // several statements in one migration
      {3, "c", "CREATE TABLE c (x)"},
  };
  std::vector<std::string> told;  // the daemon logs these before a slow upgrade
  auto tell = [&](int from, int version, std::string_view what) {
    told.push_back(std::to_string(from) + "->" + std::to_string(version) + " " + std::string(what));
  };
  SQLite::Database fresh(dir.file("fresh.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  apply_migrations(fresh, v3, tell);
  EXPECT_TRUE(told.empty());  // creating a new database is no upgrade
  apply_migrations(db, v3, tell);
  EXPECT_EQ(told, (std::vector<std::string>{"1->2 b", "1->3 c"}));
  EXPECT_EQ(user_version(db), 3);
  EXPECT_TRUE(has_table(db, "b"));
  EXPECT_TRUE(has_table(db, "c"));
  EXPECT_EQ(db.execAndGet("SELECT x FROM b").getInt(), 2);
}

TEST_F(Migrations, NewerDatabaseIsRefused) {
  db.exec("PRAGMA user_version = 99");
  EXPECT_THROW(apply_migrations(db, sqlite_migrations()), StorageError);
  EXPECT_EQ(user_version(db), 99);
  EXPECT_FALSE(has_table(db, "interactions"));
}

TEST_F(Migrations, FailingMigrationRollsBackAndKeepsTheVersion) {
  const std::vector<Migration> migrations = {
      {1, "good", "CREATE TABLE a (x)"},
      {2, "bad", "CREATE TABLE b (x); INSERT INTO a VALUES (1); INSERT INTO no_such_table VALUES (1)"},
      {3, "never reached", "CREATE TABLE c (x)"},
  };
  EXPECT_ANY_THROW(apply_migrations(db, migrations));
  // Migration 1 committed on its own; everything of migration 2 was undone; 3 never ran.
  EXPECT_EQ(user_version(db), 1);
  EXPECT_TRUE(has_table(db, "a"));
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM a").getInt(), 0);
  EXPECT_FALSE(has_table(db, "b"));
  EXPECT_FALSE(has_table(db, "c"));
  // No transaction is left open on the connection.
  EXPECT_NE(sqlite3_get_autocommit(db.getHandle()), 0);

  // Once fixed, the same database migrates on.
  const std::vector<Migration> fixed = {
      {1, "good", "CREATE TABLE a (x)"},
      {2, "fixed", "CREATE TABLE b (x)"},
  };
  apply_migrations(db, fixed);
  EXPECT_EQ(user_version(db), 2);
  EXPECT_TRUE(has_table(db, "b"));
}

}  // namespace
}  // namespace tp
