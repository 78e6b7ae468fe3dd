#include "store/power_loss_vfs.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace tp::testing {

namespace {

// What a file went through since its last sync.
struct FileLog {
  PowerLossVfs::FileKind kind;
  sqlite3_int64 synced_size = 0;
  struct Undo {
    sqlite3_int64 offset;
    std::string old_bytes;
  };
  std::vector<Undo> undo;
  struct Redo {
    bool truncate;  // else a write of `bytes`
    sqlite3_int64 offset;
    std::string bytes;
  };
  std::vector<Redo> redo;
  int open_handles = 0;
};

// What SQLite allocates per open file: this, then the base VFS's file.
struct File {
  sqlite3_file header;  // first: SQLite sees a File as a sqlite3_file
  sqlite3_file* base;
  FileLog* log;  // null: not tracked (temporary files)
};

File* as_file(sqlite3_file* f) {
  return reinterpret_cast<File*>(f);
}
sqlite3_file* base_of(sqlite3_file* f) {
  return as_file(f)->base;
}
const sqlite3_io_methods& base_io(sqlite3_file* f) {
  return *base_of(f)->pMethods;
}

}  // namespace

struct PowerLossVfs::State {
  sqlite3_vfs vfs{};
  sqlite3_vfs* base = nullptr;
  bool registered = false;

  std::mutex mu;  // everything below; held across each tracked write, so its undo record matches it
  std::map<std::string, FileLog> files;  // by the name SQLite opened them with (a full path)
  bool powered = true;
  std::optional<Trigger> trigger;
  uint64_t trigger_seen = 0;
  bool trigger_fired = false;

  // Under mu: true when this call is the one the trigger names (the power is then off).
  bool trips(FileKind kind, Op op) {
    if (!trigger || trigger_fired || trigger->kind != kind || trigger->op != op) return false;
    if (++trigger_seen < trigger->nth) return false;
    trigger_fired = true;
    powered = false;
    return true;
  }
};

namespace {

PowerLossVfs::State* g_state = nullptr;

sqlite3_int64 size_of(sqlite3_file* file) {
  sqlite3_int64 size = 0;
  return base_io(file).xFileSize(base_of(file), &size) == SQLITE_OK ? size : 0;
}

// The bytes of [offset, offset + amount) that the file holds now (none beyond its end).
std::string bytes_at(sqlite3_file* file, sqlite3_int64 offset, sqlite3_int64 amount) {
  const sqlite3_int64 size = size_of(file);
  if (offset >= size) return {};
  std::string out(static_cast<size_t>(std::min(amount, size - offset)), '\0');
  base_io(file).xRead(base_of(file), out.data(), static_cast<int>(out.size()), offset);
  return out;
}

int io_close(sqlite3_file* file) {
  if (FileLog* log = as_file(file)->log) {
    std::lock_guard lock(g_state->mu);
    --log->open_handles;
  }
  return base_io(file).xClose(base_of(file));
}

int io_read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  return base_io(file).xRead(base_of(file), out, amount, offset);
}

int io_write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  FileLog* log = as_file(file)->log;
  if (!log) return base_io(file).xWrite(base_of(file), data, amount, offset);
  std::lock_guard lock(g_state->mu);
  if (!g_state->powered || g_state->trips(log->kind, PowerLossVfs::Op::Write) ||
      (offset == 0 && g_state->trips(log->kind, PowerLossVfs::Op::WriteAtStart)))
    return SQLITE_IOERR_WRITE;
  if (std::string old = bytes_at(file, offset, amount); !old.empty())
    log->undo.push_back({offset, std::move(old)});
  log->redo.push_back(
      {false, offset, std::string(static_cast<const char*>(data), static_cast<size_t>(amount))});
  return base_io(file).xWrite(base_of(file), data, amount, offset);
}

int io_truncate(sqlite3_file* file, sqlite3_int64 size) {
  FileLog* log = as_file(file)->log;
  if (!log) return base_io(file).xTruncate(base_of(file), size);
  std::lock_guard lock(g_state->mu);
  if (!g_state->powered) return SQLITE_IOERR_TRUNCATE;
  if (std::string old = bytes_at(file, size, size_of(file) - size); !old.empty())
    log->undo.push_back({size, std::move(old)});
  log->redo.push_back({true, size, {}});
  return base_io(file).xTruncate(base_of(file), size);
}

int io_sync(sqlite3_file* file, int flags) {
  FileLog* log = as_file(file)->log;
  if (!log) return base_io(file).xSync(base_of(file), flags);
  std::lock_guard lock(g_state->mu);
  if (!g_state->powered || g_state->trips(log->kind, PowerLossVfs::Op::Sync)) return SQLITE_IOERR_FSYNC;
  // Durable from here: whatever any handle wrote to this file before now (an fsync is per file).
  log->undo.clear();
  log->redo.clear();
  log->synced_size = size_of(file);
  return SQLITE_OK;
}

// The rest passes straight through.
int io_file_size(sqlite3_file* file, sqlite3_int64* size) {
  return base_io(file).xFileSize(base_of(file), size);
}
int io_lock(sqlite3_file* file, int level) {
  return base_io(file).xLock(base_of(file), level);
}
int io_unlock(sqlite3_file* file, int level) {
  return base_io(file).xUnlock(base_of(file), level);
}
int io_check_reserved_lock(sqlite3_file* file, int* out) {
  return base_io(file).xCheckReservedLock(base_of(file), out);
}
int io_file_control(sqlite3_file* file, int op, void* arg) {
  return base_io(file).xFileControl(base_of(file), op, arg);
}
int io_sector_size(sqlite3_file* file) {
  return base_io(file).xSectorSize(base_of(file));
}
int io_device_characteristics(sqlite3_file* file) {
  return base_io(file).xDeviceCharacteristics(base_of(file));
}
int io_shm_map(sqlite3_file* file, int page, int page_size, int extend, void volatile** out) {
  return base_io(file).xShmMap(base_of(file), page, page_size, extend, out);
}
int io_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
  return base_io(file).xShmLock(base_of(file), offset, n, flags);
}
void io_shm_barrier(sqlite3_file* file) {
  base_io(file).xShmBarrier(base_of(file));
}
int io_shm_unmap(sqlite3_file* file, int delete_flag) {
  return base_io(file).xShmUnmap(base_of(file), delete_flag);
}
int io_fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  return base_io(file).xFetch(base_of(file), offset, amount, out);
}
int io_unfetch(sqlite3_file* file, sqlite3_int64 offset, void* p) {
  return base_io(file).xUnfetch(base_of(file), offset, p);
}

// One table per version of the base file's methods, so SQLite never calls a method the base lacks.
sqlite3_io_methods make_methods(int version) {
  sqlite3_io_methods m{};
  m.iVersion = version;
  m.xClose = io_close;
  m.xRead = io_read;
  m.xWrite = io_write;
  m.xTruncate = io_truncate;
  m.xSync = io_sync;
  m.xFileSize = io_file_size;
  m.xLock = io_lock;
  m.xUnlock = io_unlock;
  m.xCheckReservedLock = io_check_reserved_lock;
  m.xFileControl = io_file_control;
  m.xSectorSize = io_sector_size;
  m.xDeviceCharacteristics = io_device_characteristics;
  if (version >= 2) {
    m.xShmMap = io_shm_map;
    m.xShmLock = io_shm_lock;
    m.xShmBarrier = io_shm_barrier;
    m.xShmUnmap = io_shm_unmap;
  }
  if (version >= 3) {
    m.xFetch = io_fetch;
    m.xUnfetch = io_unfetch;
  }
  return m;
}
const sqlite3_io_methods kMethods[] = {make_methods(1), make_methods(2), make_methods(3)};

std::optional<PowerLossVfs::FileKind> tracked_kind(const char* name, int flags) {
  if (!name) return std::nullopt;
  if (flags & SQLITE_OPEN_MAIN_DB) return PowerLossVfs::FileKind::Database;
  if (flags & SQLITE_OPEN_WAL) return PowerLossVfs::FileKind::Wal;
  if (flags & SQLITE_OPEN_MAIN_JOURNAL) return PowerLossVfs::FileKind::Journal;  // creating the database
  return std::nullopt;
}

int vfs_open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  File* f = as_file(file);
  file->pMethods = nullptr;  // until the base file is open: SQLite calls xClose only with methods set
  f->base = reinterpret_cast<sqlite3_file*>(f + 1);
  f->log = nullptr;
  sqlite3_vfs* base = g_state->base;
  std::memset(f->base, 0, static_cast<size_t>(base->szOsFile));
  const int rc = base->xOpen(base, name, f->base, flags, out_flags);
  if (rc != SQLITE_OK || !f->base->pMethods) {
    if (f->base->pMethods) f->base->pMethods->xClose(f->base);
    return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
  }
  file->pMethods = &kMethods[std::clamp(f->base->pMethods->iVersion, 1, 3) - 1];
  if (const auto kind = tracked_kind(name, flags)) {
    std::lock_guard lock(g_state->mu);
    auto [it, first] = g_state->files.try_emplace(name);
    // First seen: what the file holds now is on the disk (a new file is empty).
    if (first) it->second = {*kind, size_of(file), {}, {}, 0};
    ++it->second.open_handles;
    f->log = &it->second;
  }
  return SQLITE_OK;
}

int vfs_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  {
    std::lock_guard lock(g_state->mu);
    const auto it = g_state->files.find(name);
    if (it != g_state->files.end()) {
      if (!g_state->powered) return SQLITE_IOERR_DELETE;
      if (it->second.open_handles == 0) g_state->files.erase(it);
    }
  }
  return g_state->base->xDelete(g_state->base, name, sync_dir);
}

// The other VFS-level methods go to the base VFS, with the base VFS as their first argument.
int vfs_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_state->base->xAccess(g_state->base, name, flags, out);
}
int vfs_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return g_state->base->xFullPathname(g_state->base, name, n, out);
}
void* vfs_dl_open(sqlite3_vfs*, const char* name) {
  return g_state->base->xDlOpen(g_state->base, name);
}
void vfs_dl_error(sqlite3_vfs*, int n, char* out) {
  g_state->base->xDlError(g_state->base, n, out);
}
void (*vfs_dl_sym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return g_state->base->xDlSym(g_state->base, handle, symbol);
}
void vfs_dl_close(sqlite3_vfs*, void* handle) {
  g_state->base->xDlClose(g_state->base, handle);
}
int vfs_randomness(sqlite3_vfs*, int n, char* out) {
  return g_state->base->xRandomness(g_state->base, n, out);
}
int vfs_sleep(sqlite3_vfs*, int micros) {
  return g_state->base->xSleep(g_state->base, micros);
}
int vfs_current_time(sqlite3_vfs*, double* out) {
  return g_state->base->xCurrentTime(g_state->base, out);
}
int vfs_get_last_error(sqlite3_vfs*, int n, char* out) {
  return g_state->base->xGetLastError ? g_state->base->xGetLastError(g_state->base, n, out) : 0;
}
int vfs_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) {
  return g_state->base->xCurrentTimeInt64(g_state->base, out);
}

// Rolls one file back to its synced state, then (keep) lets each lost op through or not.
void restore_file(const std::string& name, FileLog& log, std::mt19937_64* keep) {
  const int fd = ::open(name.c_str(), O_RDWR);
  if (fd < 0) return;  // deleted: names are durable at once
  bool ok = true;
  for (auto u = log.undo.rbegin(); u != log.undo.rend(); ++u)
    ok &= ::pwrite(fd, u->old_bytes.data(), u->old_bytes.size(), u->offset) ==
          static_cast<ssize_t>(u->old_bytes.size());
  ok &= ::ftruncate(fd, log.synced_size) == 0;
  if (keep)
    for (const auto& op : log.redo) {
      if ((*keep)() % 2 == 0) continue;
      if (op.truncate)
        ok &= ::ftruncate(fd, op.offset) == 0;
      else
        ok &= ::pwrite(fd, op.bytes.data(), op.bytes.size(), op.offset) ==
              static_cast<ssize_t>(op.bytes.size());
    }
  const off_t size = ::lseek(fd, 0, SEEK_END);
  ::close(fd);
  if (!ok || size < 0) throw std::runtime_error("cannot restore " + name);
  log.undo.clear();
  log.redo.clear();
  log.synced_size = size;
}

}  // namespace

PowerLossVfs::PowerLossVfs() : state_(std::make_unique<State>()) {
  if (g_state) throw std::logic_error("one PowerLossVfs at a time");
  State& s = *state_;
  s.base = sqlite3_vfs_find(nullptr);
  if (!s.base || s.base->iVersion < 2) return;  // WAL needs shared memory (version 2)
  g_state = &s;
  s.vfs.iVersion = 2;
  s.vfs.szOsFile = static_cast<int>(sizeof(File)) + s.base->szOsFile;
  s.vfs.mxPathname = s.base->mxPathname;
  s.vfs.zName = "tp-unit-power-loss";
  s.vfs.xOpen = vfs_open;
  s.vfs.xDelete = vfs_delete;
  s.vfs.xAccess = vfs_access;
  s.vfs.xFullPathname = vfs_full_pathname;
  s.vfs.xDlOpen = vfs_dl_open;
  s.vfs.xDlError = vfs_dl_error;
  s.vfs.xDlSym = vfs_dl_sym;
  s.vfs.xDlClose = vfs_dl_close;
  s.vfs.xRandomness = vfs_randomness;
  s.vfs.xSleep = vfs_sleep;
  s.vfs.xCurrentTime = vfs_current_time;
  s.vfs.xGetLastError = vfs_get_last_error;
  s.vfs.xCurrentTimeInt64 = vfs_current_time_int64;
  s.registered = sqlite3_vfs_register(&s.vfs, /*makeDflt=*/1) == SQLITE_OK;
}

PowerLossVfs::~PowerLossVfs() {
  if (state_->registered) {
    sqlite3_vfs_register(state_->base, /*makeDflt=*/1);
    sqlite3_vfs_unregister(&state_->vfs);
  }
  if (g_state == state_.get()) g_state = nullptr;
}

bool PowerLossVfs::ok() const {
  return state_->registered && sqlite3_vfs_find(nullptr) == &state_->vfs;
}

void PowerLossVfs::arm(Trigger trigger) {
  std::lock_guard lock(state_->mu);
  state_->trigger = trigger;
  state_->trigger_seen = 0;
  state_->trigger_fired = false;
}

void PowerLossVfs::cut() {
  std::lock_guard lock(state_->mu);
  state_->powered = false;
}

bool PowerLossVfs::powered() const {
  std::lock_guard lock(state_->mu);
  return state_->powered;
}

bool PowerLossVfs::trigger_fired() const {
  std::lock_guard lock(state_->mu);
  return state_->trigger_fired;
}

void PowerLossVfs::restore(uint64_t keep_seed) {
  std::lock_guard lock(state_->mu);
  for (const auto& [name, log] : state_->files)
    if (log.open_handles != 0) throw std::logic_error(name + " is still open");
  std::mt19937_64 keep(keep_seed);
  for (auto& [name, log] : state_->files) {
    restore_file(name, log, keep_seed ? &keep : nullptr);
    if (log.kind == FileKind::Database) ::unlink((name + "-shm").c_str());
  }
  state_->powered = true;
  state_->trigger.reset();
}

}  // namespace tp::testing
