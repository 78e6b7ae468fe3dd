// synchronous=FULL is a per-connection setting that no other connection can read, so it is shown by its
// effect: with FULL the WAL file is fsynced at every commit (a 2xx survives power loss); with NORMAL it is
// synced only at checkpoints. A counting VFS, installed as SQLite's default while a test runs, sees the
// syncs. The same VFS can fail the WAL's writes (a full disk: SQLITE_FULL) or its syncs (an fsync error),
// to show that a commit that fails that way acknowledges nothing, leaves nothing behind, and that the
// store carries on once the disk is back.
#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <string>
#include <vector>

#include "store/sqlite_store.h"
#include "support/temp_dir.h"

namespace tp {
namespace {

std::atomic<int> g_wal_syncs{0};
std::atomic<bool> g_disk_full{false};   // the WAL's writes fail with SQLITE_FULL
std::atomic<bool> g_sync_fails{false};  // the WAL's syncs fail with SQLITE_IOERR_FSYNC
sqlite3_vfs* g_real = nullptr;

struct CountingFile {
  sqlite3_file base;  // first: SQLite reads pMethods from here
  sqlite3_file* real;
  bool wal;
};

sqlite3_file* real_of(sqlite3_file* f) {
  return reinterpret_cast<CountingFile*>(f)->real;
}

int c_close(sqlite3_file* f) {
  return real_of(f)->pMethods->xClose(real_of(f));
}
int c_read(sqlite3_file* f, void* p, int n, sqlite3_int64 o) {
  return real_of(f)->pMethods->xRead(real_of(f), p, n, o);
}
int c_write(sqlite3_file* f, const void* p, int n, sqlite3_int64 o) {
  if (g_disk_full && reinterpret_cast<CountingFile*>(f)->wal) return SQLITE_FULL;
  return real_of(f)->pMethods->xWrite(real_of(f), p, n, o);
}
int c_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return real_of(f)->pMethods->xTruncate(real_of(f), size);
}
int c_sync(sqlite3_file* f, int flags) {
  if (reinterpret_cast<CountingFile*>(f)->wal) {
    ++g_wal_syncs;
    if (g_sync_fails) return SQLITE_IOERR_FSYNC;
  }
  return real_of(f)->pMethods->xSync(real_of(f), flags);
}
int c_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real_of(f)->pMethods->xFileSize(real_of(f), size);
}
int c_lock(sqlite3_file* f, int l) {
  return real_of(f)->pMethods->xLock(real_of(f), l);
}
int c_unlock(sqlite3_file* f, int l) {
  return real_of(f)->pMethods->xUnlock(real_of(f), l);
}
int c_check_reserved(sqlite3_file* f, int* out) {
  return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
int c_file_control(sqlite3_file* f, int op, void* arg) {
  return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
int c_sector_size(sqlite3_file* f) {
  return real_of(f)->pMethods->xSectorSize(real_of(f));
}
int c_device(sqlite3_file* f) {
  return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}
int c_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** p) {
  return real_of(f)->pMethods->xShmMap(real_of(f), region, size, extend, p);
}
int c_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}
void c_shm_barrier(sqlite3_file* f) {
  real_of(f)->pMethods->xShmBarrier(real_of(f));
}
int c_shm_unmap(sqlite3_file* f, int del) {
  return real_of(f)->pMethods->xShmUnmap(real_of(f), del);
}
int c_fetch(sqlite3_file* f, sqlite3_int64 o, int n, void** p) {
  return real_of(f)->pMethods->xFetch(real_of(f), o, n, p);
}
int c_unfetch(sqlite3_file* f, sqlite3_int64 o, void* p) {
  return real_of(f)->pMethods->xUnfetch(real_of(f), o, p);
}

const sqlite3_io_methods kMethods = {
    .iVersion = 3,
    .xClose = c_close,
    .xRead = c_read,
    .xWrite = c_write,
    .xTruncate = c_truncate,
    .xSync = c_sync,
    .xFileSize = c_file_size,
    .xLock = c_lock,
    .xUnlock = c_unlock,
    .xCheckReservedLock = c_check_reserved,
    .xFileControl = c_file_control,
    .xSectorSize = c_sector_size,
    .xDeviceCharacteristics = c_device,
    .xShmMap = c_shm_map,
    .xShmLock = c_shm_lock,
    .xShmBarrier = c_shm_barrier,
    .xShmUnmap = c_shm_unmap,
    .xFetch = c_fetch,
    .xUnfetch = c_unfetch,
};

int v_open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  auto* f = reinterpret_cast<CountingFile*>(file);
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  f->wal = (flags & SQLITE_OPEN_WAL) != 0;
  const int rc = g_real->xOpen(g_real, name, f->real, flags, out_flags);
  // Only a file whose real open succeeded gets methods (and so an xClose call later).
  f->base.pMethods = rc == SQLITE_OK && f->real->pMethods ? &kMethods : nullptr;
  return rc;
}
int v_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return g_real->xDelete(g_real, name, sync_dir);
}
int v_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_real->xAccess(g_real, name, flags, out);
}
int v_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return g_real->xFullPathname(g_real, name, n, out);
}
void* v_dl_open(sqlite3_vfs*, const char* name) {
  return g_real->xDlOpen(g_real, name);
}
void v_dl_error(sqlite3_vfs*, int n, char* msg) {
  g_real->xDlError(g_real, n, msg);
}
void (*v_dl_sym(sqlite3_vfs*, void* h, const char* sym))(void) {
  return g_real->xDlSym(g_real, h, sym);
}
void v_dl_close(sqlite3_vfs*, void* h) {
  g_real->xDlClose(g_real, h);
}
int v_randomness(sqlite3_vfs*, int n, char* out) {
  return g_real->xRandomness(g_real, n, out);
}
int v_sleep(sqlite3_vfs*, int us) {
  return g_real->xSleep(g_real, us);
}
int v_current_time(sqlite3_vfs*, double* out) {
  return g_real->xCurrentTime(g_real, out);
}
int v_last_error(sqlite3_vfs*, int n, char* out) {
  return g_real->xGetLastError(g_real, n, out);
}
int v_current_time64(sqlite3_vfs*, sqlite3_int64* out) {
  return g_real->xCurrentTimeInt64(g_real, out);
}

// Installs the counting VFS as SQLite's default for the lifetime of the object.
class CountingVfs {
 public:
  CountingVfs() {
    g_real = sqlite3_vfs_find(nullptr);
    vfs_ = {};
    vfs_.iVersion = 2;
    vfs_.szOsFile = static_cast<int>(sizeof(CountingFile)) + g_real->szOsFile;
    vfs_.mxPathname = g_real->mxPathname;
    vfs_.zName = "tp-unit-counting";
    vfs_.xOpen = v_open;
    vfs_.xDelete = v_delete;
    vfs_.xAccess = v_access;
    vfs_.xFullPathname = v_full_pathname;
    vfs_.xDlOpen = v_dl_open;
    vfs_.xDlError = v_dl_error;
    vfs_.xDlSym = v_dl_sym;
    vfs_.xDlClose = v_dl_close;
    vfs_.xRandomness = v_randomness;
    vfs_.xSleep = v_sleep;
    vfs_.xCurrentTime = v_current_time;
    vfs_.xGetLastError = v_last_error;
    vfs_.xCurrentTimeInt64 = v_current_time64;
    ok_ = g_real->iVersion >= 2 && sqlite3_vfs_register(&vfs_, /*makeDflt=*/1) == SQLITE_OK;
  }
  ~CountingVfs() {
    if (!ok_) return;
    sqlite3_vfs_register(g_real, 1);
    sqlite3_vfs_unregister(&vfs_);
  }
  bool ok() const { return ok_ && sqlite3_vfs_find(nullptr) == &vfs_; }

 private:
  sqlite3_vfs vfs_;
  bool ok_ = false;
};

constexpr int kCommits = 5;

// Runs kCommits small transactions on a raw connection with the given synchronous level; returns WAL syncs.
int raw_connection_wal_syncs(const std::string& path, const char* synchronous) {
  SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec(std::string("PRAGMA synchronous = ") + synchronous);
  db.exec("CREATE TABLE t (x)");
  db.exec("INSERT INTO t VALUES (0)");  // the WAL exists and has frames before counting starts
  const int before = g_wal_syncs.load();
  for (int i = 1; i <= kCommits; ++i) db.exec("INSERT INTO t VALUES (" + std::to_string(i) + ")");
  return g_wal_syncs.load() - before;
}

// The probe itself distinguishes the two settings; otherwise the store test below would prove nothing.
TEST(SqliteDurability, ProbeTellsFullFromNormal) {
  CountingVfs vfs;
  ASSERT_TRUE(vfs.ok());
  testing::TempDir dir;
  EXPECT_GE(raw_connection_wal_syncs(dir.file("full.db"), "FULL"), kCommits);
  EXPECT_LT(raw_connection_wal_syncs(dir.file("normal.db"), "NORMAL"), kCommits);
}

TEST(SqliteDurability, EveryStoreCommitSyncsTheWal) {
  CountingVfs vfs;
  ASSERT_TRUE(vfs.ok());
  testing::TempDir dir;
  {
    SqliteOptions o;
    o.path = dir.file("store.db");
    SqliteStore store(o);
    std::vector<BatchCounts> counts;
    auto commit = [&](int i) {
      WriteBatch b;
      b.source = "web";
      Interaction in;
      in.id = "e" + std::to_string(i);
      in.customer_id = "c";
      b.events.push_back(in);
      const WriteBatch* ptr = &b;
      store.commit({&ptr, 1}, counts);
      ASSERT_EQ(counts.at(0).accepted, 1u);
    };
    commit(0);  // the WAL exists and has frames before counting starts
    const int before = g_wal_syncs.load();
    for (int i = 1; i <= kCommits; ++i) commit(i);
    EXPECT_GE(g_wal_syncs.load() - before, kCommits) << "synchronous is not FULL on the writer connection";
  }
}

WriteBatch batch_of(const std::string& prefix, int n) {
  WriteBatch b;
  b.source = "web";
  for (int i = 0; i < n; ++i) {
    Interaction in;
    in.id = prefix + std::to_string(i);
    in.customer_id = "c-" + std::to_string(i % 3);
    in.session_id = "s-" + prefix;
    in.text = std::string(300, 'x');  // a few pages per commit
    b.events.push_back(in);
  }
  return b;
}

// Commits one batch; the accepted count, or -1 when the commit failed with a StorageError.
int64_t commit_or_fail(SqliteStore& store, const WriteBatch& b) {
  std::vector<BatchCounts> counts;
  const WriteBatch* ptr = &b;
  try {
    store.commit({&ptr, 1}, counts);
  } catch (const StorageError&) {
    return -1;
  }
  EXPECT_EQ(counts.at(0).duplicates, 0u) << "a failed commit left rows behind";
  return static_cast<int64_t>(counts.at(0).accepted);
}

size_t rows_of(SqliteStore& store, const std::string& customer) {
  InteractionQuery q;
  q.customer = customer;
  q.limit = 1000;
  return store.interactions(q).size();
}

// Both faults, each while rows are committed before and after: the failed batch is not stored (a later
// commit of the same events accepts every one, none counted as a duplicate), lookups by customer see
// exactly the committed rows, and the database is whole.
class SqliteFaults : public ::testing::TestWithParam<std::atomic<bool>*> {};

TEST_P(SqliteFaults, AFailedWalWriteOrSyncAcknowledgesNothingAndTheStoreCarriesOn) {
  CountingVfs vfs;
  ASSERT_TRUE(vfs.ok());
  std::atomic<bool>& fault = *GetParam();
  testing::TempDir dir;
  SqliteOptions o;
  o.path = dir.file("store.db");
  // Small batches of lookup keys, so that the failed commits carry keys too (store/lookup_keys.h).
  o.lookup_batch_rows = 16;
  o.lookup_keys_per_commit = 8;
  {
    SqliteStore store(o);
    ASSERT_EQ(commit_or_fail(store, batch_of("before-", 30)), 30);

    fault = true;
    const int64_t failed = commit_or_fail(store, batch_of("during-", 30));
    const int64_t failed_again = commit_or_fail(store, batch_of("during-", 30));  // a retry, still failing
    fault = false;
    EXPECT_EQ(failed, -1);
    EXPECT_EQ(failed_again, -1);
    EXPECT_EQ(rows_of(store, "c-0"), 10u) << "rows of the failed commit are visible";
    EXPECT_TRUE(store.writable()) << "/readyz must say ready again once the fault is gone";

    // The retry once the disk is back: every event is new, and the store goes on.
    EXPECT_EQ(commit_or_fail(store, batch_of("during-", 30)), 30);
    EXPECT_EQ(commit_or_fail(store, batch_of("after-", 30)), 30);
    EXPECT_EQ(rows_of(store, "c-0"), 30u);
    EXPECT_EQ(rows_of(store, "c-1"), 30u);
  }
  // And after a restart: the same rows, the database whole.
  SqliteStore reopened(o);
  EXPECT_EQ(rows_of(reopened, "c-2"), 30u);
  SQLite::Database check(o.path, SQLite::OPEN_READONLY);
  EXPECT_EQ(check.execAndGet("SELECT COUNT(*) FROM interactions").getInt64(), 90);
  // Every row below the lookup mark has its customer key, and no key names a row that is not there.
  EXPECT_EQ(check.execAndGet("SELECT COUNT(*) FROM customer_keys").getInt64(),
            check
                .execAndGet("SELECT COUNT(*) FROM interactions WHERE seq <= "
                            "(SELECT value FROM meta WHERE key = 'lookup_keys_through')")
                .getInt64());
  EXPECT_EQ(check
                .execAndGet("SELECT COUNT(*) FROM customer_keys k LEFT JOIN interactions i ON i.seq = k.seq "
                            "WHERE i.seq IS NULL")
                .getInt64(),
            0);
  EXPECT_EQ(check.execAndGet("PRAGMA integrity_check").getString(), "ok");
}

INSTANTIATE_TEST_SUITE_P(DiskFullAndFsyncError, SqliteFaults, ::testing::Values(&g_disk_full, &g_sync_fails),
                         [](const ::testing::TestParamInfo<std::atomic<bool>*>& info) {
                           return info.param == &g_disk_full ? std::string("DiskFull")
                                                             : std::string("FsyncError");
                         });

}  // namespace
}  // namespace tp
