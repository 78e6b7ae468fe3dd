// The lookups by customer, visitor and session must seek the bucketed key tables of migration 6, once per
// bucket, and reach the rows not in them yet by a rowid range (the tail after lookup_keys_through), never
// scan interactions: a scan would still return the right rows, only slowly at millions of rows. So the
// plans are checked here.
#include "store/bucket_lookups.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "store/sqlite_store.h"
#include "support/temp_dir.h"

namespace tp {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The plan of a statement, one line per step ("SEARCH i USING COVERING INDEX ...", "SCAN buckets", ...).
std::string plan(SQLite::Database& db, const std::string& sql) {
  SQLite::Statement st(db, "EXPLAIN QUERY PLAN " + sql);
  std::string out;
  while (st.executeStep()) out += st.getColumn(3).getString() + "\n";
  return out;
}

class BucketLookups : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteOptions o;
    o.path = dir.file("t.db");
    SqliteStore migrated(o);  // creates the schema at the newest version
    db = std::make_unique<SQLite::Database>(o.path, SQLite::OPEN_READONLY);
  }
  // The plan of a read of "interactions i" under `condition`, with the buckets defined.
  std::string plan_where(const std::string& condition) {
    return plan(*db, std::string(bucket_lookups::kBucketsCte) + "SELECT i.seq FROM interactions i WHERE " +
                         condition);
  }
  testing::TempDir dir;
  std::unique_ptr<SQLite::Database> db;
};

constexpr const char* kCustomerSeek = "SEARCH customer_keys USING PRIMARY KEY (bucket=? AND id=?)";
constexpr const char* kVisitorSeek = "SEARCH visitor_keys USING PRIMARY KEY (bucket=? AND id=?)";
constexpr const char* kTailRange = "SEARCH interactions USING INTEGER PRIMARY KEY (rowid>?)";

TEST_F(BucketLookups, RowsOfAnIdSeekTheCustomerAndVisitorKeysAndTheTail) {
  const std::string p = plan_where(std::string("i.seq IN ") + bucket_lookups::kSeqsOfId);
  EXPECT_THAT(p, HasSubstr(kCustomerSeek));
  EXPECT_THAT(p, HasSubstr(kVisitorSeek));
  EXPECT_THAT(p, HasSubstr(kTailRange));
  EXPECT_THAT(p, Not(HasSubstr("SCAN interactions")));
}

TEST_F(BucketLookups, ASessionSeeksTheSessionKeysAndTheTail) {
  const std::string p = plan_where(bucket_lookups::kSessionFilter);
  EXPECT_THAT(p, HasSubstr("SEARCH session_keys USING PRIMARY KEY (bucket=? AND id=?)"));
  EXPECT_THAT(p, HasSubstr(kTailRange));
  EXPECT_THAT(p, Not(HasSubstr("SCAN i")));
  EXPECT_THAT(p, Not(HasSubstr("SCAN interactions")));
}

TEST_F(BucketLookups, ACustomersCandidatesSeekTheKeysForTheIdAndEveryAlias) {
  const std::string p = plan_where(bucket_lookups::kCustomerCandidates);
  EXPECT_THAT(p, HasSubstr(kCustomerSeek));
  EXPECT_THAT(p, HasSubstr(kVisitorSeek));
  EXPECT_THAT(p, HasSubstr(kTailRange));
  EXPECT_THAT(p, Not(HasSubstr("SCAN interactions")));
}

}  // namespace
}  // namespace tp
