#include "store/wal_write_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <new>
#include <vector>

namespace tp {
namespace {

// Buffered bytes beyond which a write goes out at once, so a huge transaction does not hold its whole
// WAL in memory.
constexpr size_t kFlushAtBytes = 8u << 20;
// Bytes per write call to the base VFS: the unix VFS takes at most 128 KiB per call (it masks larger
// sizes), so a flush goes out in pieces this big.
constexpr size_t kWriteChunkBytes = 120u << 10;

sqlite3_vfs g_vfs{};
bool g_registered = false;

// The VFS underneath: SQLite's default when the call is made (a test may install its own default to
// watch the syncs), never this one.
sqlite3_vfs* base_vfs() {
  sqlite3_vfs* d = sqlite3_vfs_find(nullptr);
  return d && d != &g_vfs ? d : sqlite3_vfs_find("unix");
}

// What SQLite allocates for each open file (szOsFile). The base VFS's own file is allocated apart,
// since its size is only known once the base is.
struct File {
  sqlite3_file header;         // first: SQLite sees a File as a sqlite3_file
  sqlite3_file* base;          // the base VFS's file
  std::vector<char>* pending;  // WAL files only: appends not written yet
  sqlite3_int64 pending_at;    // file offset of (*pending)[0]
};

File* as_file(sqlite3_file* f) {
  return reinterpret_cast<File*>(f);
}
const sqlite3_io_methods& base_io(File* f) {
  return *f->base->pMethods;
}

int flush(File* f) {
  if (!f->pending || f->pending->empty()) return SQLITE_OK;
  int rc = SQLITE_OK;
  for (size_t done = 0; done < f->pending->size() && rc == SQLITE_OK; done += kWriteChunkBytes) {
    const size_t n = std::min(kWriteChunkBytes, f->pending->size() - done);
    rc = base_io(f).xWrite(f->base, f->pending->data() + done, static_cast<int>(n),
                           f->pending_at + static_cast<sqlite3_int64>(done));
  }
  // Dropped on failure too: the error reaches SQLite through the call that asked for the flush, so the
  // transaction fails and its frames are never published; the next one writes them again.
  f->pending->clear();
  return rc;
}

bool overlaps_pending(const File* f, sqlite3_int64 offset, sqlite3_int64 amount) {
  if (!f->pending || f->pending->empty()) return false;
  const sqlite3_int64 end = f->pending_at + static_cast<sqlite3_int64>(f->pending->size());
  return offset < end && offset + amount > f->pending_at;
}

int io_close(sqlite3_file* file) {
  File* f = as_file(file);
  const int flushed = flush(f);
  const int closed = base_io(f).xClose(f->base);
  sqlite3_free(f->base);
  f->base = nullptr;
  delete f->pending;
  f->pending = nullptr;
  return flushed != SQLITE_OK ? flushed : closed;
}

int io_read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  File* f = as_file(file);
  if (overlaps_pending(f, offset, amount))
    if (const int rc = flush(f); rc != SQLITE_OK) return rc;
  return base_io(f).xRead(f->base, out, amount, offset);
}

int io_write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  File* f = as_file(file);
  if (!f->pending) return base_io(f).xWrite(f->base, data, amount, offset);
  std::vector<char>& p = *f->pending;
  // Only a write that continues the buffer joins it; anything else (a frame of this transaction
  // rewritten, the WAL header after a restart) first sends the buffer, so the file sees the writes in
  // SQLite's order.
  if (!p.empty() && offset != f->pending_at + static_cast<sqlite3_int64>(p.size()))
    if (const int rc = flush(f); rc != SQLITE_OK) return rc;
  if (p.empty()) f->pending_at = offset;
  try {
    const char* bytes = static_cast<const char*>(data);
    p.insert(p.end(), bytes, bytes + amount);
  } catch (const std::bad_alloc&) {
    if (const int rc = flush(f); rc != SQLITE_OK) return rc;
    return base_io(f).xWrite(f->base, data, amount, offset);
  }
  return p.size() >= kFlushAtBytes ? flush(f) : SQLITE_OK;
}

int io_truncate(sqlite3_file* file, sqlite3_int64 size) {
  File* f = as_file(file);
  if (const int rc = flush(f); rc != SQLITE_OK) return rc;
  return base_io(f).xTruncate(f->base, size);
}

int io_sync(sqlite3_file* file, int flags) {
  File* f = as_file(file);
  if (const int rc = flush(f); rc != SQLITE_OK) return rc;
  return base_io(f).xSync(f->base, flags);
}

int io_file_size(sqlite3_file* file, sqlite3_int64* size) {
  File* f = as_file(file);
  if (const int rc = flush(f); rc != SQLITE_OK) return rc;
  return base_io(f).xFileSize(f->base, size);
}

int io_file_control(sqlite3_file* file, int op, void* arg) {
  File* f = as_file(file);
  if (const int rc = flush(f); rc != SQLITE_OK) return rc;
  return base_io(f).xFileControl(f->base, op, arg);
}

// The rest passes straight through.
int io_lock(sqlite3_file* file, int level) {
  File* f = as_file(file);
  return base_io(f).xLock(f->base, level);
}
int io_unlock(sqlite3_file* file, int level) {
  File* f = as_file(file);
  return base_io(f).xUnlock(f->base, level);
}
int io_check_reserved_lock(sqlite3_file* file, int* out) {
  File* f = as_file(file);
  return base_io(f).xCheckReservedLock(f->base, out);
}
int io_sector_size(sqlite3_file* file) {
  File* f = as_file(file);
  return base_io(f).xSectorSize(f->base);
}
int io_device_characteristics(sqlite3_file* file) {
  File* f = as_file(file);
  return base_io(f).xDeviceCharacteristics(f->base);
}
int io_shm_map(sqlite3_file* file, int page, int page_size, int extend, void volatile** out) {
  File* f = as_file(file);
  return base_io(f).xShmMap(f->base, page, page_size, extend, out);
}
int io_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
  File* f = as_file(file);
  return base_io(f).xShmLock(f->base, offset, n, flags);
}
void io_shm_barrier(sqlite3_file* file) {
  File* f = as_file(file);
  base_io(f).xShmBarrier(f->base);
}
int io_shm_unmap(sqlite3_file* file, int delete_flag) {
  File* f = as_file(file);
  return base_io(f).xShmUnmap(f->base, delete_flag);
}
int io_fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  File* f = as_file(file);
  if (overlaps_pending(f, offset, amount))
    if (const int rc = flush(f); rc != SQLITE_OK) return rc;
  return base_io(f).xFetch(f->base, offset, amount, out);
}
int io_unfetch(sqlite3_file* file, sqlite3_int64 offset, void* p) {
  File* f = as_file(file);
  return base_io(f).xUnfetch(f->base, offset, p);
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

int vfs_open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  File* f = as_file(file);
  file->pMethods = nullptr;  // until the base file is open: SQLite calls xClose only with methods set
  f->pending = nullptr;
  f->pending_at = 0;
  sqlite3_vfs* base = base_vfs();
  f->base = static_cast<sqlite3_file*>(sqlite3_malloc(base->szOsFile));
  if (!f->base) return SQLITE_NOMEM;
  std::memset(f->base, 0, static_cast<size_t>(base->szOsFile));
  const int rc = base->xOpen(base, name, f->base, flags, out_flags);
  if (rc != SQLITE_OK || !f->base->pMethods) {
    if (f->base->pMethods) f->base->pMethods->xClose(f->base);
    sqlite3_free(f->base);
    f->base = nullptr;
    return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
  }
  if (flags & SQLITE_OPEN_WAL) f->pending = new (std::nothrow) std::vector<char>();  // none: unbuffered
  const int version = std::clamp(f->base->pMethods->iVersion, 1, 3);
  file->pMethods = &kMethods[version - 1];
  return SQLITE_OK;
}

// The VFS-level methods go to the base VFS, with the base VFS as their first argument.
int vfs_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  sqlite3_vfs* b = base_vfs();
  return b->xDelete(b, name, sync_dir);
}
int vfs_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  sqlite3_vfs* b = base_vfs();
  return b->xAccess(b, name, flags, out);
}
int vfs_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
  sqlite3_vfs* b = base_vfs();
  return b->xFullPathname(b, name, n, out);
}
void* vfs_dl_open(sqlite3_vfs*, const char* name) {
  sqlite3_vfs* b = base_vfs();
  return b->xDlOpen(b, name);
}
void vfs_dl_error(sqlite3_vfs*, int n, char* out) {
  sqlite3_vfs* b = base_vfs();
  b->xDlError(b, n, out);
}
void (*vfs_dl_sym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  sqlite3_vfs* b = base_vfs();
  return b->xDlSym(b, handle, symbol);
}
void vfs_dl_close(sqlite3_vfs*, void* handle) {
  sqlite3_vfs* b = base_vfs();
  b->xDlClose(b, handle);
}
int vfs_randomness(sqlite3_vfs*, int n, char* out) {
  sqlite3_vfs* b = base_vfs();
  return b->xRandomness(b, n, out);
}
int vfs_sleep(sqlite3_vfs*, int micros) {
  sqlite3_vfs* b = base_vfs();
  return b->xSleep(b, micros);
}
int vfs_current_time(sqlite3_vfs*, double* out) {
  sqlite3_vfs* b = base_vfs();
  return b->xCurrentTime(b, out);
}
int vfs_get_last_error(sqlite3_vfs*, int n, char* out) {
  return base_vfs()->xGetLastError ? base_vfs()->xGetLastError(base_vfs(), n, out) : 0;
}
int vfs_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) {
  sqlite3_vfs* b = base_vfs();
  if (b->iVersion >= 2 && b->xCurrentTimeInt64) return b->xCurrentTimeInt64(b, out);
  double days = 0;
  const int rc = b->xCurrentTime(b, &days);
  *out = static_cast<sqlite3_int64>(days * 86400000.0);
  return rc;
}
int vfs_set_system_call(sqlite3_vfs*, const char* name, sqlite3_syscall_ptr p) {
  sqlite3_vfs* b = base_vfs();
  return b->iVersion >= 3 && b->xSetSystemCall ? b->xSetSystemCall(b, name, p) : SQLITE_NOTFOUND;
}
sqlite3_syscall_ptr vfs_get_system_call(sqlite3_vfs*, const char* name) {
  sqlite3_vfs* b = base_vfs();
  return b->iVersion >= 3 && b->xGetSystemCall ? b->xGetSystemCall(b, name) : nullptr;
}
const char* vfs_next_system_call(sqlite3_vfs*, const char* name) {
  sqlite3_vfs* b = base_vfs();
  return b->iVersion >= 3 && b->xNextSystemCall ? b->xNextSystemCall(b, name) : nullptr;
}

void register_vfs() {
  sqlite3_vfs* base = base_vfs();
  if (!base || base->iVersion < 2) return;  // WAL needs shared memory (version 2)
  g_vfs.iVersion = std::min(base->iVersion, 3);
  g_vfs.szOsFile = static_cast<int>(sizeof(File));
  g_vfs.mxPathname = base->mxPathname;
  g_vfs.zName = "touchpoint-wal-write";
  g_vfs.xOpen = vfs_open;
  g_vfs.xDelete = vfs_delete;
  g_vfs.xAccess = vfs_access;
  g_vfs.xFullPathname = vfs_full_pathname;
  g_vfs.xDlOpen = vfs_dl_open;
  g_vfs.xDlError = vfs_dl_error;
  g_vfs.xDlSym = vfs_dl_sym;
  g_vfs.xDlClose = vfs_dl_close;
  g_vfs.xRandomness = vfs_randomness;
  g_vfs.xSleep = vfs_sleep;
  g_vfs.xCurrentTime = vfs_current_time;
  g_vfs.xGetLastError = vfs_get_last_error;
  if (g_vfs.iVersion >= 2) g_vfs.xCurrentTimeInt64 = vfs_current_time_int64;
  if (g_vfs.iVersion >= 3) {
    g_vfs.xSetSystemCall = vfs_set_system_call;
    g_vfs.xGetSystemCall = vfs_get_system_call;
    g_vfs.xNextSystemCall = vfs_next_system_call;
  }
  g_registered = sqlite3_vfs_register(&g_vfs, /*makeDflt=*/0) == SQLITE_OK;
}

}  // namespace

const char* wal_write_vfs_name() {
  static std::once_flag once;
  std::call_once(once, register_vfs);
  return g_registered ? g_vfs.zName : nullptr;  // nullptr: SQLite's default VFS, unbuffered
}

}  // namespace tp
