// Threads that run the handlers allowed to block (reads, admin) so that the event loops never do. The
// queue is bounded: when it is full the request is answered 503 at once instead of waiting unseen.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tp::http {

class WorkerPool {
 public:
  WorkerPool(size_t threads, size_t max_queued);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False when the queue is full (or the pool stopped): the caller answers 503.
  bool try_enqueue(std::function<void()> task);
  // Runs what is queued, then joins the threads.
  void stop();
  size_t queued() const;

 private:
  void work();
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  size_t max_queued_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tp::http
