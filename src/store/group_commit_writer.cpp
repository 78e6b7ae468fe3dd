#include "store/group_commit_writer.h"

#include <memory>
#include <vector>

#include "util/metrics.h"
#include "util/thread_name.h"

namespace tp {

GroupCommitWriter::GroupCommitWriter(Store& store, WriterOptions options, Histogram* commit_seconds)
    : store_(store), options_(options), commit_seconds_(commit_seconds), thread_([this] { run(); }) {}

GroupCommitWriter::~GroupCommitWriter() {
  stop();
}

std::optional<SubmitResult> GroupCommitWriter::enqueue(WriteBatch& batch, Completion& done) {
  const size_t weight =
      std::max<size_t>(1, batch.events.size() + batch.dead_letters.size() + batch.tag_updates.size());
  {
    std::lock_guard lock(mu_);
    if (stopping_) return SubmitResult{SubmitStatus::ShuttingDown, {}, "shutting down"};
    // An oversized batch is still admitted into an empty queue, so it can never be starved.
    if (!batch.internal && !queue_.empty() && queued_weight_ + weight > options_.queue_capacity)
      return SubmitResult{SubmitStatus::QueueFull, {}, "ingest queue is full"};
    queue_.push_back(Pending{std::move(batch), weight, std::move(done)});
    queued_weight_ += weight;
  }
  cv_.notify_one();
  return std::nullopt;
}

SubmitResult GroupCommitWriter::submit(WriteBatch batch) {
  // shared_ptr: the promise must outlive a caller that gave up waiting (timeout).
  auto promise = std::make_shared<std::promise<SubmitResult>>();
  std::future<SubmitResult> result = promise->get_future();
  Completion done = [promise](SubmitResult r) { promise->set_value(std::move(r)); };
  if (auto refused = enqueue(batch, done)) return *refused;
  if (result.wait_for(options_.commit_timeout) != std::future_status::ready)
    return {SubmitStatus::TimedOut, {}, "storage did not commit in time"};
  return result.get();
}

void GroupCommitWriter::submit_async(WriteBatch batch, Completion done) {
  if (auto refused = enqueue(batch, done)) done(std::move(*refused));
}

void GroupCommitWriter::run() {
  name_current_thread("tp-writer");
  std::vector<Pending> group;
  std::vector<const WriteBatch*> batches;
  std::vector<BatchCounts> counts;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      size_t taken = 0;
      while (!queue_.empty() && (group.empty() || taken + queue_.front().weight <= options_.max_group)) {
        taken += queue_.front().weight;
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      queued_weight_ -= taken;
      committing_weight_ = taken;
    }
    batches.clear();
    for (const auto& p : group) batches.push_back(&p.batch);
    const auto started = std::chrono::steady_clock::now();
    bool failed = false;
    std::string error;
    try {
      store_.commit(batches, counts);
    } catch (const std::exception& e) {
      failed = true;
      error = e.what();
    }
    if (commit_seconds_)
      commit_seconds_->observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    {
      std::lock_guard lock(mu_);
      ++transactions_;
      last_commit_failed_ = failed;
      committing_weight_ = 0;
    }
    for (size_t i = 0; i < group.size(); ++i) {
      if (failed) {
        group[i].done({SubmitStatus::StorageFailed, {}, error});
        continue;
      }
      if (listener_ && counts[i].accepted > 0) listener_(group[i].batch, counts[i]);
      group[i].done({SubmitStatus::Committed, std::move(counts[i]), {}});
    }
    group.clear();
    try {
      store_.housekeeping();
    } catch (const std::exception&) {
      // Maintenance is retried later; it never fails a request.
    }
  }
}

void GroupCommitWriter::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

size_t GroupCommitWriter::queued() const {
  std::lock_guard lock(mu_);
  return queued_weight_;
}

size_t GroupCommitWriter::committing() const {
  std::lock_guard lock(mu_);
  return committing_weight_;
}

uint64_t GroupCommitWriter::transactions() const {
  std::lock_guard lock(mu_);
  return transactions_;
}

bool GroupCommitWriter::last_commit_failed() const {
  std::lock_guard lock(mu_);
  return last_commit_failed_;
}

}  // namespace tp
