// The read side: interactions with filters, health, readiness, metrics, and the read token.
#include <gtest/gtest.h>

#include <thread>

#include "daemon_process.h"
#include "daemon_test.h"
#include "http_helpers.h"

namespace tp::e2e {
namespace {

using json = nlohmann::json;

class Reads : public DaemonTest {};

TEST_F(Reads, InteractionsNewestFirstWithFiltersAndLimit) {
  start();
  auto c = client(daemon_->port());
  json events = json::array();
  for (int i = 0; i < 5; ++i) {
    json e = event("r-" + std::to_string(i), i < 3 ? "alice" : "bob");
    e["session_id"] = i % 2 ? "s-odd" : "s-even";
    e["timestamp"] = "2026-11-20T10:0" + std::to_string(i) + ":00Z";
    e["tags"] = {{"stage", "support"}};
    events.push_back(e);
  }
  ASSERT_EQ(c.Post("/v1/events", events.dump(), "application/json")->status, 202);

  auto all = json_of(c.Get("/v1/interactions"))["interactions"];
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[0]["id"], "r-4");
  EXPECT_EQ(all[4]["id"], "r-0");
  EXPECT_EQ(all[0]["source"], "events");
  EXPECT_EQ(all[0]["tags"]["stage"], "support");
  EXPECT_EQ(all[0]["text"], "where is my order?");

  EXPECT_EQ(json_of(c.Get("/v1/interactions?customer=alice"))["interactions"].size(), 3u);
  EXPECT_EQ(json_of(c.Get("/v1/interactions?session=s-odd"))["interactions"].size(), 2u);
  EXPECT_EQ(json_of(c.Get("/v1/interactions?source=segment"))["interactions"].size(), 0u);
  auto two = json_of(c.Get("/v1/interactions?limit=2"))["interactions"];
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0]["id"], "r-4");

  for (const std::string bad : {"0", "1001", "ten", "-1"}) {
    auto r = c.Get("/v1/interactions?limit=" + bad);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << bad;
    EXPECT_EQ(json::parse(r->body)["field"], "limit");
  }
}

TEST_F(Reads, HealthAndReadiness) {
  start();
  auto c = client(daemon_->port());
  EXPECT_EQ(c.Get("/healthz")->status, 200);
  EXPECT_EQ(c.Get("/readyz")->status, 200);
}

TEST_F(Reads, MetricsCountRequestsEventsAndCommits) {
  start();
  auto c = client(daemon_->port());
  json bad = event("m-bad");
  bad["confidence"] = 7;
  ASSERT_EQ(
      c.Post("/v1/events", json::array({event("m-1"), event("m-2"), bad}).dump(), "application/json")->status,
      202);
  ASSERT_EQ(c.Post("/v1/events", event("m-1").dump(), "application/json")->status, 202);
  c.Get("/nowhere");

  // Requests are counted once their response is on the wire, which the client may see first: wait
  // (readiness, bounded) for the last one to be counted before reading the figures.
  const std::string not_found = R"(touchpoint_http_requests_total{route="other",status="404"})";
  for (int i = 0; i < 500 && metric_value(c.Get("/metrics")->body, not_found) < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto r = c.Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  const std::string& m = r->body;
  EXPECT_EQ(metric_value(m, R"(touchpoint_events_total{source="events",outcome="accepted"})"), 2);
  EXPECT_EQ(metric_value(m, R"(touchpoint_events_total{source="events",outcome="duplicate"})"), 1);
  EXPECT_EQ(metric_value(m, R"(touchpoint_events_total{source="events",outcome="rejected"})"), 1);
  EXPECT_EQ(metric_value(m, R"(touchpoint_http_requests_total{route="/v1/events",status="202"})"), 2);
  EXPECT_EQ(metric_value(m, R"(touchpoint_http_requests_total{route="other",status="404"})"), 1);
  EXPECT_GE(metric_value(m, "touchpoint_commit_seconds_count"), 2);
  EXPECT_GE(metric_value(m, "touchpoint_ingest_queue_depth"), 0);  // present (tag updates may be queued)
}

TEST_F(Reads, ReadTokenProtectsInteractionsAndMetricsButNotHealth) {
  start({{"server", {{"read_token", "rt-secret"}}}});
  auto c = client(daemon_->port());
  for (const std::string path : {"/v1/interactions", "/metrics"}) {
    auto r = c.Get(path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401) << path;
    EXPECT_EQ(json::parse(r->body)["field"], "Authorization");
    EXPECT_EQ(c.Get(path, {{"Authorization", "Bearer wrong"}})->status, 401) << path;
    EXPECT_EQ(c.Get(path, {{"Authorization", "Bearer rt-secret"}})->status, 200) << path;
  }
  EXPECT_EQ(c.Get("/healthz")->status, 200);
}

TEST_F(Reads, HostileTextIsReturnedAsJsonStringNotInterpreted) {
  start();
  auto c = client(daemon_->port());
  json e = event("xss");
  e["text"] = "<img src=x onerror=alert(1)> \"quoted\" \\ \u0000 end";
  ASSERT_EQ(c.Post("/v1/events", e.dump(), "application/json")->status, 202);
  auto r = c.Get("/v1/interactions");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(json::parse(r->body)["interactions"][0]["text"], e["text"]);
}

}  // namespace
}  // namespace tp::e2e
