#include "store/sqlite_store.h"

#include <SQLiteCpp/Database.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "model/privacy/suppression_list.h"
#include "store/backends.h"
#include "store/bucket_lookups.h"
#include "store/migrations.h"
#include "support/temp_dir.h"

namespace tp {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

Interaction event(const std::string& id, const std::string& customer, const std::string& anonymous,
                  int64_t ts, const std::string& session = "") {
  Interaction in;
  in.id = id;
  in.type = EventType::Track;
  in.customer_id = customer;
  in.anonymous_id = anonymous;
  in.timestamp_ms = ts;
  in.session_id = session;
  return in;
}

WriteBatch batch(const std::string& source, std::vector<Interaction> events, int64_t received_ms = 5000) {
  WriteBatch b;
  b.source = source;
  b.received_ms = received_ms;
  b.events = std::move(events);
  return b;
}

// The internal batch that erases these customers.
WriteBatch erasure_of(std::vector<std::string> customers) {
  WriteBatch b;
  b.source = "erasure";
  b.internal = true;
  b.erase_customers = std::move(customers);
  return b;
}

std::vector<std::string> ids(const std::vector<StoredInteraction>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.interaction.id);
  return out;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store = open(); }

  std::unique_ptr<SqliteStore> open(int busy_timeout_ms = 5000) {
    SqliteOptions o;
    o.path = path;
    o.busy_timeout_ms = busy_timeout_ms;
    return std::make_unique<SqliteStore>(o);
  }

  // Commits the batches in one transaction; returns the counts per batch.
  std::vector<BatchCounts> commit(const std::vector<WriteBatch>& batches) {
    std::vector<const WriteBatch*> ptrs;
    for (const auto& b : batches) ptrs.push_back(&b);
    std::vector<BatchCounts> counts;
    store->commit(ptrs, counts);
    return counts;
  }

  std::vector<StoredInteraction> query(const std::string& source = "", const std::string& customer = "",
                                       const std::string& session = "", size_t limit = 100) {
    InteractionQuery q;
    q.source = source;
    q.customer = customer;
    q.session = session;
    q.limit = limit;
    return store->interactions(q);
  }

  // Reopens the store writing lookup keys in batches of `rows` and slices of at least `per_commit` keys
  // (small figures make the batches visible in a few commits).
  void reopen_with_lookup_batches(int64_t rows, size_t per_commit = SqliteOptions{}.lookup_keys_per_commit) {
    store.reset();
    SqliteOptions o;
    o.path = path;
    o.lookup_batch_rows = rows;
    o.lookup_keys_per_commit = per_commit;
    store = std::make_unique<SqliteStore>(o);
  }

  // Another connection adds a trigger that aborts the insert of event id "boom", mid-transaction.
  void make_inserts_of_boom_fail() {
    SQLite::Database admin(path, SQLite::OPEN_READWRITE);
    admin.exec(R"(CREATE TRIGGER boom BEFORE INSERT ON interactions WHEN NEW.event_id = 'boom'
                  BEGIN SELECT RAISE(ABORT, 'boom'); END)");
  }

  // Closes the store and writes a database at schema `version` holding the interactions of `values` (an
  // SQL VALUES list for source, event_id, type, customer_id, anonymous_id, session_id, ts, received_at).
  std::string database_at_version(const std::string& file, int version, const std::string& values) {
    store.reset();
    const std::string old_path = dir.file(file);
    SQLite::Database db(old_path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    std::vector<Migration> upto;
    for (const auto& m : sqlite_migrations())
      if (m.version <= version) upto.push_back(m);
    apply_migrations(db, upto);
    db.exec(
        "INSERT INTO interactions (source, event_id, type, customer_id, anonymous_id, session_id, ts, "
        "received_at) VALUES " +
        values);
    return old_path;
  }

  testing::TempDir dir;
  const std::string path = dir.file("data/nested/touchpoint.db");  // parent folders do not exist yet
  std::unique_ptr<SqliteStore> store;
};

TEST_F(SqliteStoreTest, CreatesTheFileInWalModeAtTheNewestSchema) {
  ASSERT_TRUE(std::filesystem::exists(path));
  SQLite::Database check(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(check.execAndGet("PRAGMA journal_mode").getString(), "wal");
  EXPECT_EQ(check.execAndGet("PRAGMA user_version").getInt(), sqlite_migrations().back().version);
  EXPECT_EQ(check.execAndGet("PRAGMA page_size").getInt(), SqliteOptions{}.page_size);
  EXPECT_TRUE(store->writable());
}

// A database made with other pages (SQLite's default 4 KiB, as before 8 KiB became the default) keeps
// them: the page size of a file in WAL mode only changes with a VACUUM, which opening must not start.
TEST_F(SqliteStoreTest, AnExistingDatabaseKeepsItsPageSize) {
  store.reset();
  std::filesystem::remove(path);
  SqliteOptions o;
  o.path = path;
  o.page_size = 4096;
  store = std::make_unique<SqliteStore>(o);
  ASSERT_EQ(commit({batch("web", {event("e1", "c1", "", 1)})})[0].accepted, 1u);
  store.reset();
  store = open();
  ASSERT_EQ(commit({batch("web", {event("e2", "c1", "", 2)})})[0].accepted, 1u);
  EXPECT_THAT(ids(query()), ElementsAre("e2", "e1"));
  SQLite::Database check(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(check.execAndGet("PRAGMA page_size").getInt(), 4096);
  EXPECT_EQ(check.execAndGet("PRAGMA integrity_check").getString(), "ok");
}

TEST_F(SqliteStoreTest, ReopeningKeepsTheData) {
  ASSERT_EQ(commit({batch("web", {event("e1", "c1", "", 1)})})[0].accepted, 1u);
  store.reset();
  store = open();
  EXPECT_THAT(ids(query()), ElementsAre("e1"));
}

TEST_F(SqliteStoreTest, StoresEveryFieldAndReadsItBack) {
  Interaction in = event("evt-1", "cust-1", "anon-1", 1'800'000'000'123, "sess-1");
  in.type = EventType::Feedback;
  in.channel = "chatbot";
  in.role = Role::Agent;
  in.text = "Paldies! Спасибо 😀";
  in.intent = "thanks";
  in.confidence = 0.25;
  in.fallback = true;
  in.escalated = false;
  in.rating = 5;
  in.url = "https://shop.example/x";
  in.name = "survey";
  in.properties_json = R"({"a":1})";
  in.traits_json = R"({"plan":"pro"})";
  in.preset_tags.stage = "support";
  in.preset_tags.persona = "returning-customer";

  const auto counts = commit({batch("native", {in}, 1'800'000'000'999)});
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0].accepted, 1u);
  EXPECT_EQ(counts[0].duplicates, 0u);

  const auto rows = query();
  ASSERT_EQ(rows.size(), 1u);
  const StoredInteraction& s = rows[0];
  EXPECT_GT(s.seq, 0);
  EXPECT_EQ(s.source, "native");
  EXPECT_EQ(s.received_ms, 1'800'000'000'999);
  EXPECT_EQ(s.resolved_customer_id, "cust-1");
  EXPECT_EQ(s.interaction.preset_tags.stage, "support");
  EXPECT_EQ(s.interaction.preset_tags.persona, "returning-customer");
  EXPECT_TRUE(s.interaction.preset_tags.touchpoint.empty());
  EXPECT_TRUE(s.tag_version.empty());  // not tagged by the engine yet
  const Interaction& out = s.interaction;
  EXPECT_EQ(out.id, in.id);
  EXPECT_EQ(out.type, in.type);
  EXPECT_EQ(out.customer_id, in.customer_id);
  EXPECT_EQ(out.anonymous_id, in.anonymous_id);
  EXPECT_EQ(out.session_id, in.session_id);
  EXPECT_EQ(out.timestamp_ms, in.timestamp_ms);
  EXPECT_EQ(out.channel, in.channel);
  EXPECT_EQ(out.role, in.role);
  EXPECT_EQ(out.text, in.text);
  EXPECT_EQ(out.intent, in.intent);
  EXPECT_EQ(out.confidence, in.confidence);
  EXPECT_EQ(out.fallback, in.fallback);
  EXPECT_EQ(out.escalated, in.escalated);
  EXPECT_EQ(out.rating, in.rating);
  EXPECT_EQ(out.url, in.url);
  EXPECT_EQ(out.name, in.name);
  EXPECT_EQ(out.properties_json, in.properties_json);
  EXPECT_EQ(out.traits_json, in.traits_json);
}

TEST_F(SqliteStoreTest, AbsentOptionalFieldsStayAbsent) {
  commit({batch("native", {event("e", "", "anon", 7)})});
  const auto rows = query();
  ASSERT_EQ(rows.size(), 1u);
  const Interaction& out = rows[0].interaction;
  EXPECT_TRUE(out.customer_id.empty());
  EXPECT_TRUE(out.session_id.empty());
  EXPECT_EQ(out.role, Role::None);
  EXPECT_FALSE(out.confidence);
  EXPECT_FALSE(out.fallback);
  EXPECT_FALSE(out.escalated);
  EXPECT_FALSE(out.rating);
  EXPECT_TRUE(out.properties_json.empty());
  EXPECT_TRUE(rows[0].interaction.preset_tags.empty());
  EXPECT_EQ(rows[0].resolved_customer_id, "");  // anonymous and not linked
}

TEST_F(SqliteStoreTest, CountsArePerBatch) {
  const auto counts = commit({
      batch("a", {event("1", "c", "", 1), event("2", "c", "", 2), event("3", "c", "", 3)}),
      batch("b", {event("1", "c", "", 1), event("1", "c", "", 1)}),  // the same id twice in one batch
      batch("a", {event("2", "c", "", 2), event("4", "c", "", 4)}),  // "2" was stored by the first batch
  });
  ASSERT_EQ(counts.size(), 3u);
  EXPECT_EQ(counts[0].accepted, 3u);
  EXPECT_EQ(counts[0].duplicates, 0u);
  EXPECT_EQ(counts[1].accepted, 1u);
  EXPECT_EQ(counts[1].duplicates, 1u);
  EXPECT_EQ(counts[2].accepted, 1u);
  EXPECT_EQ(counts[2].duplicates, 1u);
  EXPECT_EQ(query().size(), 5u);
}

TEST_F(SqliteStoreTest, RecommitCountsDuplicatesAndStoresOnce) {
  const auto first = commit({batch("web", {event("x", "c", "", 1), event("y", "c", "", 2)})});
  EXPECT_EQ(first[0].accepted, 2u);
  Interaction changed = event("x", "c", "", 1);
  changed.text = "a retry with different content";
  const auto second = commit({batch("web", {changed, event("y", "c", "", 2)})});
  EXPECT_EQ(second[0].accepted, 0u);
  EXPECT_EQ(second[0].duplicates, 2u);
  const auto rows = query();
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& r : rows) EXPECT_TRUE(r.interaction.text.empty()) << "the first write wins";
}

TEST_F(SqliteStoreTest, SameIdInDifferentSourcesIsStoredForEach) {
  const auto counts =
      commit({batch("web", {event("42", "c", "", 1)}), batch("app", {event("42", "c", "", 2)})});
  EXPECT_EQ(counts[0].accepted, 1u);
  EXPECT_EQ(counts[1].accepted, 1u);
  EXPECT_THAT(ids(query("web")), ElementsAre("42"));
  EXPECT_THAT(ids(query("app")), ElementsAre("42"));
  EXPECT_EQ(query().size(), 2u);
}

TEST_F(SqliteStoreTest, AnEventWithBothIdsLinksTheAnonymousHistory) {
  commit({batch("web", {event("v1", "", "anon-1", 1000), event("v2", "", "anon-1", 2000),
                        event("other", "", "anon-2", 1500)})});
  EXPECT_TRUE(query("", "cust-X").empty());

  commit({batch("web", {event("identify", "cust-X", "anon-1", 3000)})});
  commit({batch("web", {event("v3", "", "anon-1", 4000)})});  // after the link, too

  const auto rows = query("", "cust-X");
  EXPECT_THAT(ids(rows), ElementsAre("v3", "identify", "v2", "v1"));
  for (const auto& r : rows) EXPECT_EQ(r.resolved_customer_id, "cust-X") << r.interaction.id;
  EXPECT_TRUE(rows[3].interaction.customer_id.empty()) << "the stored row itself is unchanged";

  // The other visitor is not linked.
  const auto all = query();
  ASSERT_EQ(all.size(), 5u);
  for (const auto& r : all) {
    if (r.interaction.id == "other") {
      EXPECT_EQ(r.resolved_customer_id, "");
    }
  }
  EXPECT_TRUE(query("", "anon-1").empty()) << "the anonymous id is not a customer";
}

TEST_F(SqliteStoreTest, AFormerCustomerIdResolvesToTheNewOne) {
  // alias(previousId=old, userId=new) arrives as an event carrying both ids.
  commit({batch("seg", {event("before", "old-id", "", 1000)})});
  commit({batch("seg", {event("alias", "new-id", "old-id", 2000)})});
  const auto rows = query("", "new-id");
  EXPECT_THAT(ids(rows), ElementsAre("alias", "before"));
  for (const auto& r : rows) EXPECT_EQ(r.resolved_customer_id, "new-id");
  EXPECT_TRUE(query("", "old-id").empty());
}

TEST_F(SqliteStoreTest, ADuplicateDoesNotLink) {
  commit({batch("web", {event("e", "", "anon", 1)})});
  // Same (source, id) again, now carrying a customer id: acknowledged as a duplicate, nothing linked.
  const auto counts = commit({batch("web", {event("e", "cust", "anon", 1)})});
  EXPECT_EQ(counts[0].duplicates, 1u);
  EXPECT_TRUE(query("", "cust").empty());
}

TEST_F(SqliteStoreTest, QueryFiltersBySourceSessionAndLimitNewestFirst) {
  commit({batch("web", {event("w1", "c1", "", 100, "s1"), event("w2", "c1", "", 300, "s2"),
                        event("w3", "c2", "", 200, "s1")}),
          batch("app", {event("a1", "c1", "", 250, "s1"), event("a2", "c1", "", 300, "s1")})});
  // Newest first by timestamp; equal timestamps in storage order, newest first.
  EXPECT_THAT(ids(query()), ElementsAre("a2", "w2", "a1", "w3", "w1"));
  EXPECT_THAT(ids(query("web")), ElementsAre("w2", "w3", "w1"));
  EXPECT_THAT(ids(query("", "", "s1")), ElementsAre("a2", "a1", "w3", "w1"));
  EXPECT_THAT(ids(query("web", "", "s1")), ElementsAre("w3", "w1"));
  EXPECT_THAT(ids(query("", "c1")), ElementsAre("a2", "w2", "a1", "w1"));
  EXPECT_THAT(ids(query("app", "c1", "s1", 1)), ElementsAre("a2"));
  EXPECT_THAT(ids(query("", "", "", 2)), ElementsAre("a2", "w2"));
  EXPECT_TRUE(query("", "", "", 0).empty());
  EXPECT_TRUE(query("nope").empty());
  EXPECT_TRUE(query("", "", "s9").empty());
}

TEST_F(SqliteStoreTest, DeadLettersAreStoredAndReadBackNewestFirst) {
  WriteBatch b = batch("web", {event("ok", "c", "", 1)});
  b.dead_letters.push_back(
      {"web", 111, R"([{"index":1,"field":"id","error":"is required"}])", R"({"type":"track"})"});
  b.dead_letters.push_back({"segment", 222, R"([{"error":"bad"}])", "raw \xF0\x9F\x98\x80 body"});
  const auto counts = commit({b});
  EXPECT_EQ(counts[0].accepted, 1u);  // dead letters are not counted as events

  const auto letters = store->dead_letters(10);
  ASSERT_EQ(letters.size(), 2u);
  EXPECT_GT(letters[0].id, letters[1].id);
  EXPECT_EQ(letters[0].letter.source, "segment");
  EXPECT_EQ(letters[0].letter.received_ms, 222);
  EXPECT_EQ(letters[0].letter.reason_json, R"([{"error":"bad"}])");
  EXPECT_EQ(letters[0].letter.raw, "raw \xF0\x9F\x98\x80 body");
  EXPECT_EQ(letters[1].letter.source, "web");
  EXPECT_EQ(letters[1].letter.raw, R"({"type":"track"})");

  ASSERT_EQ(store->dead_letters(1).size(), 1u);
  EXPECT_EQ(store->dead_letters(1)[0].letter.source, "segment");
}

TEST_F(SqliteStoreTest, AFailedTransactionKeepsNothing) {
  make_inserts_of_boom_fail();
  WriteBatch first = batch("web", {event("ok1", "cust", "anon", 1), event("ok2", "c", "", 2)});
  first.dead_letters.push_back({"web", 1, "[]", "raw"});
  const WriteBatch second = batch("web", {event("ok3", "c", "", 3), event("boom", "c", "", 4)});
  std::vector<const WriteBatch*> ptrs{&first, &second};
  BatchCounts stale;
  stale.accepted = 7;
  stale.duplicates = 7;
  std::vector<BatchCounts> counts{stale};
  try {
    store->commit(ptrs, counts);
    FAIL() << "the commit should have failed";
  } catch (const StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("boom"));
  }
  // Nothing reported, nothing kept: not the interactions, not the link, not the dead letter.
  ASSERT_EQ(counts.size(), 2u);
  for (const auto& c : counts) {
    EXPECT_EQ(c.accepted, 0u);
    EXPECT_EQ(c.duplicates, 0u);
  }
  EXPECT_TRUE(query().empty());
  EXPECT_TRUE(query("", "cust").empty());
  EXPECT_TRUE(store->dead_letters(10).empty());

  // The writer is usable again, and the earlier events were really not stored (no duplicates now).
  const auto again = commit({first});
  EXPECT_EQ(again[0].accepted, 2u);
  EXPECT_EQ(again[0].duplicates, 0u);
  EXPECT_EQ(store->dead_letters(10).size(), 1u);
}

TEST_F(SqliteStoreTest, CommitFailsWhenAnotherProcessHoldsTheWriteLock) {
  store = open(/*busy_timeout_ms=*/0);
  SQLite::Database other(path, SQLite::OPEN_READWRITE);
  other.exec("BEGIN IMMEDIATE");
  const WriteBatch b = batch("web", {event("e", "c", "", 1)});
  std::vector<const WriteBatch*> ptrs{&b};
  std::vector<BatchCounts> counts;
  EXPECT_THROW(store->commit(ptrs, counts), StorageError);
  other.exec("ROLLBACK");

  store->commit(ptrs, counts);
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0].accepted, 1u);
}

TEST_F(SqliteStoreTest, ReadsSeeCommittedDataFromAnotherConnectionsView) {
  // Readers run on their own connections: many queries in a row reuse them and see each new commit.
  for (int i = 0; i < 20; ++i) {
    commit({batch("web", {event("e" + std::to_string(i), "c", "", i)})});
    ASSERT_EQ(query().size(), static_cast<size_t>(i + 1));
  }
}

TEST_F(SqliteStoreTest, NotWritableOnceTheFileIsGone) {
  ASSERT_TRUE(store->writable());
  std::filesystem::remove_all(dir.path() / "data");
  EXPECT_FALSE(store->writable());
}

TEST(SqliteStoreOpen, NewerSchemaIsRefused) {
  testing::TempDir dir;
  const std::string path = dir.file("newer.db");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA user_version = 1000");
  }
  SqliteOptions o;
  o.path = path;
  try {
    SqliteStore store(o);
    FAIL() << "opened a database newer than this build";
  } catch (const StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("1000"));
  }
}

TEST(SqliteStoreOpen, NotADatabaseIsAStorageError) {
  testing::TempDir dir;
  const std::string path = dir.file("junk.db");
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::string junk(8192, 'x');
    std::fwrite(junk.data(), 1, junk.size(), f);
    std::fclose(f);
  }
  SqliteOptions o;
  o.path = path;
  EXPECT_THROW(SqliteStore{o}, StorageError);
}

TEST(Backends, SqliteIsKnownAndOthersAreRefused) {
  EXPECT_EQ(store_backends().count("sqlite"), 1u);
  testing::TempDir dir;
  StorageConfig c;
  c.sqlite_path = dir.file("b.db");
  auto store = open_store(c);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->writable());

  c.backend = "postgres";
  try {
    open_store(c);
    FAIL() << "unknown backend accepted";
  } catch (const StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("postgres"));
  }
}

}  // namespace
}  // namespace tp

namespace tp {
namespace {

// Saved map/FAQ aggregates are used only at the generation they were made at: erasures and retags
// (writes that change what was already counted) move it on, ordinary ingest and tagging do not.
TEST_F(SqliteStoreTest, AnalyticsGenerationMovesOnlyWithWritesThatMakeAggregatesStale) {
  const int64_t g0 = store->analytics_generation();
  commit({batch("s", {event("e1", "alice", "", 1000), event("e2", "bob", "", 2000)})});
  WriteBatch tags;
  tags.source = "tagging";
  tags.internal = true;
  tags.tag_updates.push_back({1, {}, "v1"});
  commit({tags});
  EXPECT_EQ(store->analytics_generation(), g0);

  WriteBatch retag = tags;
  retag.invalidates_analytics = true;
  commit({retag});
  EXPECT_EQ(store->analytics_generation(), g0 + 1);

  const WriteBatch erase = erasure_of({"bob"});
  commit({erase});
  EXPECT_EQ(store->analytics_generation(), g0 + 2);

  // It is stored, not counted in memory: a reopened store reads the same.
  store.reset();
  store = open();
  EXPECT_EQ(store->analytics_generation(), g0 + 2);
}

// Events go in up to 32 rows per statement, across the batches of a group. Re-deliveries (of stored keys,
// of keys earlier in the group, and the same id under another source, which is a different event) can sit
// anywhere in such a statement: each event must still get its own outcome, in order, and an accepted one
// the seq of its own row.
TEST_F(SqliteStoreTest, EveryEventOfAGroupGetsItsOwnOutcomeWhereverTheRepeatsAre) {
  std::mt19937 rng(11);
  std::set<std::pair<std::string, std::string>> stored;  // (source, id)
  std::vector<std::pair<std::string, std::string>> seen;
  int next_id = 0;
  for (int round = 0; round < 40; ++round) {
    std::vector<WriteBatch> group;
    std::vector<std::vector<std::string>> ids;
    for (int b = 1 + static_cast<int>(rng() % 6); b > 0; --b) {
      const std::string source = rng() % 2 ? "web" : "app";
      std::vector<Interaction> events;
      std::vector<std::string> batch_ids;
      for (int i = 1 + static_cast<int>(rng() % 70); i > 0; --i) {
        std::string id;
        const unsigned pick = rng() % 10;
        if (pick < 2 && !seen.empty())
          id = seen[rng() % seen.size()]
                   .second;  // stored or earlier in the group, maybe under the other source
        else
          id = "id-" + std::to_string(next_id++);
        seen.emplace_back(source, id);
        batch_ids.push_back(id);
        events.push_back(
            event(id, "c" + std::to_string(i % 7), i % 3 == 0 ? "a" + std::to_string(i) : "", 1000 + i));
      }
      group.push_back(batch(source, std::move(events)));
      ids.push_back(std::move(batch_ids));
    }
    const std::vector<BatchCounts> counts = commit(group);
    ASSERT_EQ(counts.size(), group.size());
    int64_t previous = 0;
    SQLite::Database raw(path, SQLite::OPEN_READONLY);
    for (size_t b = 0; b < group.size(); ++b) {
      ASSERT_EQ(counts[b].seqs.size(), ids[b].size());
      size_t accepted = 0;
      for (size_t i = 0; i < ids[b].size(); ++i) {
        const bool expected_new = stored.insert({group[b].source, ids[b][i]}).second;
        ASSERT_EQ(counts[b].seqs[i] != 0, expected_new) << "round " << round << " batch " << b << " event "
                                                        << i << " " << group[b].source << "/" << ids[b][i];
        if (!expected_new) continue;
        ++accepted;
        EXPECT_GT(counts[b].seqs[i], previous);
        previous = counts[b].seqs[i];
        SQLite::Statement st(raw, "SELECT source, event_id FROM interactions WHERE seq = ?1");
        st.bind(1, counts[b].seqs[i]);
        ASSERT_TRUE(st.executeStep());
        EXPECT_EQ(st.getColumn(0).getString(), group[b].source);
        EXPECT_EQ(st.getColumn(1).getString(), ids[b][i]);
      }
      EXPECT_EQ(counts[b].accepted, accepted);
      EXPECT_EQ(counts[b].duplicates, ids[b].size() - accepted);
    }
  }
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(raw.execAndGet("SELECT COUNT(*) FROM interactions").getInt64(),
            static_cast<int64_t>(stored.size()));
  // Events carrying both ids linked the visitor to the customer, in shared statements or not.
  EXPECT_GT(raw.execAndGet("SELECT COUNT(*) FROM identity_links").getInt64(), 0);
}

// The same id under two sources is two events: a repeat under one source right before a new event with
// that id under the other, in one statement, must not take the new one's row.
TEST_F(SqliteStoreTest, ARepeatDoesNotTakeTheRowOfTheSameIdUnderAnotherSource) {
  commit({batch("web", {event("x", "c", "", 1)})});
  const auto counts =
      commit({batch("web", {event("x", "c", "", 2)}), batch("app", {event("x", "c", "", 4)})});
  EXPECT_EQ(counts[0].duplicates, 1u);
  EXPECT_EQ(counts[0].seqs[0], 0);
  EXPECT_EQ(counts[1].accepted, 1u);
  ASSERT_NE(counts[1].seqs[0], 0);
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  SQLite::Statement st(raw, "SELECT source, event_id FROM interactions WHERE seq = ?1");
  st.bind(1, counts[1].seqs[0]);
  ASSERT_TRUE(st.executeStep());
  EXPECT_EQ(st.getColumn(0).getString(), "app");
  EXPECT_EQ(st.getColumn(1).getString(), "x");
}

// An erasure in a group sees exactly the events before it: those are erased, the ones after it are kept.
TEST_F(SqliteStoreTest, AnErasureInAGroupSeesTheEventsBeforeItOnly) {
  WriteBatch before = batch("web", {event("b1", "gone", "", 1), event("b2", "kept", "", 2)});
  const WriteBatch erase = erasure_of({"gone"});
  WriteBatch after = batch("web", {event("a1", "gone", "", 3)});
  const auto counts = commit({before, erase, after});
  EXPECT_EQ(counts[0].accepted, 2u);
  EXPECT_EQ(counts[1].erased, 1u);
  EXPECT_EQ(counts[2].accepted, 1u);
  EXPECT_THAT(ids(query()), ElementsAre("a1", "b2"));
}

// An erasure suppresses the customer and every alias it erased with it (an anonymous id linked by an
// event), in its own transaction and for good: a replay under any of those ids must find it.
TEST_F(SqliteStoreTest, AnErasureSuppressesTheCustomerAndEveryAliasItErased) {
  commit({batch("web", {event("e1", "erin", "anon-erin", 1), event("e2", "frank", "anon-frank", 2)})});
  WriteBatch erase = erasure_of({"erin"});
  erase.suppress_erased = true;
  const auto counts = commit({erase});
  EXPECT_THAT(counts[0].suppressed,
              UnorderedElementsAre(suppression_hash("erin"), suppression_hash("anon-erin")));
  store.reset();
  store = open();
  EXPECT_THAT(store->suppressed(),
              UnorderedElementsAre(suppression_hash("erin"), suppression_hash("anon-erin")));
  EXPECT_THAT(ids(query()), ElementsAre("e2"));
}

// Rule ids and pain reasons are stored as JSON arrays: plain ones written directly, others escaped; both
// must read back as they went in, and the stored text must be what a JSON serialiser makes of them.
TEST_F(SqliteStoreTest, TagListsKeepTheirStringsWhateverTheyHold) {
  const std::vector<std::vector<std::string>> lists = {
      {},
      {"faq.unanswered"},
      {"a", "b-c", "rule 7", "x/y:z"},
      {"quote\"inside", "back\\slash", "tab\tand\nnewline", "\x01control"},
      {"ā unicode", "电话", "emoji \xF0\x9F\x98\x80"},
      {"plain", "then \"quoted\""},
  };
  std::vector<Interaction> events;
  for (size_t i = 0; i < lists.size(); ++i)
    events.push_back(event("t" + std::to_string(i), "c", "", 1000 + i));
  const auto seqs = commit({batch("web", std::move(events))})[0].seqs;
  WriteBatch tags;
  tags.source = "tagging";
  tags.internal = true;
  for (size_t i = 0; i < lists.size(); ++i) {
    TagUpdate u{seqs[i], {}, "v1"};
    u.tags.rules = lists[i];
    u.tags.pain = lists[lists.size() - 1 - i];
    tags.tag_updates.push_back(u);
  }
  commit({tags});
  ScanQuery q;
  q.limit = 100;
  const auto rows = store->scan(q);
  ASSERT_EQ(rows.size(), lists.size());
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  for (size_t i = 0; i < lists.size(); ++i) {
    EXPECT_EQ(rows[i].tags.rules, lists[i]);
    EXPECT_EQ(rows[i].tags.pain, lists[lists.size() - 1 - i]);
    SQLite::Statement st(raw, "SELECT rules FROM interaction_tags WHERE seq = ?1");
    st.bind(1, seqs[i]);
    ASSERT_TRUE(st.executeStep());
    EXPECT_EQ(st.getColumn(0).getString(), nlohmann::json(lists[i]).dump());
  }
}

// A database written by a version before migration 5 (plain customer/visitor/session indexes) is upgraded
// at open: its indexes become bucketed and its rows stay findable.
TEST_F(SqliteStoreTest, AVersion4DatabaseIsUpgradedAndItsRowsStayFindable) {
  const std::string old_path = database_at_version(
      "v4.db", 4,
      "('s', 'old1', 'track', 'erin', NULL, 'sx', 1, 1), ('s', 'old2', 'page', NULL, 'anon-e', 'sx', 2, 2)");
  SqliteOptions o;
  o.path = old_path;
  std::vector<int> told;
  o.on_migration = [&](int from, int version, std::string_view) { told.push_back(from * 10 + version); };
  store = std::make_unique<SqliteStore>(o);
  EXPECT_EQ(told, (std::vector<int>{45, 46}));                 // from 4: to 5, then to 6
  commit({batch("s", {event("new1", "erin", "anon-e", 3)})});  // links anon-e to erin
  EXPECT_THAT(ids(query("", "erin")), ElementsAre("new1", "old2", "old1"));
  EXPECT_THAT(ids(query("", "", "sx")), ElementsAre("old2", "old1"));
}

// The number of keys in a key table, and the lookup mark (migration 6).
int64_t count_of(SQLite::Database& db, const std::string& table) {
  return db.execAndGet("SELECT count(*) FROM " + table).getInt64();
}
int64_t keys_through(SQLite::Database& db) {
  return db.execAndGet("SELECT value FROM meta WHERE key = 'lookup_keys_through'").getInt64();
}

// The key tables agree with the rows: every key names an existing row with that id, and every row up to
// the mark has a key for each of its ids.
void expect_keys_agree(SQLite::Database& db, const std::string& when) {
  const int64_t mark = keys_through(db);
  for (const auto& [table, column] : bucket_lookups::kKeyTables) {
    const std::string t = table, c = column;
    EXPECT_EQ(
        db.execAndGet("SELECT count(*) FROM " + t + " k WHERE NOT EXISTS (SELECT 1 FROM interactions i " +
                      "WHERE i.seq = k.seq AND i." + c + " = k.id AND k.bucket = i.seq >> 16)")
            .getInt64(),
        0)
        << t << " has keys of no row, " << when;
    EXPECT_EQ(db.execAndGet("SELECT count(*) FROM interactions i WHERE i.seq <= " + std::to_string(mark) +
                            " AND i." + c + " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM " + t +
                            " k WHERE k.bucket = i.seq >> 16 AND k.id = i." + c + " AND k.seq = i.seq)")
                  .getInt64(),
              0)
        << "rows up to the mark without their key in " << t << ", " << when;
  }
}

// A version-5 database (bucketed indexes on interactions) gets key tables holding every old row's keys, a
// mark at its newest row, and no more indexes on interactions beyond the time index.
TEST_F(SqliteStoreTest, AVersion5DatabaseGetsItsKeysWrittenAndItsIndexesDropped) {
  const std::string old_path = database_at_version(
      "v5.db", 5,
      "('s', 'o1', 'track', 'fay', NULL, 'sy', 1, 1), ('s', 'o2', 'page', NULL, 'anon-f', "
      "'sy', 2, 2), ('s', 'o3', 'page', 'gus', 'anon-g', NULL, 3, 3)");
  SqliteOptions o;
  o.path = old_path;
  store = std::make_unique<SqliteStore>(o);
  {
    SQLite::Database check(old_path, SQLite::OPEN_READONLY);
    EXPECT_EQ(count_of(check, "customer_keys"), 2);
    EXPECT_EQ(count_of(check, "visitor_keys"), 2);
    EXPECT_EQ(count_of(check, "session_keys"), 2);
    EXPECT_EQ(keys_through(check), 3);
    EXPECT_EQ(check
                  .execAndGet("SELECT group_concat(name) FROM sqlite_master WHERE type = 'index' AND "
                              "tbl_name = 'interactions' AND sql IS NOT NULL")
                  .getString(),
              "interactions_ts");
  }
  EXPECT_THAT(ids(query("", "fay")), ElementsAre("o1"));
  EXPECT_THAT(ids(query("", "", "sy")), ElementsAre("o2", "o1"));
  commit({batch("s", {event("n1", "fay", "anon-f", 4)})});  // links anon-f to fay
  EXPECT_THAT(ids(query("", "fay")), ElementsAre("n1", "o2", "o1"));
  EXPECT_THAT(ids(query("", "gus")), ElementsAre("o3"));
}

// The keys of new rows are written in batches of lookup_batch_rows, in the commit that reaches that many
// rows past the mark; until then the rows are found in the tail. Every row is found at every step, whether
// its keys are written or not, and the mark survives a reopen.
TEST_F(SqliteStoreTest, LookupKeysAreWrittenInBatchesAndRowsAreFoundEitherWay) {
  reopen_with_lookup_batches(3);
  SQLite::Database check(path, SQLite::OPEN_READONLY);
  std::vector<std::string> expected;  // newest first
  for (int n = 1; n <= 8; ++n) {
    const std::string id = "e" + std::to_string(n);
    commit({batch("s", {event(id, n % 2 ? "odd" : "even", "anon-" + std::to_string(n % 2), n, "sess")})});
    if (n % 2) expected.insert(expected.begin(), id);
    // Marks at 3 and 6: the commits that reach 3 rows past the mark write the keys of all of them.
    EXPECT_EQ(keys_through(check), n / 3 * 3) << "after " << n;
    EXPECT_EQ(count_of(check, "customer_keys"), n / 3 * 3) << "after " << n;
    EXPECT_EQ(count_of(check, "session_keys"), n / 3 * 3) << "after " << n;
    EXPECT_EQ(ids(query("", "odd")), expected) << "after " << n;
    EXPECT_EQ(query("", "", "sess").size(), static_cast<size_t>(n)) << "after " << n;
  }
  reopen_with_lookup_batches(3);  // the keys not written yet are read back from the rows
  EXPECT_EQ(ids(query("", "odd")), expected);
  commit({batch("s", {event("e9", "odd", "", 9)})});  // 3 past the mark of 6
  EXPECT_EQ(keys_through(check), 9);
  EXPECT_THAT(ids(query("", "odd")), ElementsAre("e9", "e7", "e5", "e3", "e1"));
}

// A batch's keys go in slices, at least lookup_keys_per_commit keys and four per row the commit added, and
// the mark moves only with the last slice. Rows whose keys are written but still after the mark are found
// once, not twice.
TEST_F(SqliteStoreTest, LookupKeysGoInSlicesAndTheMarkMovesWithTheLast) {
  reopen_with_lookup_batches(6, 1);
  SQLite::Database check(path, SQLite::OPEN_READONLY);
  auto keys = [&] { return count_of(check, "customer_keys") + count_of(check, "session_keys"); };
  // Each row has a customer and a session key: 12 keys for a batch of 6 rows, 4 per commit of one row.
  const std::vector<int64_t> want_keys = {0, 0, 0, 0, 0, 4, 8, 12, 12, 12, 12, 16};
  const std::vector<int64_t> want_mark = {0, 0, 0, 0, 0, 0, 0, 6, 6, 6, 6, 6};
  for (int n = 1; n <= 12; ++n) {
    commit({batch("s", {event("e" + std::to_string(n), "c" + std::to_string(n % 2), "", n, "sess")})});
    EXPECT_EQ(keys(), want_keys[n - 1]) << "after " << n;
    EXPECT_EQ(keys_through(check), want_mark[n - 1]) << "after " << n;
    EXPECT_EQ(query("", "", "sess").size(), static_cast<size_t>(n)) << "after " << n;
    EXPECT_EQ(query("", "c1").size(), static_cast<size_t>((n + 1) / 2)) << "after " << n;
    expect_keys_agree(check, "after " + std::to_string(n));
  }
  // A commit of many rows writes four keys per row of it: the backlog shrinks however large the groups.
  std::vector<Interaction> many;
  // (88 rows: keys go 32 to a statement, the rest one by one.)
  for (int n = 13; n <= 100; ++n) many.push_back(event("e" + std::to_string(n), "c", "", n, "s2"));
  commit({batch("s", std::move(many))});
  EXPECT_EQ(keys_through(check), 100);
  EXPECT_EQ(keys(), 200);
  expect_keys_agree(check, "after the large commit");
  EXPECT_EQ(query("", "c", "", 1000).size(), 88u);
}

// A commit that fails after inserting rows, with a batch half written by earlier commits: the keys and the
// mark still agree with the rows afterwards, and every row is found.
TEST_F(SqliteStoreTest, AFailedCommitLeavesTheLookupKeysConsistent) {
  reopen_with_lookup_batches(3, 1);
  make_inserts_of_boom_fail();
  SQLite::Database check(path, SQLite::OPEN_READONLY);
  auto one = [](int n) {  // three keys per row: 9 per batch of 3 rows, 4 written per commit of one row
    const std::string s = std::to_string(n);
    return event("e" + s, "cx", "anon-" + s, n, "sess-" + s);
  };
  for (int n = 1; n <= 4; ++n) commit({batch("s", {one(n)})});
  ASSERT_EQ(keys_through(check), 0);  // 8 of the batch's 9 keys written
  // e5 goes in, then an erasure (of nobody: the keys not written are read again), then the insert fails.
  const WriteBatch erase = erasure_of({"nobody"});
  EXPECT_THROW(commit({batch("s", {one(5)}), erase, batch("s", {event("boom", "cx", "", 6)})}), StorageError);
  expect_keys_agree(check, "after the failure");
  for (int n = 6; n <= 12; ++n) {
    commit({batch("s", {one(n)})});
    expect_keys_agree(check, "after " + std::to_string(n));
  }
  // The batch the failure interrupted (seqs 1-4, then e6 took 5) was completed.
  EXPECT_GE(keys_through(check), 5);
  EXPECT_EQ(query("", "cx").size(), 11u);  // e1-e4, e6-e12
}

// SQLite would give a new row the largest seq plus one, so the seqs of erased newest rows would come again
// (and a pending tag update, a scan's position or the lookup keys' mark would take the new row for the
// old). The next row goes above every seq used before, in the erasure's transaction and after a restart,
// and a re-delivery tried at that seq is still a duplicate.
TEST_F(SqliteStoreTest, AnErasedSeqIsNeverGivenAgain) {
  reopen_with_lookup_batches(1);
  commit({batch("s", {event("a1", "ann", "", 1), event("b1", "bob", "", 2), event("b2", "bob", "", 3)})});
  SQLite::Database check(path, SQLite::OPEN_READONLY);
  ASSERT_EQ(keys_through(check), 3);
  const auto counts =
      commit({erasure_of({"bob"}), batch("s", {event("c1", "cy", "", 4)})});  // one transaction
  EXPECT_EQ(counts[0].erased, 2u);
  EXPECT_EQ(counts[1].seqs, std::vector<int64_t>{4});
  EXPECT_THAT(ids(query("", "cy")), ElementsAre("c1"));
  EXPECT_EQ(commit({erasure_of({"cy"})})[0].erased, 1u);  // the newest row again, then a restart
  reopen_with_lookup_batches(1);
  const auto after = commit({batch("s", {event("a1", "ann", "", 1), event("d1", "dee", "", 5)})});
  EXPECT_EQ(after[0].seqs, (std::vector<int64_t>{0, 5}));
  EXPECT_EQ(after[0].duplicates, 1u);
  EXPECT_EQ(commit({batch("s", {event("d2", "dee", "", 6)})})[0].seqs, std::vector<int64_t>{6});
  EXPECT_THAT(ids(query("", "dee")), ElementsAre("d2", "d1"));
  EXPECT_TRUE(query("", "cy").empty());
  expect_keys_agree(check, "at the end");
  EXPECT_EQ(count_of(check, "customer_keys"), 3);  // ann, dee twice
}

// Tagging trails the commit: a tag update for a row can arrive after an erasure removed the row (and its
// tags). It must not leave a tags row behind for the erased interaction.
TEST_F(SqliteStoreTest, ATagUpdateForAnErasedRowLeavesNothing) {
  const auto seqs = commit({batch("s", {event("g1", "gil", "", 1), event("h1", "hank", "", 2)})})[0].seqs;
  ASSERT_EQ(seqs.size(), 2u);
  EXPECT_EQ(commit({erasure_of({"gil"})})[0].erased, 1u);
  WriteBatch tags;
  tags.source = "tagging";
  tags.internal = true;
  for (const int64_t seq : seqs) {
    TagUpdate u{seq, {}, "v1"};
    u.tags.persona = "shopper";
    u.tags.pain = {"unanswered"};
    tags.tag_updates.push_back(u);
  }
  commit({tags});
  SQLite::Database check(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(check.execAndGet("SELECT group_concat(seq) FROM interaction_tags").getString(),
            std::to_string(seqs[1]));
  EXPECT_EQ(query("", "hank").at(0).tags.persona, "shopper");
}

// The floor is the largest seq when an erasure ran, which that erasure may not have removed; erasing that
// row later still keeps its seq from coming again.
TEST_F(SqliteStoreTest, ErasingTheRowAtTheFloorLaterStillKeepsItsSeq) {
  commit({batch("s", {event("a1", "ann", "", 1), event("b1", "bob", "", 2)})});
  EXPECT_EQ(commit({erasure_of({"ann"})})[0].erased, 1u);  // floor 2, and row 2 is still there
  EXPECT_EQ(commit({erasure_of({"bob"})})[0].erased, 1u);  // row 2 gone: the table is empty
  EXPECT_EQ(commit({batch("s", {event("c1", "cy", "", 3)})})[0].seqs, std::vector<int64_t>{3});
}

// An erasure removes the keys of the erased rows from every key table (the keys hold the ids), those
// already written and those in the tail alike, and leaves the keys of everyone else.
TEST_F(SqliteStoreTest, ErasureRemovesTheErasedRowsKeys) {
  reopen_with_lookup_batches(4);
  commit({batch("s", {event("h1", "hal", "anon-h", 1, "sh"), event("i1", "ida", "anon-i", 2, "si"),
                      event("h2", "", "anon-h", 3, "sh2"), event("i2", "ida", "", 4, "si")})});
  commit({batch("s", {event("h3", "hal", "", 5, "sh3")})});  // in the tail
  SQLite::Database check(path, SQLite::OPEN_READONLY);
  ASSERT_EQ(keys_through(check), 4);
  const WriteBatch erase = erasure_of({"hal"});
  EXPECT_EQ(commit({erase})[0].erased, 3u);
  const std::string any_hal_key = R"SQL(SELECT count(*) FROM (
      SELECT id FROM customer_keys UNION ALL SELECT id FROM visitor_keys UNION ALL SELECT id FROM session_keys)
    WHERE id IN ('hal', 'anon-h', 'sh', 'sh2', 'sh3'))SQL";
  EXPECT_EQ(check.execAndGet(any_hal_key).getInt64(), 0);
  EXPECT_EQ(count_of(check, "customer_keys"), 2);  // ida's two rows
  EXPECT_EQ(count_of(check, "visitor_keys"), 1);
  EXPECT_EQ(count_of(check, "session_keys"), 2);
  EXPECT_THAT(ids(query("", "ida")), ElementsAre("i2", "i1"));
  EXPECT_TRUE(query("", "hal").empty());
  EXPECT_TRUE(query("", "", "sh3").empty());
}

// Random groups of events (re-deliveries among them), erasures, failed commits and restarts, with small
// lookup batches: after every step the key tables agree with the rows, and every lookup by customer and
// by session returns exactly what a scan of the whole table finds.
TEST_F(SqliteStoreTest, LookupsMatchAFullScanThroughRandomWritesErasuresFailuresAndRestarts) {
  reopen_with_lookup_batches(40, 2);
  make_inserts_of_boom_fail();
  SQLite::Database check(path, SQLite::OPEN_READONLY);
  std::mt19937 rng(7);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  auto scan_ids = [&](const std::string& where, const std::string& value) {
    SQLite::Statement st(check, R"SQL(SELECT i.event_id FROM interactions i
      LEFT JOIN identity_links lc ON lc.alias = i.customer_id
      LEFT JOIN identity_links la ON la.alias = i.anonymous_id WHERE )SQL" +
                                    where);
    st.bind(1, value);
    std::multiset<std::string> out;
    while (st.executeStep()) out.insert(st.getColumn(0).getString());
    return out;
  };
  auto as_set = [](const std::vector<StoredInteraction>& rows) {
    std::multiset<std::string> out;
    for (const auto& r : rows) out.insert(r.interaction.id);
    return out;
  };
  int next_id = 0;
  for (int step = 0; step < 250; ++step) {
    std::vector<WriteBatch> group;
    for (int b = pick(3) + 1; b > 0; --b) {
      std::vector<Interaction> events;
      for (int e = pick(12) + 1; e > 0; --e) {
        const bool again = next_id > 0 && pick(8) == 0;  // a re-delivery of an earlier id
        const std::string id = "e" + std::to_string(again ? pick(next_id) : next_id++);
        events.push_back(event(id, pick(3) ? "c" + std::to_string(pick(8)) : "",
                               pick(2) ? "a" + std::to_string(pick(8)) : "c" + std::to_string(pick(8)), step,
                               pick(3) ? "s" + std::to_string(pick(6)) : ""));
      }
      group.push_back(batch("s", std::move(events)));
      if (pick(20) == 0) group.push_back(erasure_of({"c" + std::to_string(pick(8))}));
    }
    if (pick(30) == 0) {
      group.push_back(batch("s", {event("boom", "c1", "", step)}));
      EXPECT_THROW(commit(group), StorageError);
    } else {
      commit(group);
    }
    if (pick(30) == 0) reopen_with_lookup_batches(40, 2);
    const std::string when = "at step " + std::to_string(step);
    expect_keys_agree(check, when);
    for (int c = 0; c < 8; ++c) {
      const std::string customer = "c" + std::to_string(c);
      EXPECT_EQ(as_set(query("", customer, "", 1000)),
                scan_ids("COALESCE(lc.customer_id, i.customer_id, la.customer_id) = ?1", customer))
          << customer << " " << when;
    }
    for (int n = 0; n < 6; ++n) {
      const std::string session = "s" + std::to_string(n);
      EXPECT_EQ(as_set(query("", "", session, 1000)), scan_ids("i.session_id = ?1", session))
          << session << " " << when;
    }
    if (HasFailure()) break;
  }
  EXPECT_GT(keys_through(check), 0);
}

// Lookups by customer, visitor and session seek each bucket of 65,536 rows (migration 5): rows of one
// customer spread over several buckets are all found, and all erased.
TEST_F(SqliteStoreTest, LookupsAndErasureReachRowsInEveryBucket) {
  auto fill = [&](const std::string& tag) {  // 70,000 rows of nobody: the next rows start a new bucket
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec(R"SQL(WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 70000)
      INSERT INTO interactions (source, event_id, type, ts, received_at)
      SELECT 'fill', ')SQL" +
             tag + R"SQL(' || x, 'track', 0, 0 FROM n)SQL");
  };

  commit({batch("s", {event("e1", "carol", "", 10, "sess")})});
  fill("a");
  commit({batch("s", {event("e2", "carol", "anon-7", 20, "sess")})});  // links anon-7 to carol
  fill("b");
  commit({batch("s", {event("e3", "", "anon-7", 30, "sess"), event("e4", "dave", "", 40, "other")})});
  ASSERT_GE(store->interactions({"s", "", "", 10}).front().seq >> 16, 2);  // three buckets in use

  EXPECT_THAT(ids(query("", "carol")), ElementsAre("e3", "e2", "e1"));
  EXPECT_THAT(ids(query("", "", "sess")), ElementsAre("e3", "e2", "e1"));
  EXPECT_THAT(ids(query("", "dave")), ElementsAre("e4"));

  const WriteBatch erase = erasure_of({"carol"});
  EXPECT_EQ(commit({erase})[0].erased, 3u);
  EXPECT_TRUE(query("", "carol").empty());
  EXPECT_TRUE(query("", "", "sess").empty());
  EXPECT_THAT(ids(query("", "dave")), ElementsAre("e4"));
}

TEST_F(SqliteStoreTest, SnapshotIsKeptBesideTheDatabaseAndCanBeDropped) {
  EXPECT_FALSE(store->load_snapshot());
  store->save_snapshot(std::string("state\0with zero", 15));
  EXPECT_EQ(store->load_snapshot(), std::string("state\0with zero", 15));
  EXPECT_TRUE(std::filesystem::exists(path + ".analytics"));
  store->drop_snapshot();
  EXPECT_FALSE(store->load_snapshot());
  EXPECT_FALSE(std::filesystem::exists(path + ".analytics"));
}

// Under a steady stream of commits the background checkpoint pass never catches up with the last
// commit, and SQLite only restarts the WAL from its beginning once everything was copied back: without
// the writer finishing each round between groups, the WAL would grow with every commit.
TEST_F(SqliteStoreTest, TheWalStartsOverUnderASteadyStreamOfCommits) {
  store.reset();
  SqliteOptions o;
  o.path = path;
  o.checkpoint_wal_pages = 64;
  store = std::make_unique<SqliteStore>(o);
  const std::string wal = path + "-wal";
  uintmax_t largest = 0;
  int n = 0;
  for (int round = 0; round < 600; ++round) {
    std::vector<Interaction> events;
    for (int i = 0; i < 20; ++i, ++n)
      events.push_back(event("e-" + std::to_string(n), "c-" + std::to_string(n * 7919 % 5000), "", 1000 + n));
    commit({batch("web", std::move(events))});
    store->housekeeping();  // as the writer thread does after answering each group
    largest = std::max(largest, std::filesystem::file_size(wal));
  }
  // 600 commits append far more than this (each one several pages); the rounds keep the file small.
  const uintmax_t appended_pages = 600 * 3;
  EXPECT_LT(largest, appended_pages * static_cast<uintmax_t>(o.page_size) / 3)
      << "the WAL kept growing: " << largest << " bytes";
  EXPECT_EQ(query("", "", "", 1000).size(), 1000u);
}

}  // namespace
}  // namespace tp
