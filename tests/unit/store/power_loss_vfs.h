// A simulated disk that loses power. Installed as SQLite's default VFS (so it sits under the store's
// wal_write_vfs, which wraps whatever is the default when a file opens, and under every reader and
// checkpoint connection), it passes every call to the VFS that was the default before, and remembers,
// per database, WAL and rollback-journal file, what was written since that file's last xSync:
//  - an undo log: the bytes each write or truncation replaced (only where the file had bytes), and the
//    file's size at the sync;
//  - a redo log: each write's bytes and each truncation, in order.
// An xSync makes everything before it durable: both logs are dropped. The real fsync is skipped: this
// disk decides what survives, and a real one would only cost time.
//
// cut() (or an armed trigger: instead of the nth write or sync of a kind of file) turns the power off:
// from then on writes, truncations, syncs and deletions of those files fail with an I/O error, so nothing
// done after the cut reaches the files or is acknowledged. Once every connection is closed, restore()
// rolls each file back to its last synced state (the undo log newest first, then the synced size),
// optionally lets a seeded random subset of the lost writes through again (a disk that had written some
// of them when the power went, not necessarily the first ones: from the redo log, each 4 KiB sector of a
// write and each truncation kept or not, a kept one over an earlier kept one as it was issued), and
// deletes the -shm: it is memory the SQLite processes share, rebuilt from the WAL by the next open.
//
// Names are durable at once (a created file exists after the cut, empty until synced; a deleted one is
// gone): journaling file systems commit directory changes in order, and file contents are what SQLite's
// promises are about. Other files (temporary ones) pass straight through. One instance at a time.
#pragma once
#include <cstdint>
#include <memory>

namespace tp::testing {

class PowerLossVfs {
 public:
  enum class FileKind { Database, Wal, Journal };
  enum class Op {
    Write,
    WriteAtStart,  // a write at offset 0: the WAL header when the WAL starts over
    Sync,
  };
  // The power fails instead of the nth call (from 1, counted from arm()) of `op` on a file of `kind`.
  struct Trigger {
    FileKind kind;
    Op op;
    uint64_t nth;
  };

  PowerLossVfs();   // registers as SQLite's default
  ~PowerLossVfs();  // the previous default again
  PowerLossVfs(const PowerLossVfs&) = delete;
  PowerLossVfs& operator=(const PowerLossVfs&) = delete;
  bool ok() const;  // registered and the default

  void arm(Trigger trigger);
  void cut();                  // the power fails now (nothing if already off)
  bool powered() const;        // false from the cut until restore()
  bool trigger_fired() const;  // the armed trigger cut the power
  // With every connection to the tracked files closed (throws std::logic_error otherwise): the files as
  // the disk holds them after the cut, and the power back on. keep_seed 0: every write not covered by a
  // sync is lost; otherwise each sector of one (and each truncation) is kept or lost by a generator
  // seeded with it.
  void restore(uint64_t keep_seed = 0);

  struct State;  // the VFS's callbacks share it (defined in the .cpp)

 private:
  std::unique_ptr<State> state_;
};

}  // namespace tp::testing
