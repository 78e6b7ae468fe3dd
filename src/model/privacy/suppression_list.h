// Ids of erased customers, kept only as hashes (id_hash of the id as stored), so that their later events
// are dropped without the list itself holding who they were. Thread-safe: ingest reads it on every event
// while an erasure adds to it.
#pragma once
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

namespace tp {

// The form an erased id is kept in: "h:" + hex SHA-256 of the id as stored (pseudonym or plain id).
std::string suppression_hash(std::string_view stored_id);

class SuppressionList {
 public:
  void add(const std::string& id_hash);
  bool contains_id(std::string_view stored_id) const;
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::unordered_set<std::string> hashes_;
};

}  // namespace tp
