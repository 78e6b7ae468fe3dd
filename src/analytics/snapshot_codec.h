// Pieces the map's and the FAQ's snapshots share (save/load in journey_map.cpp, faq.cpp): the journey's
// ids (a snapshot made for another journey is refused), sorted customer index lists, and the check that
// linked customers' parent chains end.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "util/binary_io.h"

namespace tp {

inline void save_ids(BinaryWriter& out, const std::vector<std::string>& ids) {
  out.u64(ids.size());
  for (const auto& id : ids) out.str(id);
}

inline bool same_ids(BinaryReader& in, const std::vector<std::string>& ids) {
  const size_t n = in.count();
  if (n != ids.size()) return false;
  for (const auto& id : ids)
    if (in.str() != id) return false;
  return in.ok();
}

// Sorted distinct indexes as gaps: small numbers, a byte or two each.
inline void save_sorted(BinaryWriter& out, const std::vector<uint32_t>& v) {
  out.u64(v.size());
  uint32_t prev = 0;
  for (const uint32_t x : v) {
    out.u64(x - prev);
    prev = x;
  }
}

inline bool load_sorted(BinaryReader& in, std::vector<uint32_t>& v, size_t limit) {
  const size_t n = in.count();
  v.resize(n);
  uint64_t prev = 0;
  for (size_t i = 0; i < n; ++i) {
    prev += in.u64();
    if (prev >= limit || (i > 0 && prev == v[i - 1])) return false;
    v[i] = static_cast<uint32_t>(prev);
  }
  return in.ok();
}

// Linked customers form chains ending at their canonical index; a damaged snapshot must not bring a
// cycle that canonical() would follow forever.
inline bool acyclic(const std::vector<uint32_t>& parent) {
  std::vector<uint8_t> state(parent.size(), 0);  // 0 unseen, 1 on the current path, 2 ends well
  std::vector<uint32_t> path;
  for (uint32_t start = 0; start < parent.size(); ++start) {
    uint32_t c = start;
    path.clear();
    while (state[c] == 0 && parent[c] != c) {
      state[c] = 1;
      path.push_back(c);
      c = parent[c];
    }
    if (state[c] == 1) return false;
    for (const uint32_t p : path) state[p] = 2;
    state[c] = 2;
  }
  return true;
}

// Customer keys by index, from the key -> index map both aggregates keep.
template <typename Map>
std::vector<const std::string*> keys_by_index(const Map& ids, size_t n) {
  std::vector<const std::string*> keys(n, nullptr);
  for (const auto& [key, index] : ids) keys[index] = &key;
  return keys;
}

}  // namespace tp
