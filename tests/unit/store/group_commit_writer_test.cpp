#include "store/group_commit_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/fake_store.h"
#include "util/metrics.h"

namespace tp {
namespace {

using testing::batch_of;
using ::testing::ElementsAre;
using testing::eventually;
using ::testing::HasSubstr;
using testing::ScriptedStore;
using testing::Submitters;
using ::testing::UnorderedElementsAreArray;

WriterOptions options(size_t queue_capacity = 1000, size_t max_group = 1000) {
  WriterOptions o;
  o.queue_capacity = queue_capacity;
  o.max_group = max_group;
  o.commit_timeout = std::chrono::seconds(60);  // a guard only: tests release held commits themselves
  return o;
}

// Submits from its own thread and waits until the writer has queued it, so queue order is known.
size_t submit_queued(Submitters& s, GroupCommitWriter& w, WriteBatch b) {
  const size_t expected = w.queued() + std::max<size_t>(1, b.events.size() + b.dead_letters.size());
  const size_t index = s.submit(std::move(b));
  EXPECT_TRUE(eventually([&] { return w.queued() == expected; })) << "batch " << index << " was not queued";
  return index;
}

// Holds the writer's first commit (a batch "held") inside the store, then queues one single-event batch
// per name behind it, in order.
void hold_then_queue(ScriptedStore& store, GroupCommitWriter& writer, Submitters& s,
                     const std::vector<std::string>& queued) {
  store.hold_from(0);
  s.submit(batch_of("held", 1));
  ASSERT_TRUE(store.wait_entered(1));
  for (const auto& name : queued) submit_queued(s, writer, batch_of(name, 1));
}

std::vector<size_t> group_sizes(const ScriptedStore& store) {
  std::vector<size_t> out;
  for (const auto& g : store.groups()) out.push_back(g.size());
  return out;
}

TEST(GroupCommitWriter, CommitsASingleBatchWithItsCounts) {
  ScriptedStore store;
  GroupCommitWriter writer(store, options());
  const SubmitResult r = writer.submit(batch_of("web", 3));
  EXPECT_EQ(r.status, SubmitStatus::Committed);
  EXPECT_EQ(r.counts.accepted, 3u);
  EXPECT_EQ(r.counts.duplicates, 0u);
  EXPECT_TRUE(r.error.empty());
  EXPECT_EQ(writer.transactions(), 1u);
  EXPECT_EQ(writer.queued(), 0u);
  EXPECT_FALSE(writer.last_commit_failed());

  // The store's answer for each batch is passed through: the same events again are duplicates.
  const SubmitResult again = writer.submit(batch_of("web", 3));
  EXPECT_EQ(again.status, SubmitStatus::Committed);
  EXPECT_EQ(again.counts.accepted, 0u);
  EXPECT_EQ(again.counts.duplicates, 3u);
}

TEST(GroupCommitWriter, ConcurrentSubmitsShareOneTransactionAndGetTheirOwnCounts) {
  ScriptedStore store;
  store.hold_from(0);
  GroupCommitWriter writer(store, options());
  Submitters submitters(writer, store);

  // The first batch's commit is held open; everything submitted meanwhile queues behind it.
  submitters.submit(batch_of("first", 1));
  ASSERT_TRUE(store.wait_entered(1));
  EXPECT_EQ(writer.committing(), 1u);

  constexpr size_t kWaiting = 8;
  size_t weight = 0;
  std::vector<std::string> sources;
  for (size_t k = 0; k < kWaiting; ++k) {
    // Batch k: k+1 new events, then "e0" repeated k times (duplicates), so every batch's counts differ.
    WriteBatch b = batch_of("b" + std::to_string(k), k + 1);
    for (size_t d = 0; d < k; ++d) b.events.push_back(b.events.front());
    weight += b.events.size();
    sources.push_back(b.source);
    submitters.submit(std::move(b));
  }
  ASSERT_TRUE(eventually([&] { return writer.queued() == weight; }));
  EXPECT_EQ(store.groups().size(), 1u) << "nothing else may start while a commit is open";

  store.release_all();
  const auto results = submitters.join();
  ASSERT_EQ(results.size(), kWaiting + 1);
  EXPECT_EQ(results[0].status, SubmitStatus::Committed);
  for (size_t k = 0; k < kWaiting; ++k) {
    const SubmitResult& r = results[k + 1];
    EXPECT_EQ(r.status, SubmitStatus::Committed) << k;
    EXPECT_EQ(r.counts.accepted, k + 1) << k;
    EXPECT_EQ(r.counts.duplicates, k) << k;
  }
  // Two transactions for nine requests: the held one and one for all eight that waited.
  const auto groups = store.groups();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_THAT(groups[0], ElementsAre("first"));
  EXPECT_THAT(groups[1], UnorderedElementsAreArray(sources));
  EXPECT_EQ(writer.transactions(), 2u);
  EXPECT_EQ(writer.queued(), 0u);
  EXPECT_EQ(writer.committing(), 0u);
}

TEST(GroupCommitWriter, MaxGroupLimitsEventsPerTransaction) {
  ScriptedStore store;
  store.hold_from(0);
  GroupCommitWriter writer(store, options(1000, /*max_group=*/3));
  Submitters submitters(writer, store);
  submitters.submit(batch_of("held", 1));
  ASSERT_TRUE(store.wait_entered(1));
  for (int i = 0; i < 7; ++i) submit_queued(submitters, writer, batch_of("q" + std::to_string(i), 1));

  store.release_all();
  for (const auto& r : submitters.join()) EXPECT_EQ(r.status, SubmitStatus::Committed);
  EXPECT_THAT(group_sizes(store), ElementsAre(1, 3, 3, 1));
  // Queue order is kept across groups.
  const auto groups = store.groups();
  EXPECT_THAT(groups[1], ElementsAre("q0", "q1", "q2"));
  EXPECT_THAT(groups[2], ElementsAre("q3", "q4", "q5"));
  EXPECT_THAT(groups[3], ElementsAre("q6"));
}

TEST(GroupCommitWriter, ABatchLargerThanMaxGroupGetsATransactionOfItsOwn) {
  ScriptedStore store;
  store.hold_from(0);
  GroupCommitWriter writer(store, options(1000, /*max_group=*/3));
  Submitters submitters(writer, store);
  submitters.submit(batch_of("held", 1));
  ASSERT_TRUE(store.wait_entered(1));
  submit_queued(submitters, writer, batch_of("small1", 1));
  submit_queued(submitters, writer, batch_of("big", 5));
  submit_queued(submitters, writer, batch_of("small2", 1));
  submit_queued(submitters, writer, batch_of("small3", 1));

  store.release_all();
  const auto results = submitters.join();
  for (const auto& r : results) EXPECT_EQ(r.status, SubmitStatus::Committed);
  EXPECT_EQ(results[2].counts.accepted, 5u);
  const auto groups = store.groups();
  ASSERT_EQ(groups.size(), 4u);
  EXPECT_THAT(groups[1], ElementsAre("small1"));
  EXPECT_THAT(groups[2], ElementsAre("big"));
  EXPECT_THAT(groups[3], ElementsAre("small2", "small3"));
}

TEST(GroupCommitWriter, RefusesBatchesBeyondQueueCapacity) {
  ScriptedStore store;
  store.hold_from(0);
  GroupCommitWriter writer(store, options(/*queue_capacity=*/3));
  Submitters submitters(writer, store);
  submitters.submit(batch_of("held", 1));
  ASSERT_TRUE(store.wait_entered(1));
  EXPECT_EQ(writer.queued(), 0u) << "the batch being committed is no longer queued";

  // Dead letters weigh like events.
  WriteBatch two = batch_of("two", 1);
  two.dead_letters.push_back({"two", 1, "[]", "raw"});
  submit_queued(submitters, writer, std::move(two));
  submit_queued(submitters, writer, batch_of("one", 1));
  ASSERT_EQ(writer.queued(), 3u);

  const SubmitResult full = writer.submit(batch_of("refused", 1));
  EXPECT_EQ(full.status, SubmitStatus::QueueFull);
  EXPECT_FALSE(full.error.empty());
  EXPECT_EQ(full.counts.accepted, 0u);
  // An empty batch still weighs one.
  EXPECT_EQ(writer.submit(WriteBatch{}).status, SubmitStatus::QueueFull);

  store.release_all();
  for (const auto& r : submitters.join()) EXPECT_EQ(r.status, SubmitStatus::Committed);
  for (const auto& g : store.groups()) EXPECT_THAT(g, ::testing::Not(::testing::Contains("refused")));

  // An oversized batch is admitted into an empty queue, so it can never be starved.
  const SubmitResult big = writer.submit(batch_of("big", 10));
  EXPECT_EQ(big.status, SubmitStatus::Committed);
  EXPECT_EQ(big.counts.accepted, 10u);
}

TEST(GroupCommitWriter, StorageFailureFailsEveryBatchOfTheGroup) {
  ScriptedStore store;
  store.hold_from(0);
  store.fail_commit(1);
  GroupCommitWriter writer(store, options());
  Submitters submitters(writer, store);
  submitters.submit(batch_of("ok", 2, "ok"));
  ASSERT_TRUE(store.wait_entered(1));
  for (const char* source : {"f1", "f2", "f3"}) submit_queued(submitters, writer, batch_of(source, 2));

  store.release_all();
  const auto results = submitters.join();
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].status, SubmitStatus::Committed);
  for (size_t i = 1; i < results.size(); ++i) {
    EXPECT_EQ(results[i].status, SubmitStatus::StorageFailed) << i;
    EXPECT_THAT(results[i].error, HasSubstr("scripted failure")) << i;
    EXPECT_EQ(results[i].counts.accepted, 0u) << i;
    EXPECT_EQ(results[i].counts.duplicates, 0u) << i;
  }
  ASSERT_EQ(store.groups().size(), 2u);
  EXPECT_EQ(store.groups()[1].size(), 3u) << "the three failed together, in one transaction";
  EXPECT_EQ(store.stored().size(), 2u) << "only the first batch's events were kept";
  EXPECT_TRUE(writer.last_commit_failed());
  EXPECT_EQ(writer.transactions(), 2u);

  // The writer goes on; the next success clears the failure flag.
  const SubmitResult next = writer.submit(batch_of("f1", 2));
  EXPECT_EQ(next.status, SubmitStatus::Committed);
  EXPECT_EQ(next.counts.accepted, 2u) << "the failed events were never stored, so they are not duplicates";
  EXPECT_FALSE(writer.last_commit_failed());
}

TEST(GroupCommitWriter, NonStorageExceptionsAlsoFailTheGroup) {
  struct OtherErrorStore : Store {
    void commit(std::span<const WriteBatch* const>, std::vector<BatchCounts>&) override {
      throw std::runtime_error("something else went wrong");
    }
    std::vector<StoredInteraction> interactions(const InteractionQuery&) override { return {}; }
    std::vector<StoredDeadLetter> dead_letters(size_t) override { return {}; }
    bool writable() override { return true; }
    std::vector<StoredInteraction> scan(const ScanQuery&) override { return {}; }
    std::vector<CustomerStateRow> customer_states() override { return {}; }
    std::vector<std::pair<std::string, std::string>> identity_links() override { return {}; }
    bool purge_deleted() override { return true; }
    std::vector<std::string> suppressed() override { return {}; }
  } store;
  GroupCommitWriter writer(store, options());
  const SubmitResult r = writer.submit(batch_of("x", 1));
  EXPECT_EQ(r.status, SubmitStatus::StorageFailed);
  EXPECT_THAT(r.error, HasSubstr("something else"));
  EXPECT_TRUE(writer.last_commit_failed());
}

TEST(GroupCommitWriter, StopDrainsTheQueueThenRefuses) {
  ScriptedStore store;
  GroupCommitWriter writer(store, options(/*queue_capacity=*/2));
  Submitters submitters(writer, store);
  hold_then_queue(store, writer, submitters, {"q1", "q2"});
  ASSERT_FALSE(HasFatalFailure());

  std::thread stopper([&] { writer.stop(); });
  // The queue is full, so a probe is refused at once: QueueFull until stop() has begun, then ShuttingDown.
  SubmitResult probe;
  EXPECT_TRUE(eventually([&] {
    probe = writer.submit(batch_of("probe", 1));
    return probe.status != SubmitStatus::QueueFull;
  }));
  EXPECT_EQ(probe.status, SubmitStatus::ShuttingDown);

  store.release_all();  // stop() can only finish once the held commit and the queue are done
  stopper.join();
  const auto results = submitters.join();
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) {
    EXPECT_EQ(r.status, SubmitStatus::Committed);
    EXPECT_EQ(r.counts.accepted, 1u);
  }
  EXPECT_EQ(store.stored().size(), 3u);
  EXPECT_EQ(writer.queued(), 0u);

  const SubmitResult late = writer.submit(batch_of("late", 1));
  EXPECT_EQ(late.status, SubmitStatus::ShuttingDown);
  EXPECT_FALSE(late.error.empty());
  writer.stop();  // idempotent
  for (const auto& g : store.groups()) EXPECT_THAT(g, ::testing::Not(::testing::Contains("late")));
}

TEST(GroupCommitWriter, DestructorDrainsToo) {
  ScriptedStore store;
  {
    GroupCommitWriter writer(store, options());
    EXPECT_EQ(writer.submit(batch_of("a", 2)).status, SubmitStatus::Committed);
  }
  EXPECT_EQ(store.stored().size(), 2u);
}

TEST(GroupCommitWriter, TimesOutWhenStorageDoesNotCommitInTime) {
  ScriptedStore store;
  store.hold_from(0);  // held until released below: the timeout cannot but expire
  WriterOptions o = options();
  o.commit_timeout = std::chrono::milliseconds(50);
  GroupCommitWriter writer(store, o);
  const SubmitResult r = writer.submit(batch_of("slow", 1));
  EXPECT_EQ(r.status, SubmitStatus::TimedOut);
  EXPECT_FALSE(r.error.empty());
  // A timed-out batch is not withdrawn: it may still commit (senders retry; ids make that safe).
  store.release_all();
  writer.stop();
  EXPECT_EQ(store.stored().size(), 1u);
}

TEST(GroupCommitWriter, ObservesCommitTimePerTransaction) {
  ScriptedStore store;
  Histogram commit_seconds("commit_seconds", "Commit time.", {0.1, 1});
  GroupCommitWriter writer(store, options(), &commit_seconds);
  writer.submit(batch_of("a", 1));
  writer.submit(batch_of("b", 1));
  EXPECT_EQ(commit_seconds.count(), 2u);
  EXPECT_EQ(writer.transactions(), 2u);
}

// The event-loop front's form: the reply comes as a call on the writer thread once the group committed.
TEST(GroupCommitWriter, SubmitAsyncAnswersOnceAfterTheCommit) {
  ScriptedStore store;
  store.hold_from(0);
  GroupCommitWriter writer(store, options());
  std::mutex mu;
  std::vector<SubmitResult> results;
  std::thread::id answered_on;
  writer.submit_async(batch_of("web", 2), [&](SubmitResult r) {
    std::lock_guard lock(mu);
    results.push_back(std::move(r));
    answered_on = std::this_thread::get_id();
  });
  ASSERT_TRUE(store.wait_entered(1));
  {
    std::lock_guard lock(mu);
    EXPECT_TRUE(results.empty()) << "answered before its commit finished";
  }
  store.release_all();
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return !results.empty();
  }));
  writer.stop();
  std::lock_guard lock(mu);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].status, SubmitStatus::Committed);
  EXPECT_EQ(results[0].counts.accepted, 2u);
  EXPECT_NE(answered_on, std::this_thread::get_id());
}

TEST(GroupCommitWriter, SubmitAsyncRefusalsAreAnsweredAtOnce) {
  ScriptedStore store;
  GroupCommitWriter writer(store, options(/*queue_capacity=*/1));
  Submitters submitters(writer, store);
  hold_then_queue(store, writer, submitters, {"queued"});
  ASSERT_FALSE(HasFatalFailure());

  std::vector<SubmitStatus> seen;
  writer.submit_async(batch_of("refused", 1), [&](SubmitResult r) { seen.push_back(r.status); });
  // No synchronisation needed: a refusal is answered on the calling thread, before submit_async returns.
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], SubmitStatus::QueueFull);

  store.release_all();
  submitters.join();
  writer.stop();
  writer.submit_async(batch_of("late", 1), [&](SubmitResult r) { seen.push_back(r.status); });
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1], SubmitStatus::ShuttingDown);
  for (const auto& g : store.groups()) {
    EXPECT_THAT(g, ::testing::Not(::testing::Contains("refused")));
    EXPECT_THAT(g, ::testing::Not(::testing::Contains("late")));
  }
}

// Store maintenance (SQLite: finishing a checkpoint) runs on the writer thread after each group, never
// during a commit.
TEST(GroupCommitWriter, HousekeepingRunsAfterEachGroup) {
  ScriptedStore store;
  GroupCommitWriter writer(store, options());
  EXPECT_EQ(writer.submit(batch_of("a", 1)).status, SubmitStatus::Committed);
  EXPECT_TRUE(eventually([&] { return store.housekeeping_after().size() == 1; }));
  EXPECT_EQ(writer.submit(batch_of("b", 1)).status, SubmitStatus::Committed);
  writer.stop();
  EXPECT_THAT(store.housekeeping_after(), ElementsAre(1u, 2u));
}

}  // namespace
}  // namespace tp
