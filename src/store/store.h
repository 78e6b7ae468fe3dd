// The storage interface. The daemon talks to storage only through this, so that a PostgreSQL backend
// for multi-node deployments can sit beside SQLite. Backends are picked by name (see backends.h).
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/interaction.h"

namespace tp {

// An authenticated input that could not become an interaction: kept so nothing a sender sent is lost.
struct DeadLetter {
  std::string source;
  int64_t received_ms = 0;
  std::string reason_json;  // JSON array of {"index","field","error"} or {"error"}
  std::string raw;          // the event or body as received, truncated
};

// Everything one request wants written; committed atomically with the other batches of its group.
struct WriteBatch {
  std::string source;
  int64_t received_ms = 0;
  std::vector<Interaction> events;
  std::vector<DeadLetter> dead_letters;
};

struct BatchCounts {
  uint32_t accepted = 0;    // newly stored
  uint32_t duplicates = 0;  // (source, id) already stored: acknowledged, not stored again
};

struct StoredInteraction {
  int64_t seq = 0;  // storage order
  std::string source;
  int64_t received_ms = 0;
  std::string resolved_customer_id;  // after identity links (identify / alias); empty when anonymous
  std::string tags_json;             // tags assigned so far (preset tags until the engine runs)
  Interaction interaction;
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
  // True when a write transaction can be started now (for /readyz).
  virtual bool writable() = 0;
};

}  // namespace tp
