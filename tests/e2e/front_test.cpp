// The HTTP server (http/server.h) as senders meet it: ingest answered after the commit and reads by the
// workers, on the same connection, in order; idle and trickling connections cut off; the connection cap;
// memory bounds; and one or several loops.
#include <SQLiteCpp/SQLiteCpp.h>
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "daemon_process.h"
#include "daemon_test.h"
#include "http_helpers.h"

namespace tp::e2e {
namespace {

using json = nlohmann::json;

class Front : public DaemonTest {};

std::string post(const std::string& path, const std::string& body, const std::string& extra_headers = "") {
  return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + extra_headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// A connected socket, or throws. `receive_buffer` > 0: that small a receive window (set before connecting),
// so that replies pile up on the daemon's side.
int connect_to(int port, int receive_buffer = 0) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (receive_buffer > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("connect");
  return fd;
}

// Sends `bytes` and reads until `responses` complete replies arrived (each with a Content-Length), the
// server closed, or 10 s passed. Returns what arrived; `closed` says whether the server closed.
std::string exchange(int fd, const std::string& bytes, int responses, bool* closed = nullptr) {
  if (!bytes.empty()) ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  if (closed) *closed = false;
  while (response_count(got) < responses || (responses > 0 && got.size() < 4)) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[8192];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      if (closed) *closed = true;
      break;
    }
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

// The statuses of the responses in `raw`, in order.
std::vector<int> statuses(const std::string& raw) {
  std::vector<int> out;
  for (size_t at = raw.find("HTTP/1.1 "); at != std::string::npos; at = raw.find("HTTP/1.1 ", at + 1))
    out.push_back(std::atoi(raw.c_str() + at + 9));
  return out;
}

TEST_F(Front, PipelinedRequestsAreAnsweredInOrderOnOneConnection) {
  start();
  // Two ingests (answered after their commits) and a read (answered by a worker), sent at once.
  const int fd = connect_to(port());
  const std::string pipelined = post("/v1/events", event("p-1").dump()) +
                                post("/v1/events", event("p-2").dump()) +
                                "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string first = exchange(fd, pipelined, 3);
  EXPECT_EQ(statuses(first), (std::vector<int>{202, 202, 200})) << first;
  // The connection goes on carrying requests after the read.
  bool closed = false;
  const std::string next =
      exchange(fd, post("/v1/events", event("p-3").dump(), "Connection: close\r\n"), 2, &closed);
  ::close(fd);
  EXPECT_EQ(statuses(next), (std::vector<int>{202})) << next;
  EXPECT_TRUE(closed) << "Connection: close was asked for";
  EXPECT_EQ(count("SELECT COUNT(*) FROM interactions WHERE event_id IN ('p-1', 'p-2', 'p-3')"), 3);
  const std::string m = client(port()).Get("/metrics")->body;
  EXPECT_EQ(metric_value(m, R"(touchpoint_front_connections_total{outcome="accepted"})"), 2);
  EXPECT_EQ(metric_value(m, "touchpoint_front_connections"), 1)
      << "only the metrics request's own connection";
}

TEST_F(Front, AFastPathReplyIsACompleteHttpResponse) {
  start();
  const int fd = connect_to(port());
  const std::string reply = exchange(fd, post("/v1/events", event("r-1").dump()), 1);
  ::close(fd);
  ASSERT_EQ(first_status(reply), 202) << reply;
  const size_t head_end = reply.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos);
  EXPECT_NE(reply.find("Content-Type: application/json\r\n"), std::string::npos);
  const json body = json::parse(reply.substr(head_end + 4));
  EXPECT_EQ(body["accepted"], 1);
  EXPECT_EQ(reply.find("Content-Length: " + std::to_string(reply.size() - head_end - 4) + "\r\n") ==
                std::string::npos,
            false);
}

TEST_F(Front, ABodyArrivingInPiecesIsReadWhole) {
  start();
  const int fd = connect_to(port());
  const std::string request = post("/v1/events", json::array({event("s-1"), event("s-2")}).dump());
  // Split inside the head and inside the body: the loop must wait for the rest.
  const size_t cuts[] = {10, request.find("\r\n\r\n") + 2, request.size() - 5};
  size_t from = 0;
  for (size_t cut : cuts) {
    ::send(fd, request.data() + from, cut - from, MSG_NOSIGNAL);
    from = cut;
  }
  const std::string reply = exchange(fd, request.substr(from), 1);
  ::close(fd);
  // Read early, the request would have been answered 400 (a cut body is not JSON), before the 202.
  EXPECT_EQ(statuses(reply), (std::vector<int>{202})) << reply;
  EXPECT_EQ(count("SELECT COUNT(*) FROM interactions WHERE event_id IN ('s-1', 's-2')"), 2);
}

TEST_F(Front, IdleAndTricklingConnectionsAreCutOff) {
  start({{"server", {{"keep_alive_timeout_s", 1}, {"read_timeout_s", 1}}}});
  // Nothing sent: closed after the keep-alive timeout.
  const RawResult idle = raw_exchange_ex(port(), "", 15000);
  EXPECT_TRUE(idle.closed_by_server);
  EXPECT_TRUE(idle.received.empty());
  // Half a head, never finished (slowloris): 408 naming the head, closed, nothing stored.
  const RawResult half = raw_exchange_ex(port(), "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Le", 15000);
  EXPECT_TRUE(half.closed_by_server);
  EXPECT_EQ(first_status(half.received), 408) << half.received;
  EXPECT_NE(half.received.find(R"("field":"headers")"), std::string::npos) << half.received;
  // A body shorter than announced: 408 naming the body.
  const RawResult short_body =
      raw_exchange_ex(port(), post("/v1/events", event("never").dump()).substr(0, 120), 15000);
  EXPECT_TRUE(short_body.closed_by_server);
  EXPECT_EQ(first_status(short_body.received), 408) << short_body.received;
  EXPECT_NE(short_body.received.find(R"("field":"body")"), std::string::npos) << short_body.received;
  EXPECT_EQ(count("SELECT COUNT(*) FROM interactions"), 0);
}

TEST_F(Front, ConnectionsBeyondTheCapAreClosedAtOnce) {
  start({{"server", {{"max_connections", 16}}}});
  std::vector<int> held;
  for (int i = 0; i < 16; ++i) {
    held.push_back(connect_to(port()));
    // Answered: the loop has accepted it and counts it.
    ASSERT_EQ(
        first_status(exchange(held.back(), post("/v1/events", event("h-" + std::to_string(i)).dump()), 1)),
        202);
  }
  const RawResult extra = raw_exchange_ex(port(), post("/v1/events", event("extra").dump()), 10000);
  EXPECT_TRUE(extra.closed_by_server);
  EXPECT_TRUE(extra.received.empty());
  // One closes; a new connection is served again once the loop has seen it go.
  ::close(held.back());
  held.pop_back();
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt)
    served = first_status(raw_exchange(
                 port(), post("/v1/events", event("again").dump(), "Connection: close\r\n"), 10000)) == 202;
  EXPECT_TRUE(served);
  for (int fd : held) ::close(fd);
  EXPECT_EQ(count("SELECT COUNT(*) FROM interactions WHERE event_id = 'extra'"), 0);
  const std::string m = client(port()).Get("/metrics")->body;
  EXPECT_GE(metric_value(m, R"(touchpoint_front_connections_total{outcome="refused"})"), 1);
  EXPECT_GE(metric_value(m, R"(touchpoint_front_connections_total{outcome="accepted"})"), 17);
}

// A request on the loops whose commit does not come within ingest.commit_timeout_ms is answered 503,
// as a blocked request is; if the commit completes later, the event is stored once and a retry is told so.
TEST_F(Front, AReplyOwedPastTheCommitTimeoutIs503AndARetryIsSafe) {
  start({{"storage", {{"sqlite", {{"busy_timeout_ms", 30000}}}}},
         {"ingest", {{"commit_timeout_ms", 300}, {"retry_after_s", 2}}}});
  auto c = client(port());
  {
    WriteLock lock(db());  // the writer waits for it (up to 30 s): the commit cannot finish in time
    auto r = c.Post("/v1/events", event("late").dump(), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
    EXPECT_EQ(r->get_header_value("Retry-After"), "2");
    EXPECT_TRUE(json::parse(r->body).contains("error"));
  }  // released: the held commit goes through after all
  auto retry = c.Post("/v1/events", event("late").dump(), "application/json");
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->status, 202);
  const json body = json_of(retry);
  EXPECT_EQ(body["accepted"].get<int>() + body["duplicates"].get<int>(), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM interactions WHERE event_id = 'late'"), 1);
}

// A request that arrives while the one before it on the connection waits for its commit: the loop stops
// reading the connection then (lazily, once the new bytes show up), and reads again after the reply. Both
// are answered, in order, and the connection goes on.
TEST_F(Front, ARequestArrivingWhileTheOneBeforeWaitsIsAnsweredAfterIt) {
  start({{"storage", {{"sqlite", {{"busy_timeout_ms", 30000}}}}}});
  const int fd = connect_to(port());
  {
    WriteLock lock(db());  // the first request's commit waits for it
    exchange(fd, post("/v1/events", event("w-1").dump()), 0);
    // A round trip through the daemon on another connection: by then the loop has read the first request.
    ASSERT_EQ(client(port()).Get("/healthz")->status, 200);
    exchange(fd, post("/v1/events", event("w-2").dump()), 0);
  }
  const std::string both = exchange(fd, "", 2);
  EXPECT_EQ(statuses(both), (std::vector<int>{202, 202})) << both;
  const std::string third = exchange(fd, post("/v1/events", event("w-3").dump()), 1);
  ::close(fd);
  EXPECT_EQ(statuses(third), (std::vector<int>{202})) << third;
  EXPECT_EQ(count("SELECT COUNT(*) FROM interactions WHERE event_id IN ('w-1', 'w-2', 'w-3')"), 3);
}

// Senders that push big bodies slowly cannot make the loops hold unbounded memory: past the budget
// (server.max_buffered_bytes) a connection reads only up to a head's worth, small requests still
// get through, and stalled bodies go on once memory is freed.
TEST_F(Front, BufferedRequestBytesStayWithinTheBudget) {
  start({{"server", {{"max_buffered_bytes", 131072}, {"max_body_bytes", 65536}, {"max_connections", 64}}}});
  const double budget = 2 * 65536, head = 16 * 1024;
  // 65,000 bytes of valid JSON: one small event after a run of whitespace.
  const std::string one = event("big", "c-big").dump();
  const std::string request = post("/v1/events", "[" + std::string(65000 - one.size() - 2, ' ') + one + "]");
  std::vector<int> slow;
  for (int i = 0; i < 6; ++i) {
    slow.push_back(connect_to(port()));
    // All but the last 5,000 bytes: each request stays incomplete.
    ::send(slow.back(), request.data(), request.size() - 5000, MSG_NOSIGNAL | MSG_DONTWAIT);
  }
  auto c = client(port());
  auto buffered = [&] { return metric_value(c.Get("/metrics")->body, "touchpoint_front_buffered_bytes"); };
  double seen = 0;
  for (int i = 0; i < 500 && seen < budget; ++i) seen = buffered();  // the loop reads until over the budget
  EXPECT_GE(seen, budget);
  // (+1 KiB: the metrics request's own bytes, held while it is relayed)
  EXPECT_LE(buffered(), budget + 6 * head + 1024)
      << "6 x 60 KB were sent; only the budget plus a head each is held";
  // Over the budget, a small request still gets through whole.
  EXPECT_EQ(
      first_status(raw_exchange(port(), post("/v1/events", event("small").dump(), "Connection: close\r\n"))),
      202);
  // The other senders give up: memory is freed, and the stalled body can now be finished.
  for (size_t i = 1; i < slow.size(); ++i) ::close(slow[i]);
  const std::string reply = exchange(slow[0], request.substr(request.size() - 5000), 1);
  EXPECT_EQ(first_status(reply), 202) << reply;
  ::close(slow[0]);
  EXPECT_EQ(count("SELECT COUNT(*) FROM interactions WHERE event_id IN ('big', 'small')"), 2);
}

// Sends all of `bytes` (the daemon reads them as it answers), reading nothing.
void send_all(int fd, const std::string& bytes) {
  for (size_t off = 0; off < bytes.size();) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 10000) <= 0) return;  // the daemon stopped reading: the rest stays unsent
    const ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n <= 0 && errno != EAGAIN) return;
    if (n > 0) off += static_cast<size_t>(n);
  }
}

// Pipelined requests whose replies are larger than every buffer between the loop and the sender: each
// carries 110 invalid events, so each reply lists 100 problems (about 7 KB); 1,500 of them are 10 MB.
std::string pipelined_invalid_batches(int n) {
  json bad = json::array();
  for (int i = 0; i < 110; ++i) bad.push_back(json::object());
  const std::string one = post("/v1/events", bad.dump());
  std::string all;
  for (int i = 0; i < n; ++i) all += one;
  return all;
}

// A sender that reads its replies slowly gets every one, in order, however far the loop has to wait to
// write them; a sender that stops reading is dropped after server.write_timeout_s, and the daemon goes on.
TEST_F(Front, ASlowReaderGetsEveryReplyAndOneThatStopsReadingIsDropped) {
  start({{"server", {{"write_timeout_s", 1}}}});
  const int requests = 1500;
  const std::string bytes = pipelined_invalid_batches(requests);

  const int slow = connect_to(port(), 4096);
  std::thread sender([&] { send_all(slow, bytes); });
  std::string got;
  int answered = 0;
  for (;;) {  // reads 4 KB at a time until every reply has come
    pollfd p{slow, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) break;
    char buf[4096];
    const ssize_t n = ::recv(slow, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
    answered = response_count(got);
    if (answered >= requests) break;
  }
  sender.join();
  ::close(slow);
  ASSERT_EQ(answered, requests);
  const std::vector<int> codes = statuses(got);
  EXPECT_EQ(std::count(codes.begin(), codes.end(), 400), requests);

  const int stalled = connect_to(port(), 4096);
  std::thread stalled_sender([&] { send_all(stalled, bytes); });
  // Reads nothing: the daemon drops the connection (a readiness wait for the hang-up, not a timing check).
  pollfd p{stalled, POLLRDHUP, 0};
  EXPECT_EQ(::poll(&p, 1, 30000), 1) << "the connection was not dropped";
  EXPECT_NE(p.revents & (POLLRDHUP | POLLHUP | POLLERR), 0);
  stalled_sender.join();
  ::close(stalled);
  EXPECT_EQ(client(port()).Get("/healthz")->status, 200);
  EXPECT_EQ(
      first_status(raw_exchange(port(), post("/v1/events", event("after").dump(), "Connection: close\r\n"))),
      202);
}

// server.event_loops 0: the thread pool serves the port itself, as before the front existed; and
// several loops share one port.
TEST_F(Front, TheDaemonWorksWithoutLoopsAndWithSeveral) {
  for (int loops : {0, 3}) {
    TempDir dir;
    DaemonProcess d(dir.path(), test_config(dir.path(), {{"server", {{"event_loops", loops}}}}));
    auto c = client(d.port());
    for (int i = 0; i < 6; ++i) {
      auto r = c.Post("/v1/events", event("l-" + std::to_string(i)).dump(), "application/json");
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 202) << loops;
    }
    auto read = c.Get("/v1/interactions?limit=10");
    ASSERT_TRUE(read);
    EXPECT_EQ(json_of(read)["interactions"].size(), 6u) << loops;
  }
}

}  // namespace
}  // namespace tp::e2e
