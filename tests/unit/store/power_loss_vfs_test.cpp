// The simulated disk of power_loss_vfs.h, driven through SQLite's VFS interface by hand: after a cut the
// file holds exactly what was synced (overwrites undone, appends and truncations too), or, when lost
// writes may be kept, the synced state with some of them applied in order; and a trigger cuts the power
// at the call it names.
#include "store/power_loss_vfs.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace tp {
namespace {

using testing::PowerLossVfs;

// One file opened through SQLite's default VFS (the shim while it is installed), as SQLite opens a database.
class RawFile {
 public:
  explicit RawFile(std::string path) : path_(std::move(path)) {
    vfs_ = sqlite3_vfs_find(nullptr);
    storage_.resize(static_cast<size_t>(vfs_->szOsFile) / sizeof(uint64_t) + 1);
    const int flags = SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    int out = 0;
    if (vfs_->xOpen(vfs_, path_.c_str(), file(), flags, &out) != SQLITE_OK) throw std::runtime_error("open");
  }
  ~RawFile() { close(); }
  void close() {
    if (file()->pMethods) file()->pMethods->xClose(file());
    file()->pMethods = nullptr;
  }
  int write(const std::string& bytes, sqlite3_int64 offset) {
    return file()->pMethods->xWrite(file(), bytes.data(), static_cast<int>(bytes.size()), offset);
  }
  int truncate(sqlite3_int64 size) { return file()->pMethods->xTruncate(file(), size); }
  int sync() { return file()->pMethods->xSync(file(), SQLITE_SYNC_NORMAL); }

 private:
  sqlite3_file* file() { return reinterpret_cast<sqlite3_file*>(storage_.data()); }
  std::string path_;  // SQLite's unix VFS keeps the pointer while the file is open
  sqlite3_vfs* vfs_;
  std::vector<uint64_t> storage_;  // szOsFile bytes, aligned
};

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The synced "AAAAAAAA", then three ops lost at the cut: an overwrite, an append, a truncation.
void write_then_cut(PowerLossVfs& disk, const std::string& path) {
  RawFile f(path);
  ASSERT_EQ(f.write("AAAAAAAA", 0), SQLITE_OK);
  ASSERT_EQ(f.sync(), SQLITE_OK);
  ASSERT_EQ(f.write("BB", 2), SQLITE_OK);
  ASSERT_EQ(f.write("CCCC", 6), SQLITE_OK);
  ASSERT_EQ(f.truncate(4), SQLITE_OK);
  ASSERT_EQ(contents(path), "AABB");  // the running system sees its writes
  disk.cut();
  EXPECT_EQ(f.write("DD", 0), SQLITE_IOERR_WRITE);
  EXPECT_EQ(f.sync(), SQLITE_IOERR_FSYNC);
  EXPECT_EQ(f.truncate(0), SQLITE_IOERR_TRUNCATE);
}

TEST(PowerLossVfs, ACutLeavesExactlyWhatWasSynced) {
  PowerLossVfs disk;
  ASSERT_TRUE(disk.ok());
  ::tp::testing::TempDir dir;
  const std::string path = dir.file("f.db");
  write_then_cut(disk, path);
  EXPECT_FALSE(disk.powered());
  std::ofstream(path + "-shm") << "wal-index";
  disk.restore();
  EXPECT_TRUE(disk.powered());
  EXPECT_EQ(contents(path), "AAAAAAAA");
  EXPECT_FALSE(std::filesystem::exists(path + "-shm")) << "the shared memory survived the power cut";
}

TEST(PowerLossVfs, ACreatedFileNeverSyncedIsEmptyAfterACut) {
  PowerLossVfs disk;
  ASSERT_TRUE(disk.ok());
  ::tp::testing::TempDir dir;
  const std::string path = dir.file("new.db");
  {
    RawFile f(path);
    ASSERT_EQ(f.write("never synced", 0), SQLITE_OK);
    disk.cut();
  }
  disk.restore();
  EXPECT_EQ(contents(path), "");
}

// Each of the three lost ops applied or not, in order, over the synced state.
std::set<std::string> possible_outcomes() {
  std::set<std::string> out;
  for (int mask = 0; mask < 8; ++mask) {
    std::string s = "AAAAAAAA";
    if (mask & 1) s.replace(2, 2, "BB");
    if (mask & 2) s.replace(6, 2, "CCCC");
    if (mask & 4) s.resize(4);
    out.insert(s);
  }
  return out;
}

TEST(PowerLossVfs, KeptWritesAreASubsetOfTheLostOnesInOrder) {
  const auto possible = possible_outcomes();
  std::set<std::string> seen;
  for (uint64_t seed = 1; seed <= 16; ++seed) {
    PowerLossVfs disk;
    ASSERT_TRUE(disk.ok());
    ::tp::testing::TempDir dir;
    const std::string path = dir.file("f.db");
    write_then_cut(disk, path);
    disk.restore(seed);
    const std::string after = contents(path);
    EXPECT_EQ(possible.count(after), 1u) << "seed " << seed << ": " << after;
    seen.insert(after);
  }
  EXPECT_GT(seen.size(), 2u) << "the seeds do not vary what survives";
}

TEST(PowerLossVfs, ATriggerCutsThePowerInsteadOfTheCallItNames) {
  PowerLossVfs disk;
  ASSERT_TRUE(disk.ok());
  ::tp::testing::TempDir dir;
  const std::string path = dir.file("f.db");
  disk.arm({PowerLossVfs::FileKind::Database, PowerLossVfs::Op::Sync, 2});
  {
    RawFile f(path);
    ASSERT_EQ(f.write("one", 0), SQLITE_OK);
    ASSERT_EQ(f.sync(), SQLITE_OK);
    EXPECT_FALSE(disk.trigger_fired());
    ASSERT_EQ(f.write("two", 3), SQLITE_OK);
    EXPECT_EQ(f.sync(), SQLITE_IOERR_FSYNC);
    EXPECT_TRUE(disk.trigger_fired());
    EXPECT_FALSE(disk.powered());
  }
  disk.restore();
  EXPECT_EQ(contents(path), "one");
}

TEST(PowerLossVfs, RestoreRefusesWhileAFileIsOpen) {
  PowerLossVfs disk;
  ASSERT_TRUE(disk.ok());
  ::tp::testing::TempDir dir;
  RawFile f(dir.file("f.db"));
  disk.cut();
  EXPECT_THROW(disk.restore(), std::logic_error);
  f.close();
  EXPECT_NO_THROW(disk.restore());
}

}  // namespace
}  // namespace tp
