// Issue 19's hostile connections: 500 idle keep-alive connections and 200 slow ones (heads or bodies
// trickling a byte every 2 s) on the ingest, webhook and read routes hold no thread and no unbounded
// memory: a legitimate sender on each route gets every one of its 1,000 requests answered. The senders'
// latencies are printed; `make bench` reads them against the p99 target (50 ms).
#include "slow_clients.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "daemon_process.h"
#include "http_helpers.h"

namespace tp::e2e {
namespace {

long rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  long value = 0;
  while (status >> key) {
    if (key == "VmRSS:") {
      status >> value;
      return value;
    }
    status.ignore(1 << 20, '\n');
  }
  return 0;
}

TEST(SlowClients, ALegitimateSenderIsServedBesideIdleAndSlowConnections) {
  TempDir dir;
  // Timeouts longer than the run: every idle and slow connection stays open throughout.
  DaemonProcess d(
      dir.path(),
      test_config(dir.path(),
                  {{"server",
                    {{"keep_alive_timeout_s", 120},
                     {"head_timeout_s", 120},
                     {"body_timeout_s", 120},
                     {"max_buffered_bytes", 4 * 1024 * 1024}}},
                   {"sources",
                    {{"dialogflow-es",
                      {{"kind", "webhook"}, {"adapter", "dialogflow-es"}, {"verification", "none"}}}}}}));
  const long rss_before = rss_kib(d.pid());
  SlowClientsOptions options;
  const SlowClientsReport report = run_slow_clients(d.port(), options);
  const long rss_after = rss_kib(d.pid());
  for (const RouteReport& r : report.routes) {
    std::printf("[slow-clients] %s answered %d/%d p50 %.2f p99 %.2f max %.2f ms\n", r.route.c_str(),
                r.answered, options.requests, r.p50_ms, r.p99_ms, r.max_ms);
    EXPECT_EQ(r.answered, options.requests) << r.route;
    EXPECT_EQ(r.failed, 0) << r.route;
  }
  std::printf("[slow-clients] rss %ld -> %ld KiB with %d idle and %d slow connections open\n", rss_before,
              rss_after, report.idle_open, report.slow_open);
  EXPECT_EQ(report.idle_open, options.idle) << "idle connections are kept until their timeout";
  EXPECT_EQ(report.slow_open, options.slow) << "slow connections are kept until their timeout";
  // Memory: the slow bodies are bounded by server.max_buffered_bytes (plus a head per connection).
  const double buffered =
      metric_value(client(d.port()).Get("/metrics")->body, "touchpoint_front_buffered_bytes");
  EXPECT_LE(buffered, 4.0 * 1024 * 1024 + 700.0 * 16 * 1024);
}

}  // namespace
}  // namespace tp::e2e
