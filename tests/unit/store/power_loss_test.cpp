// Power loss is not a crash: a crash keeps what the process wrote (the kernel has it), a power cut keeps
// only what was synced. Under the simulated disk of power_loss_vfs.h, the store commits with its real
// connections (the writer's WAL-gathering VFS on top of the disk, the checkpoint thread's and the readers'
// straight on it), the power fails at a chosen point, the files are rolled back to what the disk held,
// and the database is opened again as the daemon opens it. With synchronous=FULL every acknowledged event
// is there and the database is whole; the same procedure with synchronous=NORMAL loses acknowledged events,
// so the simulation can tell. The cut points: after some commits, inside a commit's WAL writes, at a
// commit's sync, while a checkpoint copies pages into the database file, at its sync, and where the WAL
// starts over; each either losing every unsynced write, or keeping a seeded random subset of them.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/group_commit_writer.h"
#include "store/power_loss_vfs.h"
#include "store/sqlite_store.h"
#include "support/temp_dir.h"

namespace tp {
namespace {

using testing::PowerLossVfs;
using Kind = PowerLossVfs::FileKind;
using Op = PowerLossVfs::Op;

constexpr int kEventsPerBatch = 12;

WriteBatch batch_of(const std::string& prefix) {
  WriteBatch b;
  b.source = "web";
  for (int i = 0; i < kEventsPerBatch; ++i) {
    Interaction in;
    in.id = prefix + "-" + std::to_string(i);
    in.customer_id = "c-" + std::to_string(i % 5);
    in.session_id = "s-" + prefix;
    in.text = std::string(400, static_cast<char>('a' + i % 26));  // a few pages per commit
    b.events.push_back(in);
  }
  return b;
}

// The ids the store said it stored.
void record_acknowledged(const WriteBatch& b, const BatchCounts& counts, std::set<std::string>& out) {
  for (size_t i = 0; i < b.events.size() && i < counts.seqs.size(); ++i)
    if (counts.seqs[i] != 0) out.insert(b.events[i].id);
}

struct CutPoint {
  const char* name;
  std::optional<PowerLossVfs::Trigger> trigger;  // none: the test cuts after kCommitsBeforeCut commits
  bool checkpoints = true;      // false: no checkpoint runs (nothing but the commits syncs the WAL)
  bool through_writer = false;  // GroupCommitWriter with concurrent senders
};

constexpr int kCommitsBeforeCut = 25;

const CutPoint kCutPoints[] = {
    {"AfterCommits", std::nullopt, false},
    {"InsideACommitsWalWrites", PowerLossVfs::Trigger{Kind::Wal, Op::Write, 14}},
    {"AtACommitsSync", PowerLossVfs::Trigger{Kind::Wal, Op::Sync, 9}},
    {"FirstCheckpointPage", PowerLossVfs::Trigger{Kind::Database, Op::Write, 1}},
    {"CheckpointPage12", PowerLossVfs::Trigger{Kind::Database, Op::Write, 12}},
    {"CheckpointPage70", PowerLossVfs::Trigger{Kind::Database, Op::Write, 70}},
    {"CheckpointSync", PowerLossVfs::Trigger{Kind::Database, Op::Sync, 2}},
    {"WalStartsOver", PowerLossVfs::Trigger{Kind::Wal, Op::WriteAtStart, 3}},
    {"WriterAfterCommits", std::nullopt, false, true},
    {"WriterCheckpointPages", PowerLossVfs::Trigger{Kind::Database, Op::Write, 40}, true, true},
};

struct Param {
  const CutPoint* cut;
  SqliteSynchronous synchronous;
  uint64_t keep_seed;  // 0: every unsynced write is lost; otherwise a subset is kept
};

void PrintTo(const Param& p, std::ostream* out) {
  *out << p.cut->name << (p.synchronous == SqliteSynchronous::Full ? " FULL" : " NORMAL") << " keep_seed "
       << p.keep_seed;
}

class PowerLoss : public ::testing::TestWithParam<Param> {
 protected:
  SqliteOptions options() const {
    SqliteOptions o;
    o.path = dir_.file("store.db");
    o.synchronous = GetParam().synchronous;
    // A checkpoint every few commits: several rounds before any trigger.
    o.checkpoint_wal_pages = GetParam().cut->checkpoints ? 48 : 1000000;
    o.lookup_batch_rows = 64;  // lookup keys written behind the rows within the run
    o.lookup_keys_per_commit = 16;
    return o;
  }

  // Commits one batch as the group-commit thread does (housekeeping after it); false once it failed.
  bool commit(SqliteStore& store, const std::string& prefix) {
    const WriteBatch b = batch_of(prefix);
    const WriteBatch* ptr = &b;
    std::vector<BatchCounts> counts;
    try {
      store.commit({&ptr, 1}, counts);
    } catch (const StorageError&) {
      return false;
    }
    record_acknowledged(b, counts.at(0), acknowledged_);
    store.housekeeping();
    return true;
  }

  // Commits until the trigger cuts the power (or, without one, kCommitsBeforeCut times, then cuts it).
  void run_until_cut(SqliteStore& store) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (int i = 0; disk_.powered() && std::chrono::steady_clock::now() < deadline; ++i) {
      if (!GetParam().cut->trigger && i == kCommitsBeforeCut) break;
      commit(store, "p2-" + std::to_string(i));
    }
    disk_.cut();
  }

  // Four senders through the group-commit writer, each batch's reply deciding what was acknowledged.
  void run_writer_until_cut(SqliteStore& store) {
    GroupCommitWriter writer(store, WriterOptions{});
    std::mutex mu;
    std::atomic<int> committed{0};
    std::vector<std::thread> senders;
    for (int t = 0; t < 4; ++t)
      senders.emplace_back([&, t] {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        for (int i = 0; disk_.powered() && std::chrono::steady_clock::now() < deadline; ++i) {
          WriteBatch b = batch_of("w" + std::to_string(t) + "-" + std::to_string(i));
          std::vector<std::string> ids;
          for (const auto& e : b.events) ids.push_back(e.id);
          const SubmitResult r = writer.submit(std::move(b));
          if (r.status != SubmitStatus::Committed) continue;
          std::lock_guard lock(mu);
          for (size_t k = 0; k < ids.size(); ++k)
            if (r.counts.seqs.at(k) != 0) acknowledged_.insert(ids[k]);
          ++committed;
        }
      });
    // Without a trigger: the power fails once this many batches were acknowledged (polled, not timed).
    if (!GetParam().cut->trigger) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      while (committed < kCommitsBeforeCut * 2 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      disk_.cut();
    }
    for (auto& s : senders) s.join();
    disk_.cut();
    writer.stop();
  }

  std::set<std::string> stored_ids() {
    SQLite::Database db(options().path, SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT event_id FROM interactions");
    std::set<std::string> ids;
    while (q.executeStep()) ids.insert(q.getColumn(0).getString());
    return ids;
  }

  PowerLossVfs disk_;  // first: installed before any connection opens, removed after the last closed
  ::tp::testing::TempDir dir_;
  std::set<std::string> acknowledged_;
};

TEST_P(PowerLoss, AcknowledgedEventsSurviveWithFullAndNotWithNormal) {
  ASSERT_TRUE(disk_.ok());
  const Param& p = GetParam();
  // A database with a history: created, committed to and closed cleanly (checkpointed), under this disk.
  {
    SqliteStore store(options());
    for (int i = 0; i < 8; ++i) ASSERT_TRUE(commit(store, "p1-" + std::to_string(i)));
  }
  const size_t history = acknowledged_.size();
  ASSERT_EQ(history, 8u * kEventsPerBatch);

  {
    SqliteStore store(options());
    if (p.cut->trigger) disk_.arm(*p.cut->trigger);
    if (p.cut->through_writer)
      run_writer_until_cut(store);
    else
      run_until_cut(store);
  }  // the store's connections close with the power off: nothing more reaches the files
  const bool fired = disk_.trigger_fired();
  disk_.restore(p.keep_seed);
  const size_t before_cut = acknowledged_.size();
  ASSERT_GT(before_cut, history) << "nothing acknowledged after the restart";

  // Opened again as the daemon opens it (synchronous=FULL): the WAL is recovered.
  SqliteOptions reopened = options();
  reopened.synchronous = SqliteSynchronous::Full;
  {
    SqliteStore store(reopened);
    EXPECT_TRUE(commit(store, "after")) << "the store does not take writes after the power cut";
  }
  const auto stored = stored_ids();
  size_t lost = 0;
  for (const auto& id : acknowledged_) lost += stored.count(id) ? 0 : 1;
  SQLite::Database db(reopened.path, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");

  if (p.synchronous == SqliteSynchronous::Full) {
    if (p.cut->trigger) {
      EXPECT_TRUE(fired) << "the power never failed where this case says";
    }
    EXPECT_EQ(lost, 0u) << "of " << acknowledged_.size() << " acknowledged events";
  } else if (!p.cut->checkpoints && p.keep_seed == 0) {
    // Nothing synced the WAL's frames since the restart: every event acknowledged after it is gone.
    EXPECT_EQ(lost, before_cut - history) << "NORMAL kept unsynced commits: the cut proves nothing";
  }
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(stored.count("p1-" + std::to_string(i) + "-0"), 1u) << "the checkpointed history was lost";
}

std::vector<Param> all_params() {
  std::vector<Param> out;
  uint64_t seed = 1;
  for (const CutPoint& c : kCutPoints)
    for (const auto sync : {SqliteSynchronous::Full, SqliteSynchronous::Normal})
      for (const bool keep_some : {false, true}) out.push_back({&c, sync, keep_some ? seed++ : 0});
  return out;
}

INSTANTIATE_TEST_SUITE_P(Cuts, PowerLoss, ::testing::ValuesIn(all_params()),
                         [](const ::testing::TestParamInfo<Param>& info) {
                           const Param& p = info.param;
                           return std::string(p.cut->name) +
                                  (p.synchronous == SqliteSynchronous::Full ? "_Full" : "_Normal") +
                                  (p.keep_seed ? "_SomeWritesKept" : "_AllUnsyncedLost");
                         });

}  // namespace
}  // namespace tp
