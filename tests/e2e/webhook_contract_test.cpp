// The status-code contract on the webhook routes too: the transport rows of the README's contract
// (body limits, gzip, chunked, framing, storage failures, unreadable bodies) checked on /v1/events and on
// a Dialogflow ES webhook source, which since issue 19 share one HTTP layer.
#include <gtest/gtest.h>

#include <string>

#include "daemon_process.h"
#include "daemon_test.h"
#include "http_helpers.h"

namespace tp::e2e {
namespace {

using json = nlohmann::json;

class RouteContract : public DaemonTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void start_with(json patch = json::object()) {
    patch["sources"]["dialogflow-es"] = {
        {"kind", "webhook"}, {"adapter", "dialogflow-es"}, {"verification", "none"}};
    start(patch);
  }
  const std::string& route() const { return GetParam(); }
  // One valid payload for the route, with this id.
  std::string body(const std::string& id, size_t text_bytes = 20) const {
    const std::string text(text_bytes, 'a');
    if (route() == "/v1/events") {
      json e = event(id);
      e["text"] = text;
      return e.dump();
    }
    return json{{"responseId", id},
                {"session", "projects/p/agent/sessions/s-1"},
                {"queryResult", {{"queryText", text}, {"languageCode", "en"}}}}
        .dump();
  }
  int64_t stored() const { return count("SELECT COUNT(*) FROM interactions"); }
};

TEST_P(RouteContract, AcceptedOnlyAfterCommit) {
  start_with();
  auto r = client(port()).Post(route(), body("ok-1"), "application/json");
  ASSERT_TRUE(r);
  EXPECT_GE(r->status, 200);
  EXPECT_LT(r->status, 300);
  EXPECT_GE(stored(), 1) << "a 2xx means committed";
}

TEST_P(RouteContract, PayloadTooLargeOverTheBodyLimitStoresNothing) {
  start_with({{"server", {{"max_body_bytes", 4096}}}});
  auto r = client(port()).Post(route(), body("big", 8000), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(json::parse(r->body)["field"], "body");
  EXPECT_EQ(stored(), 0);
}

TEST_P(RouteContract, AGzipBombIsTooLargeAndGzipIsAccepted) {
  start_with();
  auto c = client(port());
  const std::string bomb = gzip("{\"x\":\"" + std::string(64 << 20, ' ') + "\"}");
  auto r = c.Post(route(), {{"Content-Encoding", "gzip"}}, bomb, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  auto ok = c.Post(route(), {{"Content-Encoding", "gzip"}}, gzip(body("gz-1")), "application/json");
  ASSERT_TRUE(ok);
  EXPECT_LT(ok->status, 300);
  auto corrupt = c.Post(route(), {{"Content-Encoding", "gzip"}}, std::string("\x1f\x8b\x08garbage", 10),
                        "application/json");
  ASSERT_TRUE(corrupt);
  EXPECT_EQ(corrupt->status, 400);
}

TEST_P(RouteContract, ChunkedBodiesAreReadAndLimited) {
  start_with({{"server", {{"max_body_bytes", 4096}}}});
  const std::string head =
      "POST " + route() +
      " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
      "Connection: close\r\n\r\n";
  std::string big = head;
  for (int i = 0; i < 3; ++i) big += "bb8\r\n" + std::string(3000, ' ') + "\r\n";
  EXPECT_EQ(first_status(raw_exchange(port(), big + "0\r\n\r\n")), 413);
  const std::string b = body("chunked-1");
  char size[16];
  std::snprintf(size, sizeof size, "%zx", b.size());
  const int status = first_status(raw_exchange(port(), head + size + "\r\n" + b + "\r\n0\r\n\r\n"));
  EXPECT_GE(status, 200);
  EXPECT_LT(status, 300);
}

TEST_P(RouteContract, AmbiguousFramingIsRefusedAndTheConnectionClosed) {
  start_with();
  const std::string b = body("smuggle");
  const std::string smuggled = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  for (const std::string& req :
       {"POST " + route() + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(b.size()) +
            "\r\nContent-Length: 5\r\n\r\n" + b + smuggled,
        "POST " + route() +
            " HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" +
            smuggled,
        "POST " + route() + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\nContent-Length: " +
            std::to_string(b.size()) + "\r\n\r\n" + b + smuggled,
        "POST " + route() + " HTTP/1.1\r\nHost: x\r\nX-A: a\r\n folded\r\nContent-Length: " +
            std::to_string(b.size()) + "\r\n\r\n" + b + smuggled}) {
    const RawResult r = raw_exchange_ex(port(), req);
    EXPECT_EQ(first_status(r.received), 400) << req;
    EXPECT_EQ(response_count(r.received), 1) << "the smuggled request was answered: " << r.received;
    EXPECT_TRUE(r.closed_by_server) << req;
  }
  EXPECT_EQ(stored(), 0);
}

TEST_P(RouteContract, OversizedContentLengthIsRefusedBeforeTheBody) {
  start_with({{"server", {{"max_body_bytes", 4096}}}});
  const RawResult r = raw_exchange_ex(
      port(), "POST " + route() + " HTTP/1.1\r\nHost: x\r\nContent-Length: 999999\r\n\r\n{\"id\":");
  EXPECT_EQ(first_status(r.received), 413);
  EXPECT_TRUE(r.closed_by_server);
}

TEST_P(RouteContract, UnreadableJsonIsABadRequestAndDeadLettered) {
  start_with();
  auto r = client(port()).Post(route(), "{\"responseId\": \"x\", oops", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(json::parse(r->body).contains("field"));
  EXPECT_EQ(count("SELECT COUNT(*) FROM dead_letters"), 1);
}

TEST_P(RouteContract, ServiceUnavailableWhenStorageCannotCommit) {
  start_with({{"storage", {{"sqlite", {{"busy_timeout_ms", 50}}}}}, {"ingest", {{"retry_after_s", 3}}}});
  auto c = client(port());
  {
    WriteLock lock(db());
    auto r = c.Post(route(), body("s1"), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
    EXPECT_EQ(r->get_header_value("Retry-After"), "3");
  }
  EXPECT_EQ(stored(), 0);
  auto retry = c.Post(route(), body("s1"), "application/json");
  ASSERT_TRUE(retry);
  EXPECT_LT(retry->status, 300);
}

INSTANTIATE_TEST_SUITE_P(EventsAndWebhooks, RouteContract,
                         ::testing::Values(std::string("/v1/events"),
                                           std::string("/v1/webhooks/dialogflow-es")),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param == "/v1/events" ? std::string("Events") : std::string("Webhook");
                         });

}  // namespace
}  // namespace tp::e2e
