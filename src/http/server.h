// The daemon's one HTTP server: epoll event loops own every connection, read every request with the
// strict head reader (http/request_head.h), decode its body (chunked, gzip) and hand it to its route.
// Handlers that must not block (ingest, webhooks) run on the loop and answer later through a Reply
// (after the group commit); handlers that may block (reads, admin) run on a bounded worker pool; live
// streams get a producer thread each. Either way the loop writes the answer, so a slow or idle client
// costs a buffer, never a thread, and pipelined requests are answered in order on the same connection.
#pragma once
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/request_head.h"
#include "http/router.h"

namespace tp::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  size_t loops = 1;
  size_t workers = 16;                          // threads for blocking handlers
  size_t max_queued = 4096;                     // requests waiting for a worker; beyond: 503
  size_t max_body_bytes = size_t{1024} * 1024;  // after decoding and decompression
  HeadLimits head;
  int idle_timeout_s = 5;    // a keep-alive connection with no request
  int head_timeout_s = 10;   // from a request's first byte to the end of its head
  int body_timeout_s = 30;   // from the end of the head to the end of the body
  int write_timeout_s = 10;  // a reply the client does not read
  size_t keep_alive_max_requests = 10000;
  size_t max_connections = 10000;
  // Request bytes all loops may hold at once. Past it a connection reads only while it holds less than
  // a head: small requests still get through, bodies wait or time out. So memory stays under this plus
  // max_connections x max_head_bytes whatever senders do.
  size_t max_buffered_bytes = size_t{64} * 1024 * 1024;
  // Loop handlers with bodies larger than this run on a worker, so one big body cannot stall a loop.
  size_t loop_body_limit = size_t{64} * 1024;
  int drain_timeout_ms = 12000;  // at stop: how long answers still owed may take
};

// Told of every answer written: (route pattern or "other", status).
using RequestCounter = std::function<void(std::string_view route, int status)>;

class Server {
 public:
  Server(ServerOptions options, const Router& router, RequestCounter count = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; returns the port (useful with port 0). Throws std::runtime_error.
  int bind();
  // Serves until stop(); returns once every answer owed was written (or the drain deadline passed).
  void run();
  // Stops accepting and starts the drain. Safe from any thread, also before run().
  void stop();

  // For /metrics.
  size_t connections() const { return connections_.load(); }
  uint64_t accepted() const { return accepted_.load(); }
  uint64_t refused() const { return refused_.load(); }
  size_t buffered_bytes() const { return buffered_.load(); }
  size_t queued_requests() const;

  class Loop;
  class Streams;

 private:
  friend class Loop;
  ServerOptions options_;
  const Router& router_;
  RequestCounter count_;
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> connections_{0};
  std::atomic<uint64_t> accepted_{0}, refused_{0};
  std::atomic<size_t> buffered_{0};
  std::unique_ptr<class WorkerPool> workers_;
  std::unique_ptr<Streams> streams_;
  std::vector<std::unique_ptr<Loop>> loops_;
};

}  // namespace tp::http
