// Who is the same customer. Every part of the daemon that counts or remembers customers (the rules'
// journey memory, the journey map, the FAQ summary) keys them with this one index: a dense number per key
// (customer id or visitor id as stored) and one union-find over those numbers, so that a visitor who later
// identifies is one customer everywhere, with the same rule for which key stands for the merged customer
// (the customer's, never the alias's). Not thread-safe: each owner guards it with its own lock.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "util/binary_io.h"

namespace tp {

class CustomerIndex {
 public:
  CustomerIndex() = default;
  // Moves keep the keys' nodes (and so keys_); a copy would point into the other index's map.
  CustomerIndex(CustomerIndex&&) = default;
  CustomerIndex& operator=(CustomerIndex&&) = default;
  CustomerIndex(const CustomerIndex&) = delete;
  CustomerIndex& operator=(const CustomerIndex&) = delete;

  struct Merge {
    uint32_t from;  // the alias's canonical index before the link; canonical no more
    uint32_t into;  // the customer's canonical index, which stands for both from now on
  };

  // The index of `key`, added (as a customer of its own) when it is new; `added` says which.
  uint32_t add(const std::string& key, bool* added = nullptr);
  std::optional<uint32_t> find(const std::string& key) const;
  // The index that stands for every index linked to `c`.
  uint32_t canonical(uint32_t c) const;
  // The key of `c`'s canonical index; `key` itself when it is not indexed.
  std::string resolve(const std::string& key) const;
  const std::string& key(uint32_t c) const { return *keys_[c]; }

  // `alias` turned out to be `customer`: their canonical indexes become one, the customer's standing for
  // both. Nothing when they are one already.
  std::optional<Merge> link(uint32_t alias, uint32_t customer);

  size_t size() const { return parent_.size(); }
  size_t merged() const { return merged_; }  // indexes linked into another (0: canonical() is the identity)
  void clear();

  // Count, then each index's key and parent. load() refuses (and leaves the index as it was) a damaged
  // encoding: a repeated key, a parent out of range, a cycle canonical() would follow forever.
  void save(BinaryWriter& out) const;
  bool load(BinaryReader& in);

 private:
  std::unordered_map<std::string, uint32_t> ids_;
  std::vector<const std::string*> keys_;  // index -> its key in ids_ (nodes never move)
  std::vector<uint32_t> parent_;          // index -> the index it was linked into (itself if none)
  size_t merged_ = 0;
};

}  // namespace tp
