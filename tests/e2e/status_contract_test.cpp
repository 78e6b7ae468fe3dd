// Every row of the README's status-code contract, against the real daemon.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "daemon_process.h"
#include "daemon_test.h"
#include "http_helpers.h"

namespace tp::e2e {
namespace {

using json = nlohmann::json;

class StatusContract : public DaemonTest {};

TEST_F(StatusContract, AcceptedAfterCommitWithCounts) {
  start();
  auto c = client(port());
  const json batch = json::array({event("e-1"), event("e-2"), event("e-3")});
  auto r = c.Post("/v1/events", batch.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202);
  const json body = json::parse(r->body);
  EXPECT_EQ(body["accepted"], 3);
  EXPECT_EQ(body["duplicates"], 0);
  EXPECT_EQ(body["rejected"], 0);
  EXPECT_TRUE(body["errors"].empty());
  // Answered only after commit: the rows are in the file as soon as the reply is.
  EXPECT_EQ(count("SELECT COUNT(*) FROM interactions WHERE source = 'events'"), 3);
}

TEST_F(StatusContract, AcceptsOneObjectAnArrayOrABatchObject) {
  start();
  auto c = client(port());
  EXPECT_EQ(json_of(c.Post("/v1/events", event("one").dump(), "application/json"))["accepted"], 1);
  EXPECT_EQ(json_of(c.Post("/v1/events", json::array({event("arr")}).dump(), "application/json"))["accepted"],
            1);
  const json wrapped = {{"batch", json::array({event("b1"), event("b2")})}};
  EXPECT_EQ(json_of(c.Post("/v1/events", wrapped.dump(), "application/json"))["accepted"], 2);
}

TEST_F(StatusContract, ReDeliveryIsAcknowledgedAsDuplicate) {
  start();
  auto c = client(port());
  ASSERT_EQ(json_of(c.Post("/v1/events", event("dup").dump(), "application/json"))["accepted"], 1);
  auto r = c.Post("/v1/events", event("dup").dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202);
  EXPECT_EQ(json::parse(r->body)["duplicates"], 1);
  EXPECT_EQ(json::parse(r->body)["accepted"], 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM interactions WHERE event_id = 'dup'"), 1);
}

TEST_F(StatusContract, InvalidEventsInABatchAreRejectedOneByOneAndDeadLettered) {
  start();
  auto c = client(port());
  json bad_rating = event("bad-1");
  bad_rating["rating"] = 9;
  json no_id = event("x");
  no_id.erase("id");
  const json batch = json::array({event("good-1"), bad_rating, event("good-2"), no_id});
  auto r = c.Post("/v1/events", batch.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202);
  const json body = json::parse(r->body);
  EXPECT_EQ(body["accepted"], 2);
  EXPECT_EQ(body["rejected"], 2);
  ASSERT_EQ(body["errors"].size(), 2u);
  EXPECT_EQ(body["errors"][0]["index"], 1);
  EXPECT_EQ(body["errors"][0]["field"], "rating");
  EXPECT_EQ(body["errors"][1]["index"], 3);
  EXPECT_EQ(body["errors"][1]["field"], "id");
  EXPECT_EQ(count("SELECT COUNT(*) FROM interactions"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM dead_letters WHERE raw LIKE '%bad-1%' AND reason LIKE '%rating%'"),
            1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM dead_letters"), 2);
}

TEST_F(StatusContract, BadRequestForUnparseableJsonIsDeadLettered) {
  start();
  auto c = client(port());
  auto r = c.Post("/v1/events", "{\"id\": \"oops\",", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  const json body = json::parse(r->body);
  EXPECT_EQ(body["field"], "body");
  EXPECT_FALSE(body["error"].get<std::string>().empty());
  EXPECT_EQ(count("SELECT COUNT(*) FROM dead_letters WHERE raw LIKE '%oops%'"), 1);
}

TEST_F(StatusContract, BadRequestForNoEvents) {
  start();
  auto c = client(port());
  for (const std::string body : {"[]", "{\"batch\": []}", "42"}) {
    auto r = c.Post("/v1/events", body, "application/json");
    ASSERT_TRUE(r) << body;
    EXPECT_EQ(r->status, 400) << body;
    EXPECT_TRUE(json::parse(r->body).contains("error")) << body;
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM interactions"), 0);
}

TEST_F(StatusContract, BadRequestWhenEveryEventIsInvalidWithTheSameShape) {
  start();
  auto c = client(port());
  json no_customer = event("nc");
  no_customer.erase("customer_id");
  auto r = c.Post("/v1/events", json::array({no_customer}).dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  const json body = json::parse(r->body);
  EXPECT_EQ(body["accepted"], 0);
  EXPECT_EQ(body["rejected"], 1);
  EXPECT_EQ(body["errors"][0]["index"], 0);
  EXPECT_TRUE(body.contains("error"));
  EXPECT_EQ(count("SELECT COUNT(*) FROM dead_letters"), 1);
}

TEST_F(StatusContract, NestingDeeperThan64IsABadRequestNotACrash) {
  start();
  auto c = client(port());
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto r = c.Post("/v1/events", deep, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(json::parse(r->body)["field"], "body");
  // Still serving.
  EXPECT_EQ(c.Get("/healthz")->status, 200);
}

// A number beyond a double once made nlohmann throw past the handler and ended the process.
TEST_F(StatusContract, ANumberBeyondADoubleIsABadRequestNotACrash) {
  start();
  auto c = client(port());
  const std::vector<std::pair<std::string, std::string>> requests = {
      {"/v1/events", R"({"id":"big","type":"message","customer_id":"c","confidence":1e400})"},
      {"/v1/batch",
       R"({"batch":[{"type":"track","messageId":"m","userId":"u","event":"x","properties":{"n":-1e999}}]})"},
      {"/v1/track", R"({"messageId":"m2","userId":"u","event":"x","properties":{"n":1E+400}})"},
  };
  for (const auto& [path, body] : requests) {
    auto r = c.Post(path, body, "application/json");
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 400) << path;
    EXPECT_EQ(json::parse(r->body)["field"], "body") << path;
  }
  EXPECT_EQ(c.Get("/healthz")->status, 200);
  EXPECT_EQ(count("SELECT COUNT(*) FROM interactions"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM dead_letters"), 3);
}

TEST_F(StatusContract, UnauthorizedWithMissingOrWrongCredentialsStoresNothing) {
  start({{"sources",
          {{"events", {{"kind", "native"}, {"auth", {{"type", "bearer"}, {"tokens", {"tok-1"}}}}}},
           {"segment", {{"kind", "segment"}, {"auth", {{"type", "write_key"}, {"keys", {"wk-1"}}}}}}}}});
  auto c = client(port());
  auto none = c.Post("/v1/events", event("u1").dump(), "application/json");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(json::parse(none->body)["field"], "Authorization");

  auto wrong =
      c.Post("/v1/events", {{"Authorization", "Bearer tok-2"}}, event("u2").dump(), "application/json");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(wrong->body.find("tok-1"), std::string::npos);  // never leaks the expected value

  httplib::Client seg("127.0.0.1", port());
  seg.set_basic_auth("wk-wrong", "");
  const json track = {{"messageId", "m1"}, {"userId", "u"}, {"event", "Viewed"}};
  EXPECT_EQ(seg.Post("/v1/track", track.dump(), "application/json")->status, 401);
  EXPECT_EQ(count("SELECT COUNT(*) FROM interactions"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM dead_letters"), 0);

  auto right =
      c.Post("/v1/events", {{"Authorization", "Bearer tok-1"}}, event("u3").dump(), "application/json");
  ASSERT_TRUE(right);
  EXPECT_EQ(right->status, 202);
  seg.set_basic_auth("wk-1", "");
  EXPECT_EQ(seg.Post("/v1/track", track.dump(), "application/json")->status, 202);
}

TEST_F(StatusContract, PayloadTooLargeOverTheBodyLimit) {
  start({{"server", {{"max_body_bytes", 4096}}}});
  auto c = client(port());
  json e = event("big");
  e["text"] = std::string(8000, 'a');
  auto r = c.Post("/v1/events", e.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(count("SELECT COUNT(*) FROM interactions"), 0);
}

TEST_F(StatusContract, PayloadTooLargeCountsDecompressedBytesOfAGzipBomb) {
  start();
  // 64 MiB of the same character compresses to about 64 KiB: far under the limit on the wire.
  const std::string bomb = gzip("[" + std::string(64 << 20, ' ') + "]");
  ASSERT_LT(bomb.size(), 1u << 20);
  auto c = client(port());
  auto r = c.Post("/v1/events", {{"Content-Encoding", "gzip"}}, bomb, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(c.Get("/healthz")->status, 200);
}

TEST_F(StatusContract, PayloadTooLargeForChunkedBodies) {
  start({{"server", {{"max_body_bytes", 4096}}}});
  std::string req =
      "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  const std::string chunk(3000, ' ');
  for (int i = 0; i < 3; ++i) req += "bb8\r\n" + chunk + "\r\n";
  req += "0\r\n\r\n";
  EXPECT_EQ(first_status(raw_exchange(port(), req)), 413);
}

TEST_F(StatusContract, PerEventLimitRejectsOnlyTheOversizedEvent) {
  start();
  auto c = client(port());
  json big = event("big");
  big["properties"] = {{"blob", std::string(40000, 'x')}};
  auto r = c.Post("/v1/events", json::array({event("small"), big}).dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202);
  const json body = json::parse(r->body);
  EXPECT_EQ(body["accepted"], 1);
  EXPECT_EQ(body["rejected"], 1);
  EXPECT_EQ(body["errors"][0]["index"], 1);
}

TEST_F(StatusContract, GzipBodiesAreAccepted) {
  start();
  auto c = client(port());
  const std::string body = gzip(json::array({event("gz-1"), event("gz-2")}).dump());
  auto r = c.Post("/v1/events", {{"Content-Encoding", "gzip"}}, body, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202);
  EXPECT_EQ(json::parse(r->body)["accepted"], 2);
}

TEST_F(StatusContract, CorruptGzipIsABadRequest) {
  start();
  auto c = client(port());
  auto r = c.Post("/v1/events", {{"Content-Encoding", "gzip"}}, std::string("\x1f\x8b\x08garbage", 10),
                  "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
}

double scrape(httplib::Client& c, const std::string& series) {
  auto r = c.Get("/metrics");
  return r ? metric_value(r->body, series) : -1;
}

TEST_F(StatusContract, TooManyRequestsWithRetryAfterWhenTheQueueIsFull) {
  start({{"storage", {{"sqlite", {{"busy_timeout_ms", 60000}}}}},
         {"ingest",
          {{"queue_capacity", 1}, {"max_group", 1}, {"commit_timeout_ms", 60000}, {"retry_after_s", 7}}}});
  WriteLock lock(db());
  auto c = client(port());
  // Readiness waits, not assertions: the writer is stuck on the lock with the first request...
  auto first = std::async(std::launch::async, [&] {
    return client(port()).Post("/v1/events", event("q1").dump(), "application/json");
  });
  for (int i = 0; i < 3000 && scrape(c, "touchpoint_ingest_committing") < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(scrape(c, "touchpoint_ingest_committing"), 1);
  // ...and the second waits in the queue, which is then full.
  auto second = std::async(std::launch::async, [&] {
    return client(port()).Post("/v1/events", event("q2").dump(), "application/json");
  });
  for (int i = 0; i < 3000 && scrape(c, "touchpoint_ingest_queue_depth") < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(scrape(c, "touchpoint_ingest_queue_depth"), 1);

  auto r = c.Post("/v1/events", event("q3").dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->get_header_value("Retry-After"), "7");
  EXPECT_TRUE(json::parse(r->body).contains("error"));

  lock.release();
  auto r1 = first.get();
  auto r2 = second.get();
  ASSERT_TRUE(r1);
  ASSERT_TRUE(r2);
  EXPECT_EQ(r1->status, 202);
  EXPECT_EQ(r2->status, 202);
  EXPECT_EQ(count("SELECT COUNT(*) FROM interactions WHERE event_id IN ('q1','q2')"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM interactions WHERE event_id = 'q3'"), 0);
}

// Without server.admin_token the admin routes are off, whatever token is sent: 403, nothing erased.
TEST_F(StatusContract, AdminRoutesAreForbiddenWithoutAnAdminToken) {
  start();
  auto c = client(port());
  ASSERT_EQ(c.Post("/v1/events", event("kept").dump(), "application/json")->status, 202);
  const httplib::Headers bearer = {{"Authorization", "Bearer some-token-0123456789"}};
  auto erase = c.Delete("/v1/customers/c-1", bearer);
  ASSERT_TRUE(erase);
  EXPECT_EQ(erase->status, 403);
  EXPECT_NE(json::parse(erase->body)["error"].get<std::string>().find("server.admin_token"),
            std::string::npos);
  auto reload = c.Post("/v1/admin/reload", bearer, "", "application/json");
  ASSERT_TRUE(reload);
  EXPECT_EQ(reload->status, 403);
  EXPECT_EQ(count("SELECT COUNT(*) FROM interactions WHERE event_id = 'kept'"), 1);
}

TEST_F(StatusContract, ServiceUnavailableWhenStorageCannotCommitAndNothingIsAcknowledged) {
  start({{"storage", {{"sqlite", {{"busy_timeout_ms", 50}}}}}, {"ingest", {{"retry_after_s", 3}}}});
  auto c = client(port());
  {
    WriteLock lock(db());
    auto r = c.Post("/v1/events", event("s1").dump(), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
    EXPECT_EQ(r->get_header_value("Retry-After"), "3");
    EXPECT_TRUE(json::parse(r->body).contains("error"));
    EXPECT_EQ(c.Get("/readyz")->status, 503);
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM interactions WHERE event_id = 's1'"), 0);
  // Recovers once the lock is gone: the retry is stored.
  auto retry = c.Post("/v1/events", event("s1").dump(), "application/json");
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->status, 202);
  EXPECT_EQ(c.Get("/readyz")->status, 200);
}

TEST_F(StatusContract, AmbiguousFramingIsRefusedAndTheConnectionClosed) {
  start();
  const std::string body = event("smuggle").dump();
  const std::string smuggled = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string cases[] = {
      // Two Content-Lengths.
      "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\nContent-Length: 5\r\n\r\n" + body + smuggled,
      // Content-Length together with Transfer-Encoding.
      "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: "
      "chunked\r\n\r\n0\r\n\r\n" +
          smuggled,
      // A Transfer-Encoding other than chunked.
      "POST /v1/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" + smuggled,
      // Two Transfer-Encodings.
      "POST /v1/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
      "chunked\r\n\r\n0\r\n\r\n" +
          smuggled,
      // A Content-Length that is not a plain number.
      "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: +12\r\n\r\n" + body + smuggled,
  };
  for (const auto& req : cases) {
    const RawResult r = raw_exchange_ex(port(), req);
    EXPECT_EQ(first_status(r.received), 400) << req;
    EXPECT_EQ(response_count(r.received), 1) << "the smuggled request was answered: " << r.received;
    EXPECT_TRUE(r.closed_by_server) << req;
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM interactions"), 0);
}

TEST_F(StatusContract, OversizedContentLengthIsRefusedBeforeTheBody) {
  start({{"server", {{"max_body_bytes", 4096}}}});
  const RawResult r = raw_exchange_ex(
      port(), "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 999999\r\n\r\n{\"id\":");
  EXPECT_EQ(first_status(r.received), 413);
  EXPECT_TRUE(r.closed_by_server);
}

TEST_F(StatusContract, UnknownRoutesAreJsonNotFound) {
  start();
  auto c = client(port());
  auto r = c.Get("/v1/nope");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_TRUE(json::parse(r->body).contains("error"));
}

}  // namespace
}  // namespace tp::e2e
