#include "analytics/change_feed.h"

namespace tp {

void ChangeFeed::record(const std::string& stage, const std::string& touchpoint,
                        std::optional<uint32_t> cluster) {
  {
    std::lock_guard lock(mu_);
    entries_.push_back({next_++, stage, touchpoint, cluster});
    if (entries_.size() > history_) entries_.pop_front();
  }
  cv_.notify_all();
}

uint64_t ChangeFeed::position() const {
  std::lock_guard lock(mu_);
  return next_ - 1;
}

bool ChangeFeed::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

void ChangeFeed::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

Changes ChangeFeed::wait(uint64_t& since, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return closed_ || next_ - 1 > since; });
  Changes out;
  if (closed_ || next_ - 1 <= since) return out;
  if (entries_.empty() || entries_.front().seq > since + 1) out.everything = true;
  // Sequence numbers are contiguous: start right after `since`.
  const size_t first = out.everything ? 0 : static_cast<size_t>(since + 1 - entries_.front().seq);
  for (size_t i = first; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    if (!e.stage.empty()) out.stages.insert(e.stage);
    if (!e.stage.empty() && !e.touchpoint.empty()) out.cells.insert({e.stage, e.touchpoint});
    if (e.cluster) out.clusters.insert(*e.cluster);
  }
  since = next_ - 1;
  return out;
}

}  // namespace tp
