// Repeated crashes under load: the real daemon is killed with SIGKILL at varying moments while senders
// post events with unique ids, and restarted on the same data folder, TP_CRASH_CYCLES times (20 by
// default; a soak run sets more). After every restart the first write is accepted at once and every event
// acknowledged (202) before the kill is there; at the end each is stored exactly once and the database is
// whole. The moments are
// pseudo-random with a fixed seed: they vary the point of the kill (a commit, the tagging pipeline's
// writes, a checkpoint once the WAL has grown past its threshold, some cycles in), they decide nothing.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "daemon_process.h"
#include "http_helpers.h"

namespace tp::e2e {
namespace {

using json = nlohmann::json;

int crash_cycles() {
  const char* env = std::getenv("TP_CRASH_CYCLES");
  const int n = env ? std::atoi(env) : 0;
  return n > 0 ? n : 20;
}

// Senders posting batches of one to four events, each id used once, until told to stop; what the daemon
// answered 202 is acknowledged. Requests to a killed daemon fail and promise nothing.
class Senders {
 public:
  Senders(int port, int cycle, std::set<std::string>& acknowledged, std::mutex& mu) {
    for (int t = 0; t < kThreads; ++t)
      threads_.emplace_back([this, port, cycle, t, &acknowledged, &mu] {
        auto c = client(port);
        c.set_read_timeout(10, 0);
        for (int i = 0; !stop_; ++i) {
          json batch = json::array();
          for (int k = 0; k <= i % 4; ++k) {
            json e = event("c" + std::to_string(cycle) + "-t" + std::to_string(t) + "-" + std::to_string(i) +
                               "-" + std::to_string(k),
                           "cust-" + std::to_string((t + i) % 9));
            e["session_id"] = "s-" + std::to_string(cycle) + "-" + std::to_string(i % 5);
            batch.push_back(e);
          }
          auto r = c.Post("/v1/events", batch.dump(), "application/json");
          if (!r || r->status != 202) continue;
          std::lock_guard lock(mu);
          for (const auto& e : batch) acknowledged.insert(e["id"].get<std::string>());
        }
      });
  }
  ~Senders() { stop(); }
  void stop() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

 private:
  static constexpr int kThreads = 3;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

// The first request to a freshly started daemon: a write, answered 202.
void first_write_is_accepted(int port, const std::string& id, std::set<std::string>& acknowledged,
                             std::mutex& mu) {
  auto c = client(port);
  auto r = c.Post("/v1/events", event(id).dump(), "application/json");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  ASSERT_EQ(r->status, 202) << r->body;
  {
    std::lock_guard lock(mu);
    acknowledged.insert(id);
  }
  auto ready = c.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
}

// The acknowledged ids not in the database (read beside a running daemon, or after it stopped).
std::vector<std::string> missing_ids(const std::string& db, const std::set<std::string>& acknowledged) {
  SQLite::Database d(db, SQLite::OPEN_READONLY);
  SQLite::Statement q(d, "SELECT event_id FROM interactions");
  std::set<std::string> stored;
  while (q.executeStep()) stored.insert(q.getColumn(0).getString());
  std::vector<std::string> missing;
  for (const auto& id : acknowledged)
    if (!stored.count(id)) missing.push_back(id);
  return missing;
}

TEST(CrashCycles, RepeatedKillNineUnderLoadLosesNoAcknowledgedEvent) {
  TempDir dir;
  const json config = test_config(dir.path());
  const std::string db = (dir.path() / "touchpoint.db").string();
  std::mutex mu;
  std::set<std::string> acknowledged;
  std::mt19937 rng(19);
  std::uniform_int_distribution<int> delay_ms(0, 1000);
  const int cycles = crash_cycles();
  for (int cycle = 0; cycle < cycles; ++cycle) {
    DaemonProcess daemon(dir.path(), config);
    first_write_is_accepted(daemon.port(), "first-" + std::to_string(cycle), acknowledged, mu);
    if (::testing::Test::HasFatalFailure()) return;
    const auto missing = missing_ids(db, acknowledged);  // the senders of the last cycle have stopped
    ASSERT_TRUE(missing.empty()) << "after the restart of cycle " << cycle << ": " << missing.size()
                                 << " acknowledged events lost, the first: " << missing.front();
    Senders senders(daemon.port(), cycle, acknowledged, mu);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));  // when to kill, not a verdict
    daemon.signal(SIGKILL);
    ASSERT_EQ(daemon.wait(), 128 + SIGKILL) << "cycle " << cycle;
    senders.stop();
  }
  {
    // Once more, ended with SIGTERM (exit 0 checked by DaemonProcess): the last kill's recovery too.
    DaemonProcess daemon(dir.path(), config);
    first_write_is_accepted(daemon.port(), "last", acknowledged, mu);
  }
  ASSERT_GT(acknowledged.size(), static_cast<size_t>(cycles) * 10) << "too little load to prove anything";

  const auto missing = missing_ids(db, acknowledged);
  EXPECT_TRUE(missing.empty()) << missing.size() << " of " << acknowledged.size()
                               << " acknowledged events lost, the first: " << missing.front();
  SQLite::Database d(db, SQLite::OPEN_READONLY);
  EXPECT_EQ(d.execAndGet("SELECT COUNT(*) FROM (SELECT 1 FROM interactions GROUP BY source, event_id "
                         "HAVING COUNT(*) > 1)")
                .getInt64(),
            0)
      << "events stored more than once";
  EXPECT_EQ(d.execAndGet("PRAGMA integrity_check").getString(), "ok");
}

}  // namespace
}  // namespace tp::e2e
