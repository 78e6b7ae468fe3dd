#include "store/lookup_keys.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <tuple>

#include "store/bucket_lookups.h"

namespace tp {
namespace {

constexpr size_t kRowsPerInsert = 32;  // SQLite runs a statement's setup once for all of them

std::string insert_sql(const std::string& table, size_t rows) {
  // OR IGNORE: a key written by a slice whose batch was read again (after a rollback, an erasure or a
  // restart) is simply there already.
  std::string sql = "INSERT OR IGNORE INTO " + table + " (bucket, id, seq) VALUES (?, ?, ?)";
  for (size_t r = 1; r < rows; ++r) sql += ", (?, ?, ?)";
  return sql;
}

}  // namespace

LookupKeyWriter::LookupKeyWriter(SQLite::Database& db, int64_t batch_rows, size_t keys_per_commit)
    : db_(db),
      batch_rows_(std::max<int64_t>(batch_rows, 1)),
      keys_per_commit_(std::max<size_t>(keys_per_commit, 1)) {
  for (size_t t = 0; t < bucket_lookups::kKeyTables.size(); ++t) {
    const std::string table = bucket_lookups::kKeyTables[t].table;
    insert_one_[t] = std::make_unique<SQLite::Statement>(db_, insert_sql(table, 1));
    insert_many_[t] = std::make_unique<SQLite::Statement>(db_, insert_sql(table, kRowsPerInsert));
    delete_[t] = std::make_unique<SQLite::Statement>(
        db_, "DELETE FROM " + table + " WHERE bucket = ?1 AND id = ?2 AND seq = ?3");
  }
  read_rows_ = std::make_unique<SQLite::Statement>(
      db_, "SELECT seq, customer_id, anonymous_id, session_id FROM interactions WHERE seq > ?1 ORDER BY seq");
  set_mark_ = std::make_unique<SQLite::Statement>(
      db_, "UPDATE meta SET value = ?1 WHERE key = 'lookup_keys_through'");
  through_ = through_committed_ =
      db_.execAndGet("SELECT value FROM meta WHERE key = 'lookup_keys_through'").getInt64();
  reload();
}

LookupKeyWriter::~LookupKeyWriter() = default;

void LookupKeyWriter::reload() {
  pending_.reset();
  for (auto& keys : backlog_) keys.clear();
  newest_ = db_.execAndGet("SELECT COALESCE(MAX(seq), 0) FROM interactions").getInt64();
  read_rows_->bind(1, through_);
  while (read_rows_->executeStep()) {
    const int64_t seq = read_rows_->getColumn(0).getInt64();
    for (size_t t = 0; t < backlog_.size(); ++t) {
      const auto column = read_rows_->getColumn(static_cast<int>(t) + 1);
      if (!column.isNull()) backlog_[t].push_back({column.getString(), seq});
    }
  }
  read_rows_->reset();
}

void LookupKeyWriter::begin() {
  rows_this_transaction_ = 0;
  if (stale_) {
    reload();
    stale_ = false;
  }
}

void LookupKeyWriter::inserted(int64_t seq, const std::string& customer, const std::string& visitor,
                               const std::string& session) {
  newest_ = std::max(newest_, seq);
  ++rows_this_transaction_;
  const std::array<const std::string*, 3> ids = {&customer, &visitor, &session};
  for (size_t t = 0; t < ids.size(); ++t)
    if (!ids[t]->empty()) backlog_[t].push_back({*ids[t], seq});
}

void LookupKeyWriter::write(size_t table, const Key* keys, size_t n) {
  while (n > 0) {
    const size_t rows = n >= kRowsPerInsert ? kRowsPerInsert : 1;
    auto& st = rows == 1 ? *insert_one_[table] : *insert_many_[table];
    for (size_t r = 0; r < rows; ++r) {
      const int base = static_cast<int>(r) * 3;
      st.bind(base + 1, keys[r].seq >> 16);
      st.bindNoCopy(base + 2, keys[r].id);
      st.bind(base + 3, keys[r].seq);
    }
    st.exec();
    st.reset();
    keys += rows;
    n -= rows;
  }
}

void LookupKeyWriter::start_batch() {
  Batch b;
  b.upto = newest_;
  b.keys = std::move(backlog_);
  backlog_ = Keys{};
  for (auto& keys : b.keys)
    std::sort(keys.begin(), keys.end(), [](const Key& x, const Key& y) {
      const int64_t xb = x.seq >> 16, yb = y.seq >> 16;
      return std::tie(xb, x.id, x.seq) < std::tie(yb, y.id, y.seq);
    });
  pending_ = std::move(b);
}

void LookupKeyWriter::step() {
  // At least four keys per row this transaction added (a row has up to three): the backlog shrinks with
  // every commit however large the groups, so the tail the lookups scan stays short.
  size_t budget = std::max(keys_per_commit_, rows_this_transaction_ * 4);
  while (budget > 0) {
    if (!pending_) {
      if (newest_ - through_ < batch_rows_) return;
      start_batch();
    }
    Batch& b = *pending_;
    while (budget > 0 && b.table < b.keys.size()) {
      const auto& keys = b.keys[b.table];
      const size_t n = std::min(budget, keys.size() - b.next);
      write(b.table, keys.data() + b.next, n);
      b.next += n;
      budget -= n;
      if (b.next == keys.size()) {
        ++b.table;
        b.next = 0;
      }
    }
    if (b.table < b.keys.size()) return;
    set_mark(b.upto);
    pending_.reset();
  }
}

void LookupKeyWriter::set_mark(int64_t seq) {
  set_mark_->bind(1, seq);
  set_mark_->exec();
  set_mark_->reset();
  through_ = seq;
}

void LookupKeyWriter::erase_row(int64_t seq, const RowIds& ids) {
  for (size_t t = 0; t < ids.size(); ++t) {
    if (ids[t].empty()) continue;
    auto& st = *delete_[t];
    st.bind(1, seq >> 16);
    st.bindNoCopy(2, ids[t]);
    st.bind(3, seq);
    st.exec();
    st.reset();
  }
}

void LookupKeyWriter::rows_erased() {
  reload();
}

void LookupKeyWriter::committed() {
  through_committed_ = through_;
}

void LookupKeyWriter::rolled_back() {
  through_ = through_committed_;
  stale_ = true;
  pending_.reset();
  for (auto& keys : backlog_) keys.clear();
  for (auto* statements : {&insert_one_, &insert_many_, &delete_})
    for (auto& st : *statements) st->tryReset();
  read_rows_->tryReset();
  set_mark_->tryReset();
}

}  // namespace tp
