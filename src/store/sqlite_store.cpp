#include "store/sqlite_store.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <tuple>
#include <type_traits>

#include "model/identity/links.h"
#include "model/privacy/suppression_list.h"
#include "store/bucket_lookups.h"
#include "store/migrations.h"
#include "store/wal_write_vfs.h"
#include "util/thread_name.h"

namespace tp {
namespace {

void bind_text_or_null(SQLite::Statement& st, int index, const std::string& value) {
  if (value.empty())
    st.bind(index);
  else
    st.bindNoCopy(index, value);
}

std::string tags_to_json(const Tags& tags) {
  // Most events carry no preset tags: no JSON object built for those (this runs on the writer thread).
  if (tags.persona.empty() && tags.stage.empty() && tags.touchpoint.empty()) return "{}";
  nlohmann::json j = nlohmann::json::object();
  if (!tags.persona.empty()) j["persona"] = tags.persona;
  if (!tags.stage.empty()) j["stage"] = tags.stage;
  if (!tags.touchpoint.empty()) j["touchpoint"] = tags.touchpoint;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Tags tags_from_json(const std::string& text) {
  Tags t;
  if (text.empty()) return t;
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return t;
  t.persona = j.value("persona", "");
  t.stage = j.value("stage", "");
  t.touchpoint = j.value("touchpoint", "");
  return t;
}

std::vector<std::string> strings_from_json(const std::string& text) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& v : j)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

// Printable ASCII other than '"' and '\\' comes out of any JSON serialiser as it went in.
bool plain_json_text(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
  });
}

std::string strings_to_json(const std::vector<std::string>& items) {
  if (items.empty()) return "[]";
  // Rule ids and pain reasons are nearly always plain: written directly (this runs on the writer thread
  // for every tagged interaction); anything else goes through nlohmann (escapes, invalid UTF-8 replaced).
  if (!std::all_of(items.begin(), items.end(), plain_json_text))
    return nlohmann::json(items).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out = "[";
  for (const std::string& item : items) {
    if (out.size() > 1) out += ',';
    out += '"';
    out += item;
    out += '"';
  }
  out += ']';
  return out;
}

std::string column_text(SQLite::Statement& st, int i) {
  return st.isColumnNull(i) ? std::string() : st.getColumn(i).getString();
}

// Rows per multi-row statement at most (see insert_rows_): 32 x 22 parameters, far below SQLite's limit.
constexpr size_t kMaxRowsPerStatement = 32;
constexpr int kInteractionColumns = 22;
constexpr int kTagColumns = 8;

// "(?, ?, ...)" for `rows` rows of `columns` parameters each, comma-separated.
std::string value_rows(size_t rows, int columns) {
  std::string row = "(?";
  for (int c = 1; c < columns; ++c) row += ", ?";
  row += ")";
  std::string out;
  for (size_t r = 0; r < rows; ++r) out += (r ? ", " : "") + row;
  return out;
}

// OR IGNORE rather than ON CONFLICT (source, event_id) DO NOTHING: with an ABORT possible anywhere (the
// default for NOT NULL), SQLite keeps a statement journal for a multi-row statement, copying every page it
// touches (~10% of the writer's work). IGNORE also covers NOT NULL, and bind_interaction never binds NULL
// to a NOT NULL column (source, event_id, type, ts, received_at, tags), so only a repeated id is ignored.
// with_seq: the first parameter is the row's seq (SqliteStore::insert_at_floor); otherwise SQLite numbers it.
std::string insert_interactions_sql(size_t rows, bool with_seq = false) {
  return std::string("INSERT OR IGNORE INTO interactions (") + (with_seq ? "seq, " : "") +
         "source, event_id, type, customer_id, anonymous_id, session_id, "
         "ts, received_at, channel, role, text, intent, confidence, fallback, escalated, rating, url, name, "
         "properties, traits, tags, sentiment) VALUES " +
         value_rows(rows, kInteractionColumns + (with_seq ? 1 : 0));
}

// Only for rows that still exist: tagging trails the commit, and an erasure may have removed the row (and
// its tags) since; its tags must not come back.
std::string update_tags_sql(size_t rows) {
  return "INSERT INTO interaction_tags (persona, stage, touchpoint, sentiment, pain, rules, version, seq) "
         "SELECT * FROM (VALUES " +
         value_rows(rows, kTagColumns) +
         ") AS v WHERE EXISTS (SELECT 1 FROM interactions i WHERE i.seq = v.column8)"
         " ON CONFLICT (seq) DO UPDATE SET persona = excluded.persona, stage = excluded.stage, "
         "touchpoint = excluded.touchpoint, sentiment = excluded.sentiment, pain = excluded.pain, "
         "rules = excluded.rules, version = excluded.version";
}

template <class T>
void bind_optional(SQLite::Statement& st, int index, const std::optional<T>& value) {
  if (value)
    st.bind(index, *value);
  else
    st.bind(index);
}

// One interaction's 22 parameters, from `base` + 1 on. `tags` is its preset tags as JSON, kept alive by
// the caller until the statement has run (bound without a copy, like the event's strings).
void bind_interaction(SQLite::Statement& st, int base, const WriteBatch& batch, const Interaction& in,
                      const std::string& tags) {
  st.bindNoCopy(base + 1, batch.source);
  st.bindNoCopy(base + 2, in.id);
  st.bindNoCopy(base + 3, to_string(in.type).data());  // string literals: NUL-terminated, static
  bind_text_or_null(st, base + 4, in.customer_id);
  bind_text_or_null(st, base + 5, in.anonymous_id);
  bind_text_or_null(st, base + 6, in.session_id);
  st.bind(base + 7, static_cast<int64_t>(in.timestamp_ms));
  st.bind(base + 8, static_cast<int64_t>(batch.received_ms));
  bind_text_or_null(st, base + 9, in.channel);
  if (in.role == Role::None)
    st.bind(base + 10);
  else
    st.bindNoCopy(base + 10, to_string(in.role).data());
  bind_text_or_null(st, base + 11, in.text);
  bind_text_or_null(st, base + 12, in.intent);
  bind_optional(st, base + 13, in.confidence);
  bind_optional(st, base + 14, in.fallback ? std::optional<int>(*in.fallback ? 1 : 0) : std::nullopt);
  bind_optional(st, base + 15, in.escalated ? std::optional<int>(*in.escalated ? 1 : 0) : std::nullopt);
  bind_optional(st, base + 16, in.rating);
  bind_text_or_null(st, base + 17, in.url);
  bind_text_or_null(st, base + 18, in.name);
  bind_text_or_null(st, base + 19, in.properties_json);
  bind_text_or_null(st, base + 20, in.traits_json);
  st.bindNoCopy(base + 21, tags);
  bind_optional(st, base + 22, in.sentiment);
}

// One tag update's 8 parameters; `pain` and `rules` (JSON) kept alive by the caller.
void bind_tag_update(SQLite::Statement& st, int base, const TagUpdate& u, const std::string& pain,
                     const std::string& rules) {
  bind_text_or_null(st, base + 1, u.tags.persona);
  bind_text_or_null(st, base + 2, u.tags.stage);
  bind_text_or_null(st, base + 3, u.tags.touchpoint);
  bind_optional(st, base + 4, u.tags.sentiment);
  st.bindNoCopy(base + 5, pain);
  st.bindNoCopy(base + 6, rules);
  st.bindNoCopy(base + 7, u.version);
  st.bind(base + 8, static_cast<int64_t>(u.seq));
}

constexpr const char* kSelectColumns = R"SQL(
SELECT i.seq, i.source, i.event_id, i.type, i.customer_id, i.anonymous_id, i.session_id, i.ts, i.received_at,
       i.channel, i.role, i.text, i.intent, i.confidence, i.fallback, i.escalated, i.rating, i.url, i.name,
       i.properties, i.traits, i.tags, COALESCE(lc.customer_id, i.customer_id, la.customer_id),
       i.sentiment, t.persona, t.stage, t.touchpoint, t.sentiment, t.pain, t.rules, t.version
FROM interactions i
LEFT JOIN interaction_tags t ON t.seq = i.seq
LEFT JOIN identity_links lc ON lc.alias = i.customer_id
LEFT JOIN identity_links la ON la.alias = i.anonymous_id
)SQL";

StoredInteraction read_row(SQLite::Statement& st) {
  StoredInteraction s;
  Interaction& in = s.interaction;
  s.seq = st.getColumn(0).getInt64();
  s.source = st.getColumn(1).getString();
  in.id = st.getColumn(2).getString();
  in.type = event_type_from(st.getColumn(3).getString()).value_or(EventType::Track);
  in.customer_id = column_text(st, 4);
  in.anonymous_id = column_text(st, 5);
  in.session_id = column_text(st, 6);
  in.timestamp_ms = st.getColumn(7).getInt64();
  s.received_ms = st.getColumn(8).getInt64();
  in.channel = column_text(st, 9);
  in.role = role_from(column_text(st, 10)).value_or(Role::None);
  in.text = column_text(st, 11);
  in.intent = column_text(st, 12);
  if (!st.isColumnNull(13)) in.confidence = st.getColumn(13).getDouble();
  if (!st.isColumnNull(14)) in.fallback = st.getColumn(14).getInt() != 0;
  if (!st.isColumnNull(15)) in.escalated = st.getColumn(15).getInt() != 0;
  if (!st.isColumnNull(16)) in.rating = st.getColumn(16).getInt();
  in.url = column_text(st, 17);
  in.name = column_text(st, 18);
  in.properties_json = column_text(st, 19);
  in.traits_json = column_text(st, 20);
  in.preset_tags = tags_from_json(column_text(st, 21));
  s.resolved_customer_id = column_text(st, 22);
  if (!st.isColumnNull(23)) in.sentiment = st.getColumn(23).getDouble();
  s.tag_version = column_text(st, 30);
  if (!s.tag_version.empty()) {
    s.tags.persona = column_text(st, 24);
    s.tags.stage = column_text(st, 25);
    s.tags.touchpoint = column_text(st, 26);
    if (!st.isColumnNull(27)) s.tags.sentiment = st.getColumn(27).getDouble();
    s.tags.pain = strings_from_json(column_text(st, 28));
    s.tags.rules = strings_from_json(column_text(st, 29));
  }
  return s;
}

// Runs a read query and turns every row into a value; SQLite errors become StorageError.
template <typename Bind, typename Row>
auto collect_rows(SQLite::Database& db, const std::string& sql, Bind bind, Row row) {
  std::vector<std::invoke_result_t<Row, SQLite::Statement&>> out;
  try {
    SQLite::Statement st(db, sql);
    bind(st);
    while (st.executeStep()) out.push_back(row(st));
  } catch (const SQLite::Exception& e) {
    throw StorageError(std::string("query failed: ") + e.what());
  }
  return out;
}

void no_bind(SQLite::Statement&) {}

void record_duplicate(BatchCounts& counts) {
  ++counts.duplicates;
  counts.seqs.push_back(0);
}

}  // namespace

// A reader connection borrowed from the pool for one query, returned on scope exit.
class SqliteStore::ReaderLease {
 public:
  explicit ReaderLease(SqliteStore& store) : store_(store) {
    std::unique_lock lock(store_.readers_mu_);
    store_.readers_cv_.wait(lock, [&] {
      return !store_.idle_readers_.empty() || store_.open_readers_ < store_.options_.max_readers;
    });
    if (!store_.idle_readers_.empty()) {
      db_ = std::move(store_.idle_readers_.back());
      store_.idle_readers_.pop_back();
      return;
    }
    ++store_.open_readers_;
    lock.unlock();
    try {
      db_ = store_.open_connection(false);
    } catch (const std::exception& e) {
      {
        std::lock_guard relock(store_.readers_mu_);
        --store_.open_readers_;
      }
      store_.readers_cv_.notify_one();
      throw StorageError(std::string("cannot open a reader connection: ") + e.what());
    }
  }
  ~ReaderLease() {
    std::lock_guard lock(store_.readers_mu_);
    store_.idle_readers_.push_back(std::move(db_));
    store_.readers_cv_.notify_one();
  }
  SQLite::Database& db() { return *db_; }

 private:
  SqliteStore& store_;
  std::unique_ptr<SQLite::Database> db_;
};

SqliteStore::SqliteStore(SqliteOptions options)
    : options_(std::move(options)), snapshot_(options_.path + ".analytics") {
  try {
    const auto parent = std::filesystem::path(options_.path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    writer_ = open_connection(true);
    apply_migrations(*writer_, sqlite_migrations(), options_.on_migration);
    insert_rows_.resize(kMaxRowsPerStatement + 1);
    tag_rows_.resize(kMaxRowsPerStatement + 1);
    newest_interactions_ = std::make_unique<SQLite::Statement>(
        *writer_, "SELECT seq, source, event_id FROM interactions ORDER BY seq DESC LIMIT ?1");
    insert_link_ = std::make_unique<SQLite::Statement>(*writer_, R"SQL(
INSERT INTO identity_links (alias, customer_id, linked_at) VALUES (?1, ?2, ?3)
ON CONFLICT (alias) DO UPDATE SET customer_id = excluded.customer_id, linked_at = excluded.linked_at
WHERE identity_links.customer_id <> excluded.customer_id)SQL");
    insert_dead_letter_ = std::make_unique<SQLite::Statement>(
        *writer_, "INSERT INTO dead_letters (source, received_at, reason, raw) VALUES (?1, ?2, ?3, ?4)");
    upsert_customer_ = std::make_unique<SQLite::Statement>(*writer_, R"SQL(
INSERT INTO customer_state (customer_id, persona, stages_reached, updated_at, persona_weak) VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (customer_id) DO UPDATE SET persona = excluded.persona, stages_reached = excluded.stages_reached,
  updated_at = excluded.updated_at, persona_weak = excluded.persona_weak)SQL");
    lookup_keys_ = std::make_unique<LookupKeyWriter>(*writer_, options_.lookup_batch_rows,
                                                     options_.lookup_keys_per_commit);
    insert_at_floor_ = std::make_unique<SQLite::Statement>(*writer_, insert_interactions_sql(1, true));
    read_seq_floor();
    writer_->exec("PRAGMA wal_autocheckpoint = 0");
    sqlite3_wal_hook(writer_->getHandle(), &SqliteStore::on_wal_commit, this);
    checkpointer_ = std::thread([this] { checkpoint_loop(); });
  } catch (const SQLite::Exception& e) {
    throw StorageError("cannot open SQLite database '" + options_.path + "': " + e.what());
  }
}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard lock(checkpoint_mu_);
    stopping_ = true;
  }
  checkpoint_cv_.notify_all();
  if (checkpointer_.joinable()) checkpointer_.join();
  insert_rows_.clear();
  tag_rows_.clear();
  newest_interactions_.reset();
  insert_link_.reset();
  insert_dead_letter_.reset();
  upsert_customer_.reset();
  lookup_keys_.reset();
  insert_at_floor_.reset();
  idle_readers_.clear();
  writer_.reset();
}

std::unique_ptr<SQLite::Database> SqliteStore::open_connection(bool writer) const {
  const int flags = writer ? (SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX)
                           : (SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX);
  // The writer's WAL appends go out in one write per commit (store/wal_write_vfs.h); it is the only
  // connection that commits, and with synchronous=FULL it syncs every commit, which that VFS needs (with
  // NORMAL, other connections would find committed frames still in its buffer).
  const bool full = options_.synchronous == SqliteSynchronous::Full;
  const char* vfs = writer && full ? wal_write_vfs_name() : nullptr;
  auto db = std::make_unique<SQLite::Database>(options_.path.c_str(), flags, options_.busy_timeout_ms, vfs);
  if (writer) {
    // Before anything is written: on a new file this sets the page size, on an existing one it is a no-op.
    db->exec("PRAGMA page_size = " + std::to_string(options_.page_size));
    db->exec("PRAGMA journal_mode = WAL");
    // FULL: the WAL is fsynced at every commit, so a 2xx survives power loss (NORMAL: tests only).
    db->exec(full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
    db->exec("PRAGMA foreign_keys = ON");
    // Deleted content is overwritten, not just unlinked: an erased customer's words must not survive in
    // free pages of the file.
    db->exec("PRAGMA secure_delete = ON");
    db->exec("PRAGMA temp_store = MEMORY");
    db->exec("PRAGMA cache_size = -" + std::to_string(options_.writer_cache_mib * 1024));
  }
  return db;
}

// Called by SQLite on the writer thread after each commit, with the WAL's size in pages.
int SqliteStore::on_wal_commit(void* self, sqlite3*, const char*, int pages) {
  auto* store = static_cast<SqliteStore*>(self);
  if (pages >= store->options_.checkpoint_wal_pages) {
    {
      std::lock_guard lock(store->checkpoint_mu_);
      if (store->checkpoint_step_ != CheckpointStep::Idle) return SQLITE_OK;
      store->checkpoint_step_ = CheckpointStep::Bulk;
    }
    store->checkpoint_cv_.notify_one();
  }
  return SQLITE_OK;
}

void SqliteStore::checkpoint_loop() {
  name_current_thread("tp-checkpoint");
  std::unique_ptr<SQLite::Database> db;
  for (;;) {
    {
      std::unique_lock lock(checkpoint_mu_);
      checkpoint_cv_.wait(lock, [&] { return stopping_ || checkpoint_step_ == CheckpointStep::Bulk; });
      if (stopping_) return;
    }
    try {
      if (!db)
        db = std::make_unique<SQLite::Database>(options_.path, SQLite::OPEN_READWRITE,
                                                options_.busy_timeout_ms);
      // PASSIVE: copies what it can without blocking the writer or readers.
      db->exec("PRAGMA wal_checkpoint(PASSIVE)");
    } catch (const std::exception&) {
      db.reset();  // the writer's step still runs; the next round retries with a new connection
    }
    std::lock_guard lock(checkpoint_mu_);
    checkpoint_step_ = CheckpointStep::Finish;
  }
}

void SqliteStore::housekeeping() {
  {
    std::lock_guard lock(checkpoint_mu_);
    if (checkpoint_step_ != CheckpointStep::Finish) return;
  }
  try {
    // Only the frames committed during the bulk pass are left to copy. When a reader still uses older
    // frames, not everything is copied and the WAL goes on growing; the next round tries again.
    writer_->exec("PRAGMA wal_checkpoint(PASSIVE)");
  } catch (const SQLite::Exception&) {
    // Not fatal: the WAL keeps its frames, and the next round tries again.
  }
  std::lock_guard lock(checkpoint_mu_);
  checkpoint_step_ = CheckpointStep::Idle;
}

SQLite::Statement& SqliteStore::insert_statement(size_t rows) {
  auto& st = insert_rows_.at(rows);
  if (!st) st = std::make_unique<SQLite::Statement>(*writer_, insert_interactions_sql(rows));
  return *st;
}

SQLite::Statement& SqliteStore::tag_statement(size_t rows) {
  auto& st = tag_rows_.at(rows);
  if (!st) st = std::make_unique<SQLite::Statement>(*writer_, update_tags_sql(rows));
  return *st;
}

void SqliteStore::record_inserted(const EventRow& row, int64_t seq) {
  const Interaction& in = *row.event;
  ++row.counts->accepted;
  row.counts->seqs.push_back(seq);
  lookup_keys_->inserted(seq, in.customer_id, in.anonymous_id, in.session_id);
  // An event that carries both ids links the anonymous visitor to the customer (Segment semantics), and so
  // do the configured identity traits.
  for (const std::string& alias : link_aliases(in)) {
    auto& link = *insert_link_;
    link.bindNoCopy(1, alias);
    link.bindNoCopy(2, in.customer_id);
    link.bind(3, static_cast<int64_t>(row.batch->received_ms));
    link.exec();
    link.reset();
  }
}

size_t SqliteStore::insert_at_floor(std::span<const EventRow> rows) {
  size_t k = 0;
  for (; k < rows.size() && below_floor_; ++k) {
    const std::string tags = tags_to_json(rows[k].event->preset_tags);
    auto& st = *insert_at_floor_;
    st.bind(1, seq_floor_ + 1);
    bind_interaction(st, 1, *rows[k].batch, *rows[k].event, tags);
    st.exec();
    const bool went_in = writer_->getChanges() == 1;
    st.reset();
    if (!went_in) {
      record_duplicate(*rows[k].counts);
      continue;
    }
    record_inserted(rows[k], seq_floor_ + 1);
    below_floor_ = false;  // SQLite numbers the next rows above this one
  }
  return k;
}

void SqliteStore::insert_events(std::span<const EventRow> all) {
  std::array<std::string, kMaxRowsPerStatement> tags;  // bound without a copy: alive until the statement ran
  std::vector<std::tuple<int64_t, std::string, std::string>> newest;  // seq, source, event_id
  for (size_t first = 0; first < all.size();) {
    if (below_floor_) {
      first += insert_at_floor(all.subspan(first));
      continue;
    }
    const auto rows = all.subspan(first, std::min(kMaxRowsPerStatement, all.size() - first));
    const size_t n = rows.size();
    first += n;
    SQLite::Statement& st = insert_statement(n);
    for (size_t k = 0; k < n; ++k) {
      tags[k] = tags_to_json(rows[k].event->preset_tags);
      bind_interaction(st, static_cast<int>(k) * kInteractionColumns, *rows[k].batch, *rows[k].event,
                       tags[k]);
    }
    st.exec();
    const auto inserted = static_cast<size_t>(writer_->getChanges());
    const int64_t last = writer_->getLastInsertRowid();
    st.reset();

    // Which rows went in. All of them (the usual case): their rowids count up to the last one, in order.
    // Otherwise (re-deliveries): the newest `inserted` rows are this statement's, in order, and a row is
    // among them when it is the next of them with its source and id (a key ignored here cannot come again
    // later in the statement).
    newest.clear();
    if (inserted != n && inserted > 0) {
      newest_interactions_->bind(1, static_cast<int64_t>(inserted));
      while (newest_interactions_->executeStep())
        newest.emplace_back(newest_interactions_->getColumn(0).getInt64(),
                            newest_interactions_->getColumn(1).getString(),
                            newest_interactions_->getColumn(2).getString());
      newest_interactions_->reset();
      std::reverse(newest.begin(), newest.end());
    }
    size_t next = 0;
    for (size_t k = 0; k < n; ++k) {
      int64_t seq = 0;
      if (inserted == n)
        seq = last - static_cast<int64_t>(n - 1 - k);
      else if (next < newest.size() && std::get<2>(newest[next]) == rows[k].event->id &&
               std::get<1>(newest[next]) == rows[k].batch->source)
        seq = std::get<0>(newest[next++]);
      if (seq == 0)
        record_duplicate(*rows[k].counts);
      else
        record_inserted(rows[k], seq);
    }
  }
}

void SqliteStore::write_tag_updates(const std::vector<TagUpdate>& updates) {
  std::array<std::string, kMaxRowsPerStatement> pain, rules;  // bound without a copy
  for (size_t first = 0; first < updates.size(); first += kMaxRowsPerStatement) {
    const size_t n = std::min(kMaxRowsPerStatement, updates.size() - first);
    SQLite::Statement& st = tag_statement(n);
    for (size_t k = 0; k < n; ++k) {
      const TagUpdate& u = updates[first + k];
      pain[k] = strings_to_json(u.tags.pain);
      rules[k] = strings_to_json(u.tags.rules);
      bind_tag_update(st, static_cast<int>(k) * kTagColumns, u, pain[k], rules[k]);
    }
    st.exec();
    st.reset();
  }
}

void SqliteStore::write_rest(const WriteBatch& batch, BatchCounts& counts) {
  write_tag_updates(batch.tag_updates);
  for (const CustomerStateRow& c : batch.customer_updates) {
    auto& st = *upsert_customer_;
    st.bindNoCopy(1, c.customer_id);
    bind_text_or_null(st, 2, c.persona);
    st.bind(3, static_cast<int64_t>(c.stages_reached));
    st.bind(4, static_cast<int64_t>(c.updated_ms));
    st.bind(5, c.persona_from_plugin ? 1 : 0);
    st.exec();
    st.reset();
  }
  std::vector<std::string> erased_ids;
  const int64_t newest_before = batch.erase_customers.empty() ? 0 : newest_seq();
  for (const std::string& customer : batch.erase_customers)
    counts.erased += erase_customer(customer, erased_ids);
  if (counts.erased > 0) {
    if (newest_before > seq_floor_) {  // the largest seq used so far, for good (see seq_floor_)
      seq_floor_ = newest_before;
      SQLite::Statement floor(*writer_,
                              "INSERT INTO meta (key, value) VALUES ('seq_floor', ?1) "
                              "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
      floor.bind(1, seq_floor_);
      floor.exec();
    }
    below_floor_ = newest_seq() < seq_floor_;
  }
  for (const std::string& mention : batch.erase_mentions) {
    SQLite::Statement dead(*writer_, "DELETE FROM dead_letters WHERE instr(raw, ?1) > 0");
    dead.bind(1, mention);
    dead.exec();
  }
  if (batch.invalidates_analytics || !batch.erase_customers.empty())
    writer_->exec("UPDATE meta SET value = value + 1 WHERE key = 'analytics_generation'");
  if (batch.suppress_erased) {
    SQLite::Statement st(
        *writer_, "INSERT INTO suppressed_ids (id_hash, added_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING");
    for (const std::string& id : erased_ids) {
      counts.suppressed.push_back(suppression_hash(id));
      st.bind(1, counts.suppressed.back());
      st.bind(2, static_cast<int64_t>(batch.received_ms));
      st.exec();
      st.reset();
    }
  }
  for (const DeadLetter& d : batch.dead_letters) {
    auto& st = *insert_dead_letter_;
    st.bindNoCopy(1, d.source);
    st.bind(2, static_cast<int64_t>(d.received_ms));
    st.bindNoCopy(3, d.reason_json);
    st.bindNoCopy(4, d.raw);
    st.exec();
    st.reset();
  }
}

uint32_t SqliteStore::erase_customer(const std::string& customer, std::vector<std::string>& erased_ids) {
  // The customer and every alias linked to it (anonymous ids, former ids).
  std::vector<std::string> ids{customer};
  {
    SQLite::Statement q(*writer_, "SELECT alias FROM identity_links WHERE customer_id = ?1");
    q.bind(1, customer);
    while (q.executeStep()) ids.push_back(q.getColumn(0).getString());
  }
  uint32_t erased = 0;
  using namespace bucket_lookups;
  SQLite::Statement rows(*writer_, std::string(kBucketsCte) +
                                       "SELECT seq, customer_id, anonymous_id, session_id FROM interactions "
                                       "WHERE seq IN " +
                                       kSeqsOfId);
  SQLite::Statement delete_tags(*writer_, "DELETE FROM interaction_tags WHERE seq = ?1");
  SQLite::Statement delete_row(*writer_, "DELETE FROM interactions WHERE seq = ?1");
  for (const auto& id : ids) {
    // The rows first, then each one with its tags and its lookup keys (the keys hold the ids too).
    std::vector<std::pair<int64_t, LookupKeyWriter::RowIds>> found;
    rows.bind(1, id);
    while (rows.executeStep())
      found.push_back(
          {rows.getColumn(0).getInt64(), {column_text(rows, 1), column_text(rows, 2), column_text(rows, 3)}});
    rows.reset();
    for (const auto& [seq, row_ids] : found) {
      lookup_keys_->erase_row(seq, row_ids);
      delete_tags.bind(1, seq);
      delete_tags.exec();
      delete_tags.reset();
      delete_row.bind(1, seq);
      erased += static_cast<uint32_t>(delete_row.exec());
      delete_row.reset();
    }
    SQLite::Statement links(*writer_, "DELETE FROM identity_links WHERE alias = ?1 OR customer_id = ?1");
    links.bind(1, id);
    links.exec();
    SQLite::Statement state(*writer_, "DELETE FROM customer_state WHERE customer_id = ?1");
    state.bind(1, id);
    state.exec();
    // Dead letters are raw payloads: any that mention the id go too (instr: no LIKE wildcards to escape).
    SQLite::Statement dead(*writer_, "DELETE FROM dead_letters WHERE instr(raw, ?1) > 0");
    dead.bind(1, id);
    dead.exec();
  }
  lookup_keys_->rows_erased();
  erased_ids.insert(erased_ids.end(), ids.begin(), ids.end());
  return erased;
}

std::vector<std::string> SqliteStore::suppressed() {
  ReaderLease lease(*this);
  return collect_rows(lease.db(), "SELECT id_hash FROM suppressed_ids", no_bind,
                      [](SQLite::Statement& st) { return st.getColumn(0).getString(); });
}

bool SqliteStore::purge_deleted() {
  try {
    SQLite::Database db(options_.path, SQLite::OPEN_READWRITE, options_.busy_timeout_ms);
    SQLite::Statement st(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    if (!st.executeStep()) return false;
    return st.getColumn(0).getInt() == 0;  // 0: not blocked; the log was copied back and truncated
  } catch (const SQLite::Exception&) {
    return false;
  }
}

int64_t SqliteStore::newest_seq() {
  return writer_->execAndGet("SELECT COALESCE(MAX(seq), 0) FROM interactions").getInt64();
}

void SqliteStore::read_seq_floor() {
  seq_floor_ =
      writer_->execAndGet("SELECT COALESCE((SELECT value FROM meta WHERE key = 'seq_floor'), 0)").getInt64();
  below_floor_ = newest_seq() < seq_floor_;
  floor_stale_ = false;
}

void SqliteStore::commit(std::span<const WriteBatch* const> batches, std::vector<BatchCounts>& counts) {
  counts.assign(batches.size(), BatchCounts{});
  try {
    writer_->exec("BEGIN IMMEDIATE");
  } catch (const SQLite::Exception& e) {
    throw StorageError(std::string("cannot begin a write transaction: ") + e.what());
  }
  try {
    if (floor_stale_) read_seq_floor();
    lookup_keys_->begin();
    // The events of consecutive batches share statements; an erasure must see exactly the events before
    // it, so a batch that erases ends a run (its own events go in first, as before). Nothing else a batch
    // writes depends on another batch's events (tags name rows committed earlier; dead letters, customer
    // state and suppressions are other tables).
    std::vector<EventRow> rows;
    for (size_t i = 0; i < batches.size();) {
      size_t end = i;
      while (end < batches.size() && batches[end]->erase_customers.empty()) ++end;
      if (end == i) ++end;  // an erasing batch: a run of its own
      rows.clear();
      for (size_t b = i; b < end; ++b)
        for (const Interaction& in : batches[b]->events) rows.push_back({batches[b], &in, &counts[b]});
      insert_events(rows);
      for (size_t b = i; b < end; ++b) write_rest(*batches[b], counts[b]);
      i = end;
    }
    lookup_keys_->step();  // in this transaction: the mark and the keys never disagree, even after a crash
    writer_->exec("COMMIT");
    lookup_keys_->committed();
  } catch (const SQLite::Exception& e) {
    lookup_keys_->rolled_back();
    floor_stale_ = true;  // read again at the next transaction
    insert_at_floor_->tryReset();
    for (auto* statements : {&insert_rows_, &tag_rows_})
      for (auto& st : *statements)
        if (st) st->tryReset();
    newest_interactions_->tryReset();
    insert_link_->tryReset();
    insert_dead_letter_->tryReset();
    upsert_customer_->tryReset();
    if (!sqlite3_get_autocommit(writer_->getHandle())) {
      try {
        writer_->exec("ROLLBACK");
      } catch (const SQLite::Exception&) {
        // The connection already rolled back (e.g. after SQLITE_FULL); nothing more to undo.
      }
    }
    counts.assign(batches.size(), BatchCounts{});
    throw StorageError(std::string("commit failed: ") + e.what());
  }
}

std::vector<StoredInteraction> SqliteStore::interactions(const InteractionQuery& q) {
  std::string sql = std::string(bucket_lookups::kBucketsCte) + kSelectColumns;
  std::vector<std::string> where;
  if (!q.source.empty()) where.emplace_back("i.source = :source");
  if (!q.session.empty()) where.emplace_back(bucket_lookups::kSessionFilter);
  if (!q.customer.empty()) {
    // Candidate rows through the indexes, then the exact resolution check.
    where.emplace_back(std::string(bucket_lookups::kCustomerCandidates) +
                       " AND COALESCE(lc.customer_id, i.customer_id, la.customer_id) = :customer");
  }
  for (size_t i = 0; i < where.size(); ++i) sql += (i == 0 ? " WHERE " : " AND ") + where[i];
  sql += " ORDER BY i.ts DESC, i.seq DESC LIMIT :limit";

  ReaderLease lease(*this);
  return collect_rows(
      lease.db(), sql,
      [&](SQLite::Statement& st) {
        if (!q.source.empty()) st.bind(":source", q.source);
        if (!q.session.empty()) st.bind(":session", q.session);
        if (!q.customer.empty()) st.bind(":customer", q.customer);
        st.bind(":limit", static_cast<int64_t>(q.limit));
      },
      read_row);
}

// One statement for a whole page of transcripts: the seqs go in as a JSON array (json_each), each row is
// found by its primary key.
std::vector<StoredInteraction> SqliteStore::interactions_by_seq(std::span<const int64_t> seqs) {
  if (seqs.empty()) return {};
  std::string list = "[";
  for (size_t i = 0; i < seqs.size(); ++i) {
    if (i) list += ',';
    list += std::to_string(seqs[i]);
  }
  list += ']';
  const std::string sql = std::string(kSelectColumns) +
                          " WHERE i.seq IN (SELECT value FROM json_each(:seqs)) ORDER BY i.ts, i.seq";
  ReaderLease lease(*this);
  return collect_rows(
      lease.db(), sql, [&](SQLite::Statement& st) { st.bind(":seqs", list); }, read_row);
}

std::vector<StoredDeadLetter> SqliteStore::dead_letters(size_t limit) {
  ReaderLease lease(*this);
  return collect_rows(
      lease.db(), "SELECT id, source, received_at, reason, raw FROM dead_letters ORDER BY id DESC LIMIT ?1",
      [&](SQLite::Statement& st) { st.bind(1, static_cast<int64_t>(limit)); },
      [](SQLite::Statement& st) {
        StoredDeadLetter d;
        d.id = st.getColumn(0).getInt64();
        d.letter.source = st.getColumn(1).getString();
        d.letter.received_ms = st.getColumn(2).getInt64();
        d.letter.reason_json = st.getColumn(3).getString();
        d.letter.raw = st.getColumn(4).getString();
        return d;
      });
}

bool SqliteStore::writable() {
  // A reader connection asks whether the file is there and not locked for writing by another process;
  // the writer connection belongs to the writer thread and is never touched from here.
  try {
    ReaderLease lease(*this);
    SQLite::Statement probe(lease.db(), "SELECT 1 FROM sqlite_master LIMIT 1");
    probe.executeStep();
    return std::filesystem::exists(options_.path) && ::access(options_.path.c_str(), W_OK) == 0;
  } catch (const SQLite::Exception&) {
    return false;
  }
}

std::vector<StoredInteraction> SqliteStore::scan(const ScanQuery& q) {
  std::string sql = kSelectColumns;
  sql += q.untagged_only ? " WHERE i.seq > :after AND t.seq IS NULL" : " WHERE i.seq > :after";
  sql += " ORDER BY i.seq LIMIT :limit";
  ReaderLease lease(*this);
  return collect_rows(
      lease.db(), sql,
      [&](SQLite::Statement& st) {
        st.bind(":after", static_cast<int64_t>(q.after_seq));
        st.bind(":limit", static_cast<int64_t>(q.limit));
      },
      read_row);
}

std::vector<CustomerStateRow> SqliteStore::customer_states() {
  ReaderLease lease(*this);
  return collect_rows(
      lease.db(), "SELECT customer_id, persona, persona_weak, stages_reached, updated_at FROM customer_state",
      no_bind, [](SQLite::Statement& st) {
        return CustomerStateRow{
            st.getColumn(0).getString(), column_text(st, 1), st.getColumn(2).getInt() != 0,
            static_cast<uint64_t>(st.getColumn(3).getInt64()), st.getColumn(4).getInt64()};
      });
}

std::vector<std::pair<std::string, std::string>> SqliteStore::identity_links() {
  ReaderLease lease(*this);
  return collect_rows(lease.db(), "SELECT alias, customer_id FROM identity_links", no_bind,
                      [](SQLite::Statement& st) {
                        return std::make_pair(st.getColumn(0).getString(), st.getColumn(1).getString());
                      });
}

}  // namespace tp

namespace tp {

int64_t SqliteStore::analytics_generation() {
  ReaderLease lease(*this);
  try {
    return lease.db().execAndGet("SELECT value FROM meta WHERE key = 'analytics_generation'").getInt64();
  } catch (const SQLite::Exception& e) {
    throw StorageError(std::string("cannot read the analytics generation: ") + e.what());
  }
}

void SqliteStore::save_snapshot(std::string_view bytes) {
  snapshot_.save(bytes);
}
std::optional<std::string> SqliteStore::load_snapshot() {
  return snapshot_.load();
}
void SqliteStore::drop_snapshot() {
  snapshot_.remove();
}

}  // namespace tp
