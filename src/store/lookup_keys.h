// Writes the customer, visitor and session keys of new rows into the key tables (store/bucket_lookups.h)
// behind ingest, on the writer's connection and inside its transactions.
//
// Why behind: real ids arrive in random order, so an index entry per row written in the row's own commit
// dirties a random page of its bucket for nearly every event (~13 pages per index for a commit of 13
// single-event requests), each one written to the WAL, synced and copied back. Here the keys of a batch of
// rows (lookup_batch_rows of them) are sorted and then written a slice at a time (lookup_keys_per_commit
// keys per commit), in key order: each slice covers a narrow key range, so each page of the bucket is
// written about once per batch, and no commit carries more than one slice (one big batch in one commit
// held its group's requests for up to 6 ms: docs/BENCHMARKS.md). The mark (meta's lookup_keys_through)
// moves in the commit that writes a batch's last key; rows after it are found by the lookups' tail scan.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace tp {

class LookupKeyWriter {
 public:
  // The ids of one row, in the order of bucket_lookups::kKeyTables (customer, visitor, session); empty: none.
  using RowIds = std::array<std::string, 3>;

  // Reads the mark and the keys of the rows after it (the writer's connection, between transactions).
  LookupKeyWriter(SQLite::Database& db, int64_t batch_rows, size_t keys_per_commit);
  ~LookupKeyWriter();
  LookupKeyWriter(const LookupKeyWriter&) = delete;
  LookupKeyWriter& operator=(const LookupKeyWriter&) = delete;

  // A write transaction began.
  void begin();
  // A row was inserted in the open transaction, with these ids (empty: none).
  void inserted(int64_t seq, const std::string& customer, const std::string& visitor,
                const std::string& session);
  // In the open transaction: writes the next slice of the pending batch, starting a batch when
  // batch_rows rows are past the mark, and moves the mark with a batch's last slice.
  void step();
  // Deletes the keys of one row about to be erased (in the open transaction).
  void erase_row(int64_t seq, const RowIds& ids);
  // After the rows of an erasure are deleted: the keys not written yet are read again from the rows that
  // remain. (The store never gives an erased row's seq to a new row, so the mark can stay where it is.)
  void rows_erased();
  // The open transaction committed, or is being rolled back (the keys not written yet are then read again
  // when the next transaction begins; keys written again are no-ops).
  void committed();
  void rolled_back();

 private:
  struct Key {  // its bucket is seq >> 16
    std::string id;
    int64_t seq;
  };
  using Keys = std::array<std::vector<Key>, 3>;  // per key table
  struct Batch {
    int64_t upto = 0;            // the batch holds the keys of the rows in (mark, upto]
    Keys keys;                   // sorted
    size_t table = 0, next = 0;  // the next key to write
  };
  void reload();               // the backlog from the rows after the mark; no pending batch
  void start_batch();          // the backlog, sorted, becomes the pending batch
  void set_mark(int64_t seq);  // in meta, in the open transaction
  void write(size_t table, const Key* keys, size_t n);

  SQLite::Database& db_;
  const int64_t batch_rows_;
  const size_t keys_per_commit_;
  // Per key table: an insert of one key and one of kRowsPerInsert keys, and a delete of one key.
  std::array<std::unique_ptr<SQLite::Statement>, 3> insert_one_, insert_many_, delete_;
  std::unique_ptr<SQLite::Statement> read_rows_, set_mark_;
  // The mark, in the open transaction and as last committed; the newest row.
  int64_t through_ = 0, through_committed_ = 0;
  int64_t newest_ = 0;
  size_t rows_this_transaction_ = 0;
  bool stale_ = false;  // rolled back: the backlog and the batch are read again at the next begin()
  Keys backlog_;        // the keys of the rows after the mark that are not in the pending batch, in seq order
  std::optional<Batch> pending_;
};

}  // namespace tp
