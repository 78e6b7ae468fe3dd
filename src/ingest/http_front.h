// The daemon's public socket when `server.event_loops` > 0: epoll event loops that answer the ingest
// routes themselves and hand every other connection to the full cpp-httplib server behind them.
//
// Why: cpp-httplib serves each connection from a thread that blocks on the socket. An ingest request
// must wait for its group's fsync, so each one put its thread to sleep and woke it again: on a 2-core
// machine those task switches, not the disk, capped single-event ingest at a third of the library's
// own ceiling. Here a loop reads many connections, submits their events to the group-commit writer
// without waiting, and writes each reply when the writer reports the commit (one wake-up per group).
//
// The fast path takes only plain requests (see request_head.h): POST to an ingest route, one
// Content-Length within the limit, no chunking, compression or Expect, credentials that name a
// source. Anything else (reads, the dashboard, live streams, webhooks, gzip bodies, bad credentials,
// odd framing) is tunnelled byte for byte, from the start of that request, to the full server on a
// loopback port, which answers exactly as it does without the front; the connection stays tunnelled.
#pragma once
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tp {

class IngestHandler;

struct FrontOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  size_t loops = 1;
  size_t max_body_bytes = size_t{1024} * 1024;
  size_t max_head_bytes = size_t{16} * 1024;
  int keep_alive_timeout_s = 5;  // idle connection
  int read_timeout_s = 10;       // a request still incomplete this long after the connection went idle
  size_t keep_alive_max_requests = 10000;
  int commit_timeout_ms = 10000;  // no commit by then: 503 (the events may still land: re-sent, deduplicated)
  size_t max_connections = 10000;
  // Request bytes all loops may hold at once. Past it a connection reads only while it holds less than
  // a head (max_head_bytes): small requests still get through, bodies wait or time out. So memory stays
  // under this plus max_connections x max_head_bytes whatever senders do.
  size_t max_buffered_bytes = size_t{64} * 1024 * 1024;
};

// Told of every reply the front writes itself: (route path, status).
using FrontRequestCounter = std::function<void(const std::string& path, int status)>;

class HttpFront {
 public:
  HttpFront(FrontOptions options, IngestHandler& ingest, FrontRequestCounter count);
  ~HttpFront();
  HttpFront(const HttpFront&) = delete;
  HttpFront& operator=(const HttpFront&) = delete;

  // Binds and listens on options.host:port; returns the port (useful with port 0). Throws
  // std::runtime_error.
  int bind();
  // Where tunnelled connections go: the full server, listening on 127.0.0.1:port.
  void set_backend_port(int port) { backend_port_ = port; }
  // Runs the loops; returns after stop(), once every reply owed has been written (or the drain
  // deadline passed) and every tunnel has been closed by the full server.
  void run();
  // Stops accepting and starts the drain. Safe from any thread (a signal watcher), also before run().
  void stop();

  // For /metrics: connections held now; since start, accepted, handed over to the full server, and
  // refused at max_connections.
  size_t connections() const { return connections_.load(); }
  uint64_t accepted() const { return accepted_.load(); }
  uint64_t handed_over() const { return handed_over_.load(); }
  uint64_t refused() const { return refused_.load(); }
  size_t buffered_bytes() const { return buffered_.load(); }

  class Loop;

 private:
  friend class Loop;
  FrontOptions options_;
  IngestHandler& ingest_;
  FrontRequestCounter count_;
  int listen_fd_ = -1;
  int backend_port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> connections_{0};
  std::atomic<uint64_t> accepted_{0}, handed_over_{0}, refused_{0};
  std::atomic<size_t> buffered_{0};
  std::vector<std::unique_ptr<Loop>> loops_;
};

}  // namespace tp
