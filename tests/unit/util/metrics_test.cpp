#include "util/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

namespace tp {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(CounterFamily, CountsPerLabelCombination) {
  CounterFamily c("requests_total", "Requests.", {"route", "status"});
  EXPECT_EQ(c.value({"/v1/events", "202"}), 0u);
  c.inc({"/v1/events", "202"});
  c.inc({"/v1/events", "202"}, 4);
  c.inc({"/v1/events", "400"});
  EXPECT_EQ(c.value({"/v1/events", "202"}), 5u);
  EXPECT_EQ(c.value({"/v1/events", "400"}), 1u);
  EXPECT_EQ(c.value({"/v1/track", "202"}), 0u);
  // Values are joined with a separator, so ("ab","c") and ("a","bc") stay apart.
  c.inc({"ab", "c"});
  EXPECT_EQ(c.value({"a", "bc"}), 0u);
}

TEST(CounterFamily, RendersHeaderAndOneLinePerLabelSet) {
  CounterFamily c("requests_total", "Requests by route.", {"route", "status"});
  c.inc({"/v1/events", "202"}, 3);
  c.inc({"/v1/track", "401"});
  std::string out;
  c.render(out);
  EXPECT_EQ(out,
            "# HELP requests_total Requests by route.\n"
            "# TYPE requests_total counter\n"
            "requests_total{route=\"/v1/events\",status=\"202\"} 3\n"
            "requests_total{route=\"/v1/track\",status=\"401\"} 1\n");
}

TEST(CounterFamily, WithoutLabelsHasNoBraces) {
  CounterFamily c("restarts_total", "Restarts.", {});
  c.inc({}, 2);
  std::string out;
  c.render(out);
  EXPECT_EQ(out, "# HELP restarts_total Restarts.\n# TYPE restarts_total counter\nrestarts_total 2\n");
}

TEST(CounterFamily, EscapesLabelValues) {
  CounterFamily c("events_total", "Events.", {"source", "outcome"});
  c.inc({"we\"ird\\name\nline2", "ok"});
  std::string out;
  c.render(out);
  // Prometheus text format: backslash, double quote and line feed are escaped inside label values.
  EXPECT_THAT(out, HasSubstr("events_total{source=\"we\\\"ird\\\\name\\nline2\",outcome=\"ok\"} 1\n"));
  // No raw newline may break the sample line: header (2 lines) + 1 sample.
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3);
}

TEST(CounterFamily, EmptyLabelValueKeepsItsPosition) {
  CounterFamily c("x_total", "X.", {"a", "b"});
  c.inc({"", "v"});
  c.inc({"v", ""}, 5);
  EXPECT_EQ(c.value({"", "v"}), 1u);
  EXPECT_EQ(c.value({"v", ""}), 5u);
  std::string out;
  c.render(out);
  EXPECT_THAT(out, HasSubstr("x_total{a=\"\",b=\"v\"} 1\n"));
  EXPECT_THAT(out, HasSubstr("x_total{a=\"v\",b=\"\"} 5\n"));
}

TEST(CounterFamily, ConcurrentIncrementsAreAllCounted) {
  CounterFamily c("hits_total", "Hits.", {"k"});
  constexpr int kThreads = 8, kPerThread = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&c, t] {
      for (int i = 0; i < kPerThread; ++i) {
        c.inc({"shared"});
        c.inc({t % 2 ? "odd" : "even"});
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value({"shared"}), uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(c.value({"odd"}), uint64_t{kThreads / 2} * kPerThread);
  EXPECT_EQ(c.value({"even"}), uint64_t{kThreads / 2} * kPerThread);
}

TEST(Histogram, BucketsAreCumulativeWithInf) {
  Histogram h("commit_seconds", "Commit time.", {0.1, 1, 10});
  for (const double v : {0.05, 0.1, 0.5, 5.0, 50.0, 0.0}) h.observe(v);
  EXPECT_EQ(h.count(), 6u);
  std::string out;
  h.render(out);
  EXPECT_EQ(out,
            "# HELP commit_seconds Commit time.\n"
            "# TYPE commit_seconds histogram\n"
            "commit_seconds_bucket{le=\"0.1\"} 3\n"  // 0, 0.05 and 0.1 (upper bounds are inclusive)
            "commit_seconds_bucket{le=\"1\"} 4\n"
            "commit_seconds_bucket{le=\"10\"} 5\n"
            "commit_seconds_bucket{le=\"+Inf\"} 6\n"
            "commit_seconds_sum 55.65\n"
            "commit_seconds_count 6\n");
}

TEST(Histogram, EmptyHistogramRendersZeros) {
  Histogram h("h", "H.", {0.5});
  std::string out;
  h.render(out);
  EXPECT_EQ(out,
            "# HELP h H.\n# TYPE h histogram\n"
            "h_bucket{le=\"0.5\"} 0\nh_bucket{le=\"+Inf\"} 0\nh_sum 0\nh_count 0\n");
}

TEST(MetricsRegistry, RendersCountersHistogramsAndSampledGauges) {
  MetricsRegistry r;
  double depth = 3;
  r.gauge("queue_depth", "Queued events.", [&] { return depth; });
  auto& c = r.counter("events_total", "Events.", {"outcome"});
  auto& h = r.histogram("latency_seconds", "Latency.", {1});
  c.inc({"accepted"}, 7);
  h.observe(0.25);

  const std::string first = r.render();
  EXPECT_THAT(first, HasSubstr("# TYPE events_total counter\nevents_total{outcome=\"accepted\"} 7\n"));
  EXPECT_THAT(first, HasSubstr("latency_seconds_bucket{le=\"1\"} 1\n"));
  EXPECT_THAT(first,
              HasSubstr("# HELP queue_depth Queued events.\n# TYPE queue_depth gauge\nqueue_depth 3\n"));
  // Counters, then histograms, then gauges.
  EXPECT_LT(first.find("events_total"), first.find("latency_seconds"));
  EXPECT_LT(first.find("latency_seconds"), first.find("queue_depth"));

  // Gauges are sampled at render time.
  depth = 0.5;
  const std::string second = r.render();
  EXPECT_THAT(second, HasSubstr("\nqueue_depth 0.5\n"));
  EXPECT_THAT(second, Not(HasSubstr("queue_depth 3")));
}

TEST(MetricsRegistry, ReturnsStableReferences) {
  MetricsRegistry r;
  auto& a = r.counter("a_total", "A.", {});
  // Registering more families must not move the ones already handed out.
  for (int i = 0; i < 100; ++i) r.counter("c" + std::to_string(i) + "_total", "C.", {});
  a.inc({});
  EXPECT_EQ(a.value({}), 1u);
  EXPECT_THAT(r.render(), HasSubstr("\na_total 1\n"));
}

}  // namespace
}  // namespace tp
