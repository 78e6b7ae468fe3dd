// The hostile-connection scenario of issue 19: many idle keep-alive connections and many slow ones
// (heads or bodies trickling a byte at a time) on the ingest, webhook and read routes, while one
// legitimate sender per route sends its requests. Used by the e2e test (every request answered, memory
// bounded) and by `make bench` (the legitimate senders' p99).
#pragma once
#include <string>
#include <vector>

namespace tp::e2e {

struct SlowClientsOptions {
  int idle = 500;         // keep-alive connections that sent one request and then nothing
  int slow = 200;         // connections whose head or body trickles in
  int requests = 1000;    // per legitimate sender
  int trickle_ms = 2000;  // a slow connection sends one byte this often
  std::string webhook_path = "/v1/webhooks/dialogflow-es";  // a Dialogflow ES source without verification
};

struct RouteReport {
  std::string route;
  int answered = 0;  // with a 2xx
  int failed = 0;    // any other answer, or none
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
};

struct SlowClientsReport {
  std::vector<RouteReport> routes;
  int idle_open = 0;  // idle connections still open when the senders finished
  int slow_open = 0;
};

SlowClientsReport run_slow_clients(int port, const SlowClientsOptions& options);

}  // namespace tp::e2e
