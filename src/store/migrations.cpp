#include "store/migrations.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Transaction.h>

#include <string>

#include "store/store.h"

namespace tp {

const std::vector<Migration>& sqlite_migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "interactions, identity links, dead letters", R"SQL(
CREATE TABLE interactions (
  seq           INTEGER PRIMARY KEY,
  source        TEXT    NOT NULL,
  event_id      TEXT    NOT NULL,
  type          TEXT    NOT NULL,
  customer_id   TEXT,
  anonymous_id  TEXT,
  session_id    TEXT,
  ts            INTEGER NOT NULL,
  received_at   INTEGER NOT NULL,
  channel       TEXT,
  role          TEXT,
  text          TEXT,
  intent        TEXT,
  confidence    REAL,
  fallback      INTEGER,
  escalated     INTEGER,
  rating        INTEGER,
  url           TEXT,
  name          TEXT,
  properties    TEXT,
  traits        TEXT,
  tags          TEXT    NOT NULL DEFAULT '{}',
  UNIQUE (source, event_id)
);
CREATE INDEX interactions_ts ON interactions (ts);
CREATE INDEX interactions_customer ON interactions (customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX interactions_anonymous ON interactions (anonymous_id) WHERE anonymous_id IS NOT NULL;
CREATE INDEX interactions_session ON interactions (session_id) WHERE session_id IS NOT NULL;

-- An alias (an anonymous id, or a former customer id) resolves to one customer id.
CREATE TABLE identity_links (
  alias        TEXT    PRIMARY KEY,
  customer_id  TEXT    NOT NULL,
  linked_at    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX identity_links_customer ON identity_links (customer_id);

CREATE TABLE dead_letters (
  id           INTEGER PRIMARY KEY,
  source       TEXT    NOT NULL,
  received_at  INTEGER NOT NULL,
  reason       TEXT    NOT NULL,
  raw          TEXT    NOT NULL
);
)SQL"},
      {2, "sentiment, tags decided by the engine, customer state", R"SQL(
-- The sender's own sentiment score, when it sent one.
ALTER TABLE interactions ADD COLUMN sentiment REAL;
-- The engine's decisions, one row per tagged interaction. Kept apart from interactions: tagging
-- appends here (sequential keys, cheap) instead of rewriting wide rows, the column "tags" of
-- interactions keeps the sender's preset tags (so a retag starts from the sender's word), and an
-- interaction without a row here is not tagged yet.
CREATE TABLE interaction_tags (
  seq         INTEGER PRIMARY KEY,  -- interactions.seq
  persona     TEXT,
  stage       TEXT,
  touchpoint  TEXT,
  sentiment   REAL,
  pain        TEXT NOT NULL DEFAULT '[]',  -- JSON array of reasons
  rules       TEXT NOT NULL DEFAULT '[]',  -- JSON array of rule ids
  version     TEXT NOT NULL                -- the rule set (and plugins) that decided
);
CREATE TABLE customer_state (
  customer_id     TEXT    PRIMARY KEY,
  persona         TEXT,
  persona_weak    INTEGER NOT NULL DEFAULT 0,  -- 1: a plugin's guess, which a later guess may replace
  stages_reached  INTEGER NOT NULL DEFAULT 0,
  updated_at      INTEGER NOT NULL
) WITHOUT ROWID;
)SQL"},
      {3, "suppression list of erased customers", R"SQL(
-- Erased customers: later events for these ids are dropped (and counted). Only a hash of each id is kept,
-- so the list itself does not retain the erased id.
CREATE TABLE suppressed_ids (
  id_hash   TEXT    PRIMARY KEY,
  added_at  INTEGER NOT NULL
) WITHOUT ROWID;
)SQL"},
      {4, "analytics generation", R"SQL(
-- Bumped in the transaction of any write that makes saved map/FAQ aggregates stale (an erasure, a retag):
-- a snapshot of the aggregates is used at start only when it was made at the current generation.
CREATE TABLE meta (
  key    TEXT    PRIMARY KEY,
  value  INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('analytics_generation', 0);
)SQL"},
      {5, "customer, visitor and session indexes bucketed by row", R"SQL(
-- Indexed by (bucket, id), the bucket being seq >> 16 (65,536 rows each), instead of by id alone. Ids arrive
-- in random order, so an index on the id alone took a write to a random page for nearly every event: a
-- commit of 2,000 events dirtied ~2,000 pages per index, each one written to the WAL, synced and copied
-- back by the checkpoint. New rows only ever land in the newest bucket, a few hundred pages. A lookup
-- seeks once per bucket (store/bucket_lookups.h); at 10 million rows, 153 seeks.
DROP INDEX interactions_customer;
DROP INDEX interactions_anonymous;
DROP INDEX interactions_session;
CREATE INDEX interactions_customer ON interactions (seq >> 16, customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX interactions_anonymous ON interactions (seq >> 16, anonymous_id) WHERE anonymous_id IS NOT NULL;
CREATE INDEX interactions_session ON interactions (seq >> 16, session_id) WHERE session_id IS NOT NULL;
)SQL"},
      {6, "customer, visitor and session lookups written behind ingest", R"SQL(
-- The lookups by customer, visitor and session move out of interactions' own indexes into tables of their
-- own, which the writer fills behind the rows (store/lookup_keys.h) instead of in each row's commit. Real
-- ids arrive in random order: each index took a write to a random page of its bucket for nearly every
-- event, ~13 pages per index for a commit of 13 single-event requests; a batch of keys, sorted and written
-- a slice per commit, writes each page about once per batch. Rows after lookup_keys_through are found by
-- a scan of that short tail (store/bucket_lookups.h). Same key as the indexes of migration 5.
CREATE TABLE customer_keys (bucket INTEGER NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY (bucket, id, seq)) WITHOUT ROWID;
CREATE TABLE visitor_keys (bucket INTEGER NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY (bucket, id, seq)) WITHOUT ROWID;
CREATE TABLE session_keys (bucket INTEGER NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY (bucket, id, seq)) WITHOUT ROWID;
INSERT INTO customer_keys SELECT seq >> 16, customer_id, seq FROM interactions WHERE customer_id IS NOT NULL
  ORDER BY 1, 2, 3;
INSERT INTO visitor_keys SELECT seq >> 16, anonymous_id, seq FROM interactions WHERE anonymous_id IS NOT NULL
  ORDER BY 1, 2, 3;
INSERT INTO session_keys SELECT seq >> 16, session_id, seq FROM interactions WHERE session_id IS NOT NULL
  ORDER BY 1, 2, 3;
-- Every row up to this seq has its keys in the tables above.
INSERT INTO meta (key, value) VALUES ('lookup_keys_through', (SELECT COALESCE(MAX(seq), 0) FROM interactions));
DROP INDEX interactions_customer;
DROP INDEX interactions_anonymous;
DROP INDEX interactions_session;
)SQL"},
  };
  return kMigrations;
}

void apply_migrations(SQLite::Database& db, const std::vector<Migration>& migrations,
                      const MigrationObserver& before) {
  const int current = db.execAndGet("PRAGMA user_version").getInt();
  const int newest = migrations.empty() ? 0 : migrations.back().version;
  if (current > newest) {
    throw StorageError("database schema version " + std::to_string(current) +
                       " is newer than this touchpointd knows (" + std::to_string(newest) +
                       "); refusing to open it");
  }
  for (const auto& m : migrations) {
    if (m.version <= current) continue;
    if (before && current > 0) before(current, m.version, m.description);  // a new database: nothing to tell
    SQLite::Transaction tx(db);
    db.exec(std::string(m.sql));
    db.exec("PRAGMA user_version = " + std::to_string(m.version));
    tx.commit();
  }
}

}  // namespace tp
