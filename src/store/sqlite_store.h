// The embedded default backend: one SQLite file in WAL mode with synchronous=FULL, so a committed
// transaction survives power loss. One writer connection (the group-commit thread) and a small pool
// of reader connections that never block it.
#pragma once
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "store/lookup_keys.h"
#include "store/snapshot_file.h"
#include "store/store.h"

struct sqlite3;

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace tp {

// How the writer's commits reach the disk. Full is what the daemon uses, and no config key selects
// anything else: the WAL is fsynced at every commit, so an acknowledged event survives power loss. Normal
// syncs only at checkpoints, so a power cut loses the commits since the last one; it exists only so that
// tests/unit/store/power_loss_test.cpp can show its power-cut simulation tells the two apart.
enum class SqliteSynchronous { Full, Normal };

struct SqliteOptions {
  std::string path = "data/touchpoint.db";
  int busy_timeout_ms = 5000;
  size_t max_readers = 8;
  int writer_cache_mib = 64;  // page cache of the writer connection: index pages stay in memory
  // The page size of a new database (an existing file keeps its own: SQLite cannot change it in WAL mode
  // without a VACUUM). 8 KiB: fewer pages per row and per index entry than SQLite's default 4 KiB, so less
  // B-tree work per insert; measured in docs/BENCHMARKS.md.
  int page_size = 8192;
  int checkpoint_wal_pages = 4000;  // a checkpoint round starts once the WAL holds this many pages (32 MiB)
  // The customer, visitor and session keys of new rows are written behind them (store/lookup_keys.h): a
  // batch of this many rows is sorted and written this many keys per commit. Larger batches share more
  // pages; the rows not written yet are found by a scan of the tail. Measured in docs/BENCHMARKS.md.
  int64_t lookup_batch_rows = 2048;
  size_t lookup_keys_per_commit = 128;
  MigrationObserver on_migration;  // before each migration runs
  // Tests only: see SqliteSynchronous.
  SqliteSynchronous synchronous = SqliteSynchronous::Full;
};

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(SqliteOptions options);  // opens, migrates; throws StorageError
  ~SqliteStore() override;

  void commit(std::span<const WriteBatch* const> batches, std::vector<BatchCounts>& counts) override;
  std::vector<StoredInteraction> interactions(const InteractionQuery& query) override;
  std::vector<StoredDeadLetter> dead_letters(size_t limit) override;
  std::vector<StoredInteraction> interactions_by_seq(std::span<const int64_t> seqs) override;
  bool writable() override;
  bool purge_deleted() override;
  std::vector<std::string> suppressed() override;
  std::vector<StoredInteraction> scan(const ScanQuery& query) override;
  std::vector<CustomerStateRow> customer_states() override;
  std::vector<std::pair<std::string, std::string>> identity_links() override;
  int64_t analytics_generation() override;
  void save_snapshot(std::string_view bytes) override;
  std::optional<std::string> load_snapshot() override;
  void drop_snapshot() override;
  void housekeeping() override;

 private:
  class ReaderLease;
  std::unique_ptr<SQLite::Database> open_connection(bool writer) const;
  // One event to insert, from any batch of the group, and where its outcome goes.
  struct EventRow {
    const WriteBatch* batch;
    const Interaction* event;
    BatchCounts* counts;
  };
  // Everything of a batch but its events (inserted by insert_events, possibly with other batches' events).
  void write_rest(const WriteBatch& batch, BatchCounts& counts);
  // Inserts the rows, kMaxRowsPerStatement per statement, and records each one's outcome in its batch's
  // counts, in order, linking the identities of those inserted.
  void insert_events(std::span<const EventRow> rows);
  void write_tag_updates(const std::vector<TagUpdate>& updates);
  // The statement inserting (upserting) exactly `rows` rows, prepared on first use.
  SQLite::Statement& insert_statement(size_t rows);
  SQLite::Statement& tag_statement(size_t rows);
  // Appends the ids it erased (the customer and its aliases) to erased_ids.
  uint32_t erase_customer(const std::string& customer, std::vector<std::string>& erased_ids);
  void read_seq_floor();
  int64_t newest_seq();
  // While below the floor: inserts rows one at a time at floor + 1 until one goes in (the others are
  // duplicates), recording their outcomes; returns how many rows of `rows` it took.
  size_t insert_at_floor(std::span<const EventRow> rows);
  void record_inserted(const EventRow& row, int64_t seq);  // counts, lookup keys and identity links
  static int on_wal_commit(void* self, sqlite3* db, const char* name, int pages);
  void checkpoint_loop();

  SqliteOptions options_;
  SnapshotFile snapshot_;  // beside the database: <path>.analytics
  std::unique_ptr<SQLite::Database> writer_;
  // Inserts of 1 to 32 rows at once (index: the row count): SQLite opens and closes a cursor per index for
  // every statement it runs, which cost about as much as the inserts themselves with a statement per row.
  std::vector<std::unique_ptr<SQLite::Statement>> insert_rows_, tag_rows_;
  std::unique_ptr<SQLite::Statement> newest_interactions_;
  std::unique_ptr<SQLite::Statement> insert_link_;
  std::unique_ptr<SQLite::Statement> insert_dead_letter_;
  std::unique_ptr<SQLite::Statement> upsert_customer_;
  std::unique_ptr<LookupKeyWriter> lookup_keys_;
  // SQLite gives a new row the largest seq plus one, so when an erasure removes the newest rows their seqs
  // would come again, and whatever remembers a seq (a pending tag update, a scan's position, the lookup
  // keys' mark) would take the new row for the old. An erasure records the largest seq it saw in meta
  // (seq_floor); while the table's largest seq is below it, the next row is given floor + 1 explicitly,
  // after which SQLite's numbering goes on above it. Writer thread only; read again after a failure.
  int64_t seq_floor_ = 0;
  bool below_floor_ = false, floor_stale_ = false;
  std::unique_ptr<SQLite::Statement> insert_at_floor_;  // one row, its seq bound first

  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<SQLite::Database>> idle_readers_;
  size_t open_readers_ = 0;

  // Checkpoints in two steps. The bulk of the WAL is copied back into the database file on a thread and
  // connection of its own, so commits go on meanwhile (SQLite's auto-checkpoint would copy inside the
  // committing call). Under a steady load that copy never catches up with the last commit, and the WAL
  // only starts over from its beginning once a checkpoint has copied every frame: it would grow without
  // bound, every commit appending to a longer file (a costlier fsync) and every pass adding two fsyncs
  // that compete with the commits'. So the writer finishes each round itself between two groups
  // (housekeeping()): a short copy of what was committed during the bulk pass, after which the next
  // write restarts the WAL.
  enum class CheckpointStep { Idle, Bulk, Finish };
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  CheckpointStep checkpoint_step_ = CheckpointStep::Idle;
  bool stopping_ = false;
  std::thread checkpointer_;
};

}  // namespace tp
