#include "app/http_options.h"

#include "util/metrics.h"

namespace tp {

http::ServerOptions http_options(const Config& config) {
  const ServerConfig& c = config.server;
  http::ServerOptions o;
  o.host = c.host;
  o.port = c.port;
  o.loops = c.event_loops;
  o.workers = c.threads;
  o.max_body_bytes = c.max_body_bytes;
  o.idle_timeout_s = c.keep_alive_timeout_s;
  o.head_timeout_s = c.head_timeout_s;
  o.body_timeout_s = c.body_timeout_s;
  o.write_timeout_s = c.write_timeout_s;
  o.keep_alive_max_requests = c.keep_alive_max_requests;
  o.max_connections = c.max_connections;
  o.max_buffered_bytes = c.max_buffered_bytes;
  // Owed answers may take up to the commit timeout; a little more to write them.
  o.drain_timeout_ms = config.ingest.commit_timeout_ms + 2000;
  return o;
}

void publish_http_metrics(MetricsRegistry& metrics, const http::Server& server) {
  metrics.gauge("touchpoint_front_buffered_bytes", "Request bytes the event loops hold now.",
                [&server] { return static_cast<double>(server.buffered_bytes()); });
  metrics.gauge("touchpoint_front_connections", "Connections the event loops hold now.",
                [&server] { return static_cast<double>(server.connections()); });
  metrics.gauge("touchpoint_http_queued_requests", "Requests waiting for a worker thread (reads, admin).",
                [&server] { return static_cast<double>(server.queued_requests()); });
  metrics.family(
      "touchpoint_front_connections_total", "Connections accepted, or refused at server.max_connections.",
      "counter", {"outcome"}, [&server] {
        return MetricsRegistry::LabelledSamples{{{"accepted"}, static_cast<double>(server.accepted())},
                                                {{"refused"}, static_cast<double>(server.refused())}};
      });
}

}  // namespace tp
