// Group commit: request threads hand their WriteBatch to one writer thread, which commits everything
// queued so far in a single durable transaction and only then wakes the requests. Many requests share
// one fsync, so durability costs one disk flush per group, not per request.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "store/store.h"

namespace tp {

class Histogram;

struct WriterOptions {
  size_t queue_capacity = 100000;  // events (and dead letters) waiting; beyond it submit() says QueueFull
  size_t max_group = 20000;        // events per transaction at most
  std::chrono::milliseconds commit_timeout{10000};
};

// Called on the writer thread after a group committed, once per batch that stored new interactions,
// before the batch's request is answered. It may move the events out of the batch (the request does
// not need them any more). Must be quick and must not submit to the writer.
using CommitListener = std::function<void(WriteBatch& batch, const BatchCounts& counts)>;

enum class SubmitStatus { Committed, QueueFull, StorageFailed, TimedOut, ShuttingDown };

struct SubmitResult {
  SubmitStatus status = SubmitStatus::StorageFailed;
  BatchCounts counts;
  std::string error;
};

class GroupCommitWriter {
 public:
  GroupCommitWriter(Store& store, WriterOptions options, Histogram* commit_seconds = nullptr);
  ~GroupCommitWriter();
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

  // Blocks until the batch is committed (or refused). Safe from any number of threads.
  SubmitResult submit(WriteBatch batch);
  // Does not block: `done` is called exactly once, on the writer thread after the batch's group
  // committed (or failed), or at once on the calling thread when the batch is refused (queue full,
  // shutting down). For event-loop callers, which must not sleep per request. `done` must be quick
  // and must not submit to the writer.
  using Completion = std::function<void(SubmitResult)>;
  void submit_async(WriteBatch batch, Completion done);
  // Set before the first submit.
  void set_commit_listener(CommitListener listener) { listener_ = std::move(listener); }
  // Refuses new batches, commits everything already queued, joins the thread. Idempotent.
  void stop();

  size_t queued() const;
  // Events (and dead letters) in the transaction being committed right now.
  size_t committing() const;
  uint64_t transactions() const;
  bool last_commit_failed() const;

 private:
  struct Pending {
    WriteBatch batch;
    size_t weight;
    Completion done;
  };
  // Queues the batch; returns the refusal when it was not queued.
  std::optional<SubmitResult> enqueue(WriteBatch& batch, Completion& done);
  void run();

  Store& store_;
  WriterOptions options_;
  Histogram* commit_seconds_;
  CommitListener listener_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  size_t queued_weight_ = 0;
  size_t committing_weight_ = 0;
  bool stopping_ = false;
  uint64_t transactions_ = 0;
  bool last_commit_failed_ = false;
  std::thread thread_;
};

}  // namespace tp
