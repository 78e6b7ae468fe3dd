// What changed in the map and the FAQ, for live subscribers (GET /v1/stream). The tagging pipeline
// records each tagged interaction's stage, cell and question cluster; each subscriber asks for what
// changed since its last look. Recording never waits for subscribers: a slow one only falls behind,
// and one that fell out of the bounded history is told to refresh everything.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace tp {

struct Changes {
  bool everything = false;  // the subscriber fell behind the history: refresh all
  std::set<std::string> stages;
  std::set<std::pair<std::string, std::string>> cells;  // (stage, touchpoint)
  std::set<uint32_t> clusters;
  bool empty() const { return !everything && stages.empty() && cells.empty() && clusters.empty(); }
};

class ChangeFeed {
 public:
  explicit ChangeFeed(size_t history = 20000) : history_(history) {}

  void record(const std::string& stage, const std::string& touchpoint, std::optional<uint32_t> cluster);

  // The current position (a new subscriber starts here).
  uint64_t position() const;
  // Waits until something changed after `since` (or `timeout`, or close()); returns the changes and
  // moves `since` forward. Empty changes: timed out or closed.
  Changes wait(uint64_t& since, std::chrono::milliseconds timeout);
  // Wakes every waiting subscriber for good (shutdown).
  void close();
  bool closed() const;

 private:
  struct Entry {
    uint64_t seq;
    std::string stage, touchpoint;
    std::optional<uint32_t> cluster;
  };
  size_t history_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Entry> entries_;
  uint64_t next_ = 1;
  bool closed_ = false;
};

}  // namespace tp
