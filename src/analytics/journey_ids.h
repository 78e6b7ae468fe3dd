// What the map and the FAQ share: hourly buckets and the journey's ids as small indexes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tp {

inline constexpr int64_t kHourMs = int64_t{3600} * 1000;

// The hour bucket of a time (floor, also for times before 1970).
inline int64_t hour_of(int64_t ts_ms) {
  return ts_ms >= 0 ? ts_ms / kHourMs : (ts_ms - kHourMs + 1) / kHourMs;
}

// The ids of journey entries (stages, touchpoints or personas), in their configured order.
template <typename Entry>
std::vector<std::string> ids_of(const std::vector<Entry>& entries) {
  std::vector<std::string> ids;
  ids.reserve(entries.size());
  for (const auto& e : entries) ids.push_back(e.id);
  return ids;
}

// The position of `id` in `ids`; -1 when empty or unknown.
inline int index_of(const std::vector<std::string>& ids, const std::string& id) {
  if (id.empty()) return -1;
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] == id) return static_cast<int>(i);
  return -1;
}

}  // namespace tp
