#include "store/snapshot_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/temp_dir.h"

namespace tp {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_all(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(SnapshotFile, ReplacesTheWholeFileAndLeavesNoTemporary) {
  testing::TempDir dir;
  SnapshotFile f(dir.file("x.analytics"));
  EXPECT_FALSE(f.load());
  f.save("first");
  f.save(std::string(100000, 'b'));
  EXPECT_EQ(f.load(), std::string(100000, 'b'));
  EXPECT_FALSE(std::filesystem::exists(f.path() + ".tmp"));
  // Readable by the daemon's user only: it holds customer keys and example questions.
  const auto perms = std::filesystem::status(f.path()).permissions();
  EXPECT_EQ(perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
            std::filesystem::perms::none);
}

TEST(SnapshotFile, ADamagedOrTruncatedFileReadsAsNone) {
  testing::TempDir dir;
  SnapshotFile f(dir.file("x.analytics"));
  f.save("the aggregates of a million interactions");
  const std::string good = read_all(f.path());

  std::string flipped = good;
  flipped[flipped.size() - 3] ^= 0x01;
  write_all(f.path(), flipped);
  EXPECT_FALSE(f.load());

  write_all(f.path(), good.substr(0, good.size() - 1));
  EXPECT_FALSE(f.load());
  write_all(f.path(), good.substr(0, 10));
  EXPECT_FALSE(f.load());
  write_all(f.path(), "");
  EXPECT_FALSE(f.load());

  write_all(f.path(), good);
  EXPECT_EQ(f.load(), "the aggregates of a million interactions");
}

TEST(SnapshotFile, RemoveDeletesItAndAnyLeftoverTemporary) {
  testing::TempDir dir;
  SnapshotFile f(dir.file("x.analytics"));
  f.save("data");
  write_all(f.path() + ".tmp", "half written");
  f.remove();
  EXPECT_FALSE(std::filesystem::exists(f.path()));
  EXPECT_FALSE(std::filesystem::exists(f.path() + ".tmp"));
  f.remove();  // nothing to remove: fine
}

TEST(SnapshotFile, AnUnwritableFolderIsAStorageError) {
  SnapshotFile f("/proc/touchpoint-cannot-write-here/x.analytics");
  EXPECT_ANY_THROW(f.save("data"));
}

}  // namespace
}  // namespace tp
