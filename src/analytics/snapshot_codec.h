// Pieces the map's and the FAQ's snapshots share (save/load in journey_map.cpp, faq.cpp): the journey's
// ids (a snapshot made for another journey is refused), sorted customer index lists, and the check that
// linked customers' parent chains end.
#pragma once
#include <cstdint>
#include <map>
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

// The journey an aggregate was made for (its stage, touchpoint and persona ids, in order): a snapshot of
// another journey is not loaded, since its indexes would mean other things.
inline void save_journey_ids(BinaryWriter& out, const std::vector<std::string>& stages,
                             const std::vector<std::string>& touchpoints,
                             const std::vector<std::string>& personas) {
  save_ids(out, stages);
  save_ids(out, touchpoints);
  save_ids(out, personas);
}

inline bool same_journey_ids(BinaryReader& in, const std::vector<std::string>& stages,
                             const std::vector<std::string>& touchpoints,
                             const std::vector<std::string>& personas) {
  return same_ids(in, stages) && same_ids(in, touchpoints) && same_ids(in, personas);
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

// Where on the journey a rollup is: persona, stage and touchpoint indexes (-1: none), range-checked on load.
struct JourneyDims {
  size_t personas = 0, stages = 0, touchpoints = 0;
};

inline void save_position(BinaryWriter& out, int16_t persona, int16_t stage, int16_t touchpoint) {
  out.i64(persona);
  out.i64(stage);
  out.i64(touchpoint);
}

inline bool load_position(BinaryReader& in, const JourneyDims& d, int16_t& persona, int16_t& stage,
                          int16_t& touchpoint) {
  const auto read = [&](size_t n, int16_t& v) {
    const int64_t x = in.i64();
    if (x < -1 || x >= static_cast<int64_t>(n)) return false;
    v = static_cast<int16_t>(x);
    return true;
  };
  return read(d.personas, persona) && read(d.stages, stage) && read(d.touchpoints, touchpoint) && in.ok();
}

// Hourly rollups, hour by hour in order with each hour's keys in their order (query sums then add up in
// the same order after a load): `save_key` writes one key and its rollup.
template <typename Key, typename SaveKey>
void save_hours(BinaryWriter& out, const std::map<int64_t, std::vector<Key>>& hours, SaveKey save_key) {
  out.u64(hours.size());
  for (const auto& [hour, keys] : hours) {
    out.i64(hour);
    out.u64(keys.size());
    for (const Key& k : keys) save_key(k);
  }
}

// `load_key(hour)` reads one key and its rollup; false stops the load.
template <typename LoadKey>
bool load_hours(BinaryReader& in, size_t min_key_bytes, LoadKey load_key) {
  const size_t n_hours = in.count(2);
  for (size_t h = 0; h < n_hours && in.ok(); ++h) {
    const int64_t hour = in.i64();
    const size_t n_keys = in.count(min_key_bytes);
    for (size_t k = 0; k < n_keys && in.ok(); ++k)
      if (!load_key(hour)) return false;
  }
  return in.ok();
}

}  // namespace tp
