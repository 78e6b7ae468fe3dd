// An in-memory tp::Store whose commits a test can hold open, release one by one, or make fail, so the
// group-commit writer's behaviour under concurrency can be shown deterministically (no sleeps).
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <limits>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "store/group_commit_writer.h"
#include "store/store.h"

namespace tp::testing {

// Waits until `done()` holds, polling; false if it did not within `limit` (a guard against hanging, not
// a pass/fail timing: the tests arrange for the condition to become true by itself).
template <typename Pred>
bool eventually(Pred done, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

class ScriptedStore final : public Store {
 public:
  // What one commit() call was given: the source of each batch, in order.
  using Group = std::vector<std::string>;

  // Commits numbered >= n (0-based, in call order) wait inside commit() until allow() lets them through.
  void hold_from(size_t n) {
    std::lock_guard lock(mu_);
    permits_ = n;
  }
  void allow(size_t n) {
    {
      std::lock_guard lock(mu_);
      permits_ = n;
    }
    cv_.notify_all();
  }
  void release_all() { allow(std::numeric_limits<size_t>::max()); }

  // The commit with this 0-based call number throws StorageError and keeps nothing.
  void fail_commit(size_t n) {
    std::lock_guard lock(mu_);
    failing_.insert(n);
  }

  // Waits until at least n commit() calls have started (the last may be held). False on the guard timeout.
  bool wait_entered(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(20), [&] { return entered_ >= n; });
  }

  std::vector<Group> groups() const {
    std::lock_guard lock(mu_);
    return groups_;
  }
  std::vector<Interaction> stored() const {
    std::lock_guard lock(mu_);
    return stored_;
  }
  std::vector<DeadLetter> stored_dead_letters() const {
    std::lock_guard lock(mu_);
    return dead_;
  }

  void commit(std::span<const WriteBatch* const> batches, std::vector<BatchCounts>& counts) override {
    std::unique_lock lock(mu_);
    const size_t n = entered_++;
    Group g;
    for (const WriteBatch* b : batches) g.push_back(b->source);
    groups_.push_back(std::move(g));
    cv_.notify_all();
    cv_.wait(lock, [&] { return n < permits_; });
    if (failing_.count(n)) throw StorageError("scripted failure of commit " + std::to_string(n));
    counts.assign(batches.size(), BatchCounts{});
    for (size_t i = 0; i < batches.size(); ++i) {
      for (const Interaction& in : batches[i]->events) {
        if (keys_.insert({batches[i]->source, in.id}).second) {
          stored_.push_back(in);
          ++counts[i].accepted;
        } else {
          ++counts[i].duplicates;
        }
      }
      for (const DeadLetter& d : batches[i]->dead_letters) dead_.push_back(d);
    }
  }

  // Housekeeping calls, each recorded as the number of commit() calls that had finished by then.
  void housekeeping() override {
    std::lock_guard lock(mu_);
    housekeeping_after_.push_back(entered_);
  }
  std::vector<size_t> housekeeping_after() const {
    std::lock_guard lock(mu_);
    return housekeeping_after_;
  }

  std::vector<StoredInteraction> interactions(const InteractionQuery&) override { return {}; }
  std::vector<StoredDeadLetter> dead_letters(size_t) override { return {}; }
  std::vector<StoredInteraction> scan(const ScanQuery&) override { return {}; }
  std::vector<CustomerStateRow> customer_states() override { return {}; }
  std::vector<std::pair<std::string, std::string>> identity_links() override { return {}; }
  bool purge_deleted() override { return true; }
  std::vector<std::string> suppressed() override { return {}; }
  bool writable() override { return true; }
  int64_t analytics_generation() override { return 0; }
  void save_snapshot(std::string_view) override {}
  std::optional<std::string> load_snapshot() override { return std::nullopt; }
  void drop_snapshot() override {}

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  size_t permits_ = std::numeric_limits<size_t>::max();
  size_t entered_ = 0;
  std::set<size_t> failing_;
  std::vector<Group> groups_;
  std::vector<size_t> housekeeping_after_;
  std::set<std::pair<std::string, std::string>> keys_;
  std::vector<Interaction> stored_;
  std::vector<DeadLetter> dead_;
};

// Batches submitted from their own threads. On destruction the store is released first, so a failed
// assertion can never leave a thread blocked in a held commit.
class Submitters {
 public:
  Submitters(GroupCommitWriter& writer, ScriptedStore& store) : writer_(writer), store_(store) {}
  ~Submitters() {
    store_.release_all();
    join();
  }

  // Returns the index under which the result will be found.
  size_t submit(WriteBatch batch) {
    std::lock_guard lock(mu_);
    const size_t index = results_.size();
    results_.emplace_back();
    threads_.emplace_back([this, index, b = std::move(batch)]() mutable {
      SubmitResult r = writer_.submit(std::move(b));
      std::lock_guard lock(mu_);
      results_[index] = std::move(r);
    });
    return index;
  }

  // Joins every thread; returns the results in submission order.
  std::vector<SubmitResult> join() {
    for (auto& t : threads_)
      if (t.joinable()) t.join();
    std::lock_guard lock(mu_);
    return results_;
  }

 private:
  GroupCommitWriter& writer_;
  ScriptedStore& store_;
  std::mutex mu_;
  std::vector<std::thread> threads_;
  std::vector<SubmitResult> results_;
};

inline WriteBatch batch_of(const std::string& source, size_t events, const std::string& id_prefix = "e") {
  WriteBatch b;
  b.source = source;
  b.received_ms = 1;
  for (size_t i = 0; i < events; ++i) {
    Interaction in;
    in.id = id_prefix + std::to_string(i);
    in.customer_id = "c";
    b.events.push_back(std::move(in));
  }
  return b;
}

}  // namespace tp::testing
