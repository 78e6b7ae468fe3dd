// A SQLite VFS that gathers the writer's WAL appends into a few large writes per commit.
//
// SQLite writes a commit to the WAL one frame at a time, as two pwrite calls per page (a 24-byte frame
// header, then the page), and syncs at the end. A group commit of a few thousand events dirties a few
// thousand pages, so it made thousands of system calls, and on a virtual machine each costs micro-
// seconds. This VFS wraps the default one: writes to a WAL file that continue the previous one are
// appended to a memory buffer, and the buffer goes to the file (in writes of 120 KiB, the most the
// default VFS takes per call) before anything that needs the bytes there: a sync, a read, a size query,
// a truncate, a write elsewhere, a close, or the buffer filling up. Durability is unchanged: SQLite
// publishes a commit (the wal-index header) only after its sync, and the sync writes the buffer first.
// Other files (the database, the journal) and every other method pass straight through. The base VFS is
// SQLite's default at the time a file is opened.
//
// Only for a connection with synchronous=FULL (the writer): with a mode that commits without a sync,
// other connections could find frames in the wal-index whose bytes are still in this buffer.
#pragma once

namespace tp {

// Registers the VFS (once; thread-safe) and returns its name, to pass to sqlite3_open_v2.
const char* wal_write_vfs_name();

}  // namespace tp
