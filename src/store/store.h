// The storage interface. The daemon talks to storage only through this, so that a PostgreSQL backend
// for multi-node deployments can sit beside SQLite. Backends are picked by name (see backends.h).
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/interaction.h"
#include "model/tag_set.h"
#include "util/text.h"

namespace tp {

// Told before each schema migration that upgrades an existing database (not when a new one is created):
// the version the database had when opened, then the migration's version and description. Rebuilding an
// index of a big database takes a while, and the daemon or a command should say why it is busy.
using MigrationObserver = std::function<void(int from_version, int version, std::string_view description)>;

// An authenticated input that could not become an interaction: kept so nothing a sender sent is lost.
struct DeadLetter {
  std::string source;
  int64_t received_ms = 0;
  std::string reason_json;  // JSON array of {"index","field","error"} or {"error"}
  std::string raw;          // the event or body as received, truncated
};

// The tags the engine decided for one stored interaction, under one rule-set version.
struct TagUpdate {
  int64_t seq = 0;
  TagSet tags;
  std::string version;  // rule set (and plugins) that decided them
};

// What the engine remembers about a customer (see engine/customer_state.h).
struct CustomerStateRow {
  std::string customer_id;
  std::string persona;
  bool persona_from_plugin = false;
  uint64_t stages_reached = 0;
  int64_t updated_ms = 0;
};

// Everything one request wants written; committed atomically with the other batches of its group.
// The tagging pipeline's batches carry tag and customer updates instead, and are `internal`: they are
// never refused for a full queue (they only follow what was already accepted).
struct WriteBatch {
  std::string source;
  int64_t received_ms = 0;
  std::vector<Interaction> events;
  std::vector<DeadLetter> dead_letters;
  std::vector<TagUpdate> tag_updates;
  std::vector<CustomerStateRow> customer_updates;
  // Customers to erase (right to erasure): every interaction under the id or its aliases, the links,
  // the tags and the customer state. Committed with the batch.
  std::vector<std::string> erase_customers;
  // Every id an erasure removes (the customer and each alias linked to it) joins the suppression list,
  // in the same transaction, so that no replay under any of them brings the person back.
  bool suppress_erased = false;
  // Other forms of the erased ids (the id as the client sent it, when it is stored as a pseudonym): dead
  // letters, which keep what was sent, that mention one of them go too.
  std::vector<std::string> erase_mentions;
  // The batch changes tags of interactions already counted (retag): saved aggregates become stale.
  // Erasures invalidate them too, without this flag.
  bool invalidates_analytics = false;
  bool internal = false;
};

struct BatchCounts {
  uint32_t accepted = 0;                // newly stored
  uint32_t duplicates = 0;              // (source, id) already stored: acknowledged, not stored again
  std::vector<int64_t> seqs;            // per event: its storage sequence number, 0 for a duplicate
  uint32_t erased = 0;                  // interactions erased
  std::vector<std::string> suppressed;  // hashes added to the suppression list (suppress_erased)
};

struct StoredInteraction {
  int64_t seq = 0;  // storage order
  std::string source;
  int64_t received_ms = 0;
  std::string resolved_customer_id;  // after identity links (identify / alias); empty when anonymous
  Interaction interaction;           // with the sender's preset tags
  TagSet tags;                       // what the engine decided (empty until tagged)
  std::string tag_version;           // rule-set version that tagged it; empty: not tagged yet
};

// Stored interactions in storage order, for the tagging pipeline and retag.
struct ScanQuery {
  int64_t after_seq = 0;  // strictly after this sequence number
  size_t limit = 1000;
  bool untagged_only = false;  // only rows no rule set has tagged yet
};

struct InteractionQuery {
  std::string source;    // empty: any
  std::string customer;  // resolved customer id; empty: any
  std::string session;   // empty: any
  size_t limit = 100;
};

struct StoredDeadLetter {
  int64_t id = 0;
  DeadLetter letter;
};

// Thrown when storage cannot commit; nothing of the failed transaction is kept.
class StorageError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Store {
 public:
  virtual ~Store() = default;
  // Writes every batch in one durable transaction; `counts` gets one entry per batch.
  // Called from one writer thread only. Throws StorageError when the transaction did not commit.
  virtual void commit(std::span<const WriteBatch* const> batches, std::vector<BatchCounts>& counts) = 0;
  // Reads are safe from any thread, concurrently with commit().
  virtual std::vector<StoredInteraction> interactions(const InteractionQuery& query) = 0;
  virtual std::vector<StoredDeadLetter> dead_letters(size_t limit) = 0;
  // The interactions with these seqs (those that still exist), in time order (then seq), for the
  // drill-down's transcripts. A backend without it returns none.
  virtual std::vector<StoredInteraction> interactions_by_seq(std::span<const int64_t> /*seqs*/) { return {}; }
  // In seq order, with the customer resolved through identity links.
  virtual std::vector<StoredInteraction> scan(const ScanQuery& query) = 0;
  virtual std::vector<CustomerStateRow> customer_states() = 0;
  // alias (anonymous id or former customer id) -> customer id
  virtual std::vector<std::pair<std::string, std::string>> identity_links() = 0;
  // True when a write transaction can be started now (for /readyz).
  virtual bool writable() = 0;
  // After an erasure: makes the deleted content unrecoverable from the files (checkpoint and truncate
  // the write-ahead log). Returns false when readers kept part of the log alive (try again later).
  virtual bool purge_deleted() = 0;
  // The suppression list (hashes of erased ids).
  virtual std::vector<std::string> suppressed() = 0;

  // Saved map/FAQ aggregates (analytics/snapshot.h), so a restart does not rebuild them from every
  // stored interaction. The generation goes up with every write that makes them stale; a snapshot
  // carries the generation it was made at. A backend without snapshots keeps these defaults: the
  // daemon then rebuilds the aggregates from storage at each start.
  virtual int64_t analytics_generation() { return 0; }
  // Replaces the saved snapshot atomically and durably. Throws StorageError.
  virtual void save_snapshot(std::string_view /*bytes*/) {}
  // The saved snapshot, if there is one and it is intact (damaged ones read as none).
  virtual std::optional<std::string> load_snapshot() { return std::nullopt; }
  // Removes it (an erasure must not leave the erased customer's data in an old snapshot).
  virtual void drop_snapshot() {}
  // Called on the writer thread between two groups, after the first group's requests were answered:
  // short maintenance that must not run concurrently with a commit (SQLite: finishing a checkpoint).
  virtual void housekeeping() {}
};

}  // namespace tp
