// Nothing acknowledged is ever lost: idempotency under concurrent re-delivery, kill -9 under load,
// and the orderly drain on SIGTERM.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <barrier>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "daemon_process.h"
#include "http_helpers.h"

namespace tp::e2e {
namespace {

using json = nlohmann::json;

std::set<std::string> stored_ids(const std::string& db) {
  SQLite::Database d(db, SQLite::OPEN_READONLY);
  SQLite::Statement q(d, "SELECT event_id FROM interactions");
  std::set<std::string> ids;
  while (q.executeStep()) ids.insert(q.getColumn(0).getString());
  return ids;
}

std::string integrity(const std::string& db) {
  SQLite::Database d(db, SQLite::OPEN_READONLY);
  return d.execAndGet("PRAGMA integrity_check").getString();
}

TEST(Durability, ThousandConcurrentReDeliveriesStoreExactlyOneRow) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), test_config(dir.path()));
  constexpr int kThreads = 50, kPerThread = 20;
  std::barrier start(kThreads);
  std::atomic<int> accepted{0}, duplicates{0}, other{0};
  std::vector<std::thread> threads;
  const std::string body = event("the-one-id").dump();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      auto c = client(daemon.port());
      start.arrive_and_wait();
      for (int i = 0; i < kPerThread; ++i) {
        auto r = c.Post("/v1/events", body, "application/json");
        if (!r || r->status != 202) {
          if (++other < 5)
            ADD_FAILURE() << (r ? std::to_string(r->status) + " " + r->body : httplib::to_string(r.error()));
          continue;
        }
        const json b = json::parse(r->body);
        accepted += b["accepted"].get<int>();
        duplicates += b["duplicates"].get<int>();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(accepted.load(), 1);
  EXPECT_EQ(duplicates.load(), kThreads * kPerThread - 1);
  SQLite::Database d((dir.path() / "touchpoint.db").string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(d.execAndGet("SELECT COUNT(*) FROM interactions WHERE event_id = 'the-one-id'").getInt(), 1);
}

TEST(Durability, KillNineUnderLoadLosesNoAcknowledgedEvent) {
  TempDir dir;
  const json config = test_config(dir.path());
  const std::string db = (dir.path() / "touchpoint.db").string();
  std::mutex mu;
  std::set<std::string> acknowledged;
  {
    DaemonProcess daemon(dir.path(), config);
    constexpr int kThreads = 16;
    std::atomic<bool> stop{false};
    std::atomic<int> acked{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        auto c = client(daemon.port());
        for (int i = 0; !stop; ++i) {
          // Single events and small batches, as real senders mix them.
          json batch = json::array();
          const int n = 1 + i % 5;
          for (int k = 0; k < n; ++k) {
            json e = event("k-" + std::to_string(t) + "-" + std::to_string(i) + "-" + std::to_string(k),
                           "c-" + std::to_string(t));
            e["session_id"] = "s-" + std::to_string(t) + "-" + std::to_string(i % 7);
            batch.push_back(e);
          }
          auto r = c.Post("/v1/events", batch.dump(), "application/json");
          if (!r) continue;  // the daemon is gone: no acknowledgement, no promise
          if (r->status == 202) {
            std::lock_guard lock(mu);
            for (const auto& e : batch) acknowledged.insert(e["id"].get<std::string>());
            acked += n;
          }
        }
      });
    }
    // Kill in the middle of the load: once thousands of events were acknowledged.
    while (acked < 3000) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    daemon.signal(SIGKILL);
    EXPECT_EQ(daemon.wait(), 128 + SIGKILL);
    stop = true;
    for (auto& t : threads) t.join();
  }
  ASSERT_GE(acknowledged.size(), 3000u);

  // Restart on the same file: it opens (recovering the WAL) and serves.
  DaemonProcess again(dir.path(), config);
  auto c = client(again.port());
  EXPECT_EQ(c.Get("/readyz")->status, 200);
  const auto stored = stored_ids(db);
  size_t missing = 0;
  for (const auto& id : acknowledged) missing += stored.count(id) ? 0 : 1;
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged events";
  EXPECT_EQ(integrity(db), "ok");
  // The lookup keys, written behind the rows, agree with them after the crash: no key without its row, and
  // every row up to the mark has its keys; a customer's lookup finds every one of its stored rows.
  {
    SQLite::Database d(db, SQLite::OPEN_READONLY);
    EXPECT_EQ(
        d.execAndGet("SELECT count(*) FROM customer_keys k WHERE NOT EXISTS (SELECT 1 FROM interactions i "
                     "WHERE i.seq = k.seq AND i.customer_id = k.id)")
            .getInt64(),
        0);
    EXPECT_EQ(
        d.execAndGet("SELECT count(*) FROM interactions i WHERE i.seq <= (SELECT value FROM meta WHERE key = "
                     "'lookup_keys_through') AND NOT EXISTS (SELECT 1 FROM session_keys k WHERE k.seq = "
                     "i.seq AND k.id = i.session_id)")
            .getInt64(),
        0);
    const auto rows = d.execAndGet("SELECT count(*) FROM interactions WHERE customer_id = 'c-3'").getInt64();
    const auto r = c.Get("/v1/interactions?customer=c-3&limit=1000");
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(static_cast<int64_t>(json::parse(r->body)["interactions"].size()),
              std::min<int64_t>(rows, 1000));
  }
  // And it goes on accepting.
  EXPECT_EQ(c.Post("/v1/events", event("after-restart").dump(), "application/json")->status, 202);
}

// Holds SQLite's write lock from outside, so requests are in flight when SIGTERM arrives.
TEST(Durability, SigtermDrainsInFlightRequestsAndExitsZero) {
  TempDir dir;
  const std::string db = (dir.path() / "touchpoint.db").string();
  DaemonProcess daemon(dir.path(),
                       test_config(dir.path(), {{"storage", {{"sqlite", {{"busy_timeout_ms", 60000}}}}},
                                                {"ingest", {{"commit_timeout_ms", 60000}}}}));
  auto c = client(daemon.port());
  ASSERT_EQ(c.Get("/readyz")->status, 200);  // migrations done before we take the lock
  auto lock = std::make_unique<SQLite::Database>(db, SQLite::OPEN_READWRITE);
  lock->exec("BEGIN IMMEDIATE");

  std::vector<std::future<int>> in_flight;
  for (int i = 0; i < 8; ++i)
    in_flight.push_back(std::async(std::launch::async, [&, i] {
      auto r = client(daemon.port())
                   .Post("/v1/events", event("drain-" + std::to_string(i)).dump(), "application/json");
      return r ? r->status : -1;
    }));
  // Readiness: all eight are with the writer (committing or queued).
  auto waiting = [&] {
    auto r = c.Get("/metrics");
    if (!r) return 0.0;
    return metric_value(r->body, "touchpoint_ingest_queue_depth") +
           metric_value(r->body, "touchpoint_ingest_committing");
  };
  for (int i = 0; i < 3000 && waiting() < 8; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(waiting(), 8);

  daemon.signal(SIGTERM);
  // The daemon logs that it is draining; only then is the lock released.
  for (int i = 0; i < 3000 && daemon.log().find("draining") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  lock->exec("ROLLBACK");
  lock.reset();

  for (auto& f : in_flight) EXPECT_EQ(f.get(), 202);
  EXPECT_EQ(daemon.wait(), 0);
  EXPECT_NE(daemon.log().find("stopped cleanly"), std::string::npos);
  const auto stored = stored_ids(db);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(stored.count("drain-" + std::to_string(i)), 1u) << i;
  EXPECT_EQ(integrity(db), "ok");
}

}  // namespace
}  // namespace tp::e2e
