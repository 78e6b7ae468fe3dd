#include "ingest/http_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "ingest/connection_closer.h"
#include "ingest/event_body.h"
#include "ingest/http_front.h"
#include "ingest/ingest_routes.h"
#include "ingest/ingest_service.h"
#include "ingest/request_guard.h"
#include "ingest/source_auth.h"
#include "util/metrics.h"
#include "util/text.h"
#include "util/thread_name.h"
#include "util/time.h"

namespace tp {
namespace {

using json = nlohmann::json;

// Route label for metrics: known paths only, so arbitrary URLs cannot blow up label cardinality.
std::string route_label(const std::string& path) {
  static const char* kKnown[] = {"/v1/events",       "/v1/track",   "/v1/page",    "/v1/screen",
                                 "/v1/identify",     "/v1/alias",   "/v1/batch",   "/v1/import",
                                 "/v1/interactions", "/healthz",    "/readyz",     "/metrics",
                                 "/v1/admin/reload", "/v1/journey", "/v1/map",     "/v1/faq",
                                 "/v1/map.mmd",      "/v1/map.csv", "/v1/faq.csv", "/v1/stream"};
  if (path.rfind("/v1/webhooks/", 0) == 0) return "/v1/webhooks/{source}";
  if (path.rfind("/v1/customers/", 0) == 0) return "/v1/customers/{id}";
  for (const char* k : kKnown)
    if (path == k) return k;
  return "other";
}

// httplib's pool, with its workers named "tp-http" (they are most of the threads in `top -H`).
class NamedThreadPool : public httplib::TaskQueue {
 public:
  explicit NamedThreadPool(size_t n) : pool_(n) {}
  void enqueue(std::function<void()> fn) override {
    pool_.enqueue([fn = std::move(fn)] {
      thread_local const bool named = (name_current_thread("tp-http"), true);
      (void)named;
      fn();
    });
  }
  void shutdown() override { pool_.shutdown(); }

 private:
  httplib::ThreadPool pool_;
};

// Set on responses after which the connection must be closed for real (see connection_closer.h).
constexpr const char* kCloseMarker = "X-Touchpoint-Close";

struct BodyRead {
  std::string body;
  int status = 0;  // 0: read fine
  std::string error;
};

// Reads the body through httplib's content reader, which inflates gzip on the fly: the limit counts
// the decompressed bytes, so a small compressed bomb cannot become a huge body.
BodyRead read_body(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader,
                   size_t max_bytes) {
  BodyRead out;
  bool too_large = false;
  const bool ok = reader([&](const char* data, size_t len) {
    if (out.body.size() + len > max_bytes) {
      too_large = true;
      return false;
    }
    out.body.append(data, len);
    return true;
  });
  if (ok) return out;
  if (too_large || res.status == 413) {
    out.status = 413;
    out.error = "body is larger than " + std::to_string(max_bytes) + " bytes (after decompression)";
  } else {
    out.status = 400;
    out.error = req.has_header("Content-Encoding") ? "body could not be read or decompressed"
                                                   : "body could not be read";
  }
  return out;
}

void send_reply(httplib::Response& res, const IngestReply& reply) {
  if (reply.retry_after_s > 0) res.set_header("Retry-After", std::to_string(reply.retry_after_s));
  send_json(res, reply.status, reply.body.dump(-1, ' ', false, json::error_handler_t::replace));
}

// The event loops take the server's connection settings and ingest's commit timeout.
FrontOptions front_options(const ServerConfig& c, const IngestConfig& timing) {
  FrontOptions o;
  o.host = c.host;
  o.port = c.port;
  o.loops = c.event_loops;
  o.max_body_bytes = c.max_body_bytes;
  o.keep_alive_timeout_s = c.keep_alive_timeout_s;
  o.read_timeout_s = c.read_timeout_s;
  o.keep_alive_max_requests = c.keep_alive_max_requests;
  o.max_connections = c.max_connections;
  // As many bodies in memory as the worker threads could hold at once without the loops.
  o.max_buffered_bytes = c.threads * c.max_body_bytes;
  o.commit_timeout_ms = timing.commit_timeout_ms;
  return o;
}

void register_front_metrics(MetricsRegistry& metrics, const HttpFront& front) {
  metrics.gauge("touchpoint_front_buffered_bytes", "Request bytes the event loops hold now.",
                [&front] { return static_cast<double>(front.buffered_bytes()); });
  metrics.gauge("touchpoint_front_connections", "Connections the event loops hold now.",
                [&front] { return static_cast<double>(front.connections()); });
  metrics.family("touchpoint_front_connections_total",
                 "Connections the event loops accepted, handed over to the full server (reads, dashboards, "
                 "webhooks, gzip or chunked bodies...), or refused at server.max_connections.",
                 "counter", {"outcome"}, [&front] {
                   return MetricsRegistry::LabelledSamples{
                       {{"accepted"}, static_cast<double>(front.accepted())},
                       {{"handed_over"}, static_cast<double>(front.handed_over())},
                       {{"refused"}, static_cast<double>(front.refused())}};
                 });
}

}  // namespace

void close_after(httplib::Response& res) {
  res.set_header("Connection", "close");
  res.set_header(kCloseMarker, "1");
}

void send_json(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

bool check_read_token(const std::string& token, const httplib::Request& req, httplib::Response& res) {
  if (token.empty()) return true;
  const Credentials c = parse_authorization(req.get_header_value("Authorization"));
  if (!c.bearer.empty() && constant_time_equals(c.bearer, token)) return true;
  res.set_header("WWW-Authenticate", "Bearer");
  send_json(res, 401,
            error_body("Authorization", c.present ? "wrong bearer token" : "bearer token required").dump());
  return false;
}

HttpServer::HttpServer(const ServerConfig& config, MetricsRegistry& metrics)
    : config_(config),
      metrics_(metrics),
      server_(std::make_unique<httplib::Server>()),
      requests_total_(metrics.counter("touchpoint_http_requests_total", "HTTP requests by route and status.",
                                      {"route", "status"})) {
  auto& svr = *server_;
  const size_t threads = config_.threads;
  svr.new_task_queue = [threads] { return new NamedThreadPool(threads); };
  svr.set_keep_alive_max_count(config_.keep_alive_max_requests);
  svr.set_keep_alive_timeout(config_.keep_alive_timeout_s);
  svr.set_read_timeout(config_.read_timeout_s, 0);
  svr.set_write_timeout(config_.read_timeout_s, 0);
  svr.set_payload_max_length(config_.max_body_bytes);
  svr.set_tcp_nodelay(true);
  // httplib's default sets SO_REUSEPORT, which would let a second daemon share our port silently;
  // SO_REUSEADDR alone still allows a quick restart. The listening socket's fd is kept for bind().
  svr.set_socket_options([this](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd_ = sock;
  });

  const size_t max_body = config_.max_body_bytes;
  svr.set_pre_routing_handler([max_body](const httplib::Request& req, httplib::Response& res) {
    const GuardVerdict v = check_request_framing(req.headers, max_body);
    if (v.status == 0) return httplib::Server::HandlerResponse::Unhandled;
    close_after(res);
    send_json(res, v.status, error_body(v.field, v.error).dump());
    return httplib::Server::HandlerResponse::Handled;
  });

  svr.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string message;
        switch (res.status) {
          case 400:
            message = "bad request";
            break;
          case 404:
            message = "no such route";
            break;
          case 405:
            message = "method not allowed";
            break;
          case 413:
            message = "body is too large";
            break;
          case 414:
            message = "URI is too long";
            break;
          default:
            message = "error " + std::to_string(res.status);
            break;
        }
        res.set_content(error_body("", message).dump(), "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }));

  svr.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, const std::exception_ptr& ep) {
        std::string what = "unknown";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        spdlog::error("unhandled error on {} {}: {}", req.method, route_label(req.path),
                      one_line_excerpt(what, 200));
        send_json(res, 500, error_body("", "internal error").dump());
      });

  // The logger runs once the response has been written: the moment to really close a connection
  // whose rest must not be read as another request.
  svr.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    requests_total_.inc({route_label(req.path), std::to_string(res.status)});
    if (res.has_header(kCloseMarker))
      shutdown_connection(req.local_addr, req.local_port, req.remote_addr, req.remote_port);
  });
}

HttpServer::~HttpServer() = default;

httplib::Server& HttpServer::routes() {
  return *server_;
}

void HttpServer::add_ingest_routes(IngestService& ingest, const SourceAuthenticator& auth,
                                   const IngestConfig& timing,
                                   const std::function<EventTranslator(EventTranslator)>& wrap) {
  ingest_handler_ = std::make_unique<IngestHandler>(ingest, auth, wrap);
  IngestHandler& handler = *ingest_handler_;
  const size_t max_body_bytes = config_.max_body_bytes;
  if (config_.event_loops > 0) {
    front_ = std::make_unique<HttpFront>(front_options(config_, timing), handler,
                                         [this](const std::string& path, int status) {
                                           requests_total_.inc({path, std::to_string(status)});
                                         });
    register_front_metrics(metrics_, *front_);
  }
  for (const IngestRoute& route : handler.routes()) {
    server_->Post(route.path, [&handler, &route, max_body_bytes](const httplib::Request& req,
                                                                 httplib::Response& res,
                                                                 const httplib::ContentReader& reader) {
      const int64_t received_ms = now_unix_ms();
      Credentials creds = parse_authorization(req.get_header_value("Authorization"));
      const SourceConfig* source = handler.authenticate(route, creds);
      // Segment SDKs may put the write key in the body instead of the header; only then is the body
      // read before authentication.
      const bool key_in_body = !source && route.kind == "segment" && !creds.present;
      if (!source && !key_in_body) {
        // The body stays unread, so the connection cannot carry another request: close it.
        close_after(res);
        res.set_header("WWW-Authenticate", route.kind == "segment" ? "Basic realm=\"touchpoint\"" : "Bearer");
        return send_json(
            res, 401,
            error_body("Authorization", creds.present ? "credentials not accepted" : "credentials required")
                .dump());
      }
      BodyRead body = read_body(req, res, reader, max_body_bytes);
      if (body.status) {
        close_after(res);
        return send_json(res, body.status, error_body("body", body.error).dump());
      }
      EventBody events = parse_event_body(body.body);
      if (key_in_body) {
        const json* key = events.ok() && events.doc.is_object() && events.doc.contains("writeKey")
                              ? &events.doc["writeKey"]
                              : nullptr;
        if (key && key->is_string()) {
          creds.basic = true;
          creds.basic_user = key->get<std::string>();
          source = handler.authenticate(route, creds);
        }
        if (!source) {
          res.set_header("WWW-Authenticate", "Basic realm=\"touchpoint\"");
          return send_json(res, 401, error_body("Authorization", "credentials required").dump());
        }
      }
      send_reply(res, handler.handle(route, source->name, body.body, events, received_ms));
    });
  }
}

int HttpServer::bind() {
  // Behind the front, the pool serves tunnelled connections on a loopback port of its own.
  const std::string host = front_ ? "127.0.0.1" : config_.host;
  const int want = front_ ? 0 : config_.port;
  const int port =
      want == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, want) ? want : -1);
  if (port < 0) throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(want));
  // httplib listens with a backlog of 5: a burst of webhook deliveries would overflow it and connections
  // would hang or reset. listen() again on the same socket only widens the backlog (capped by somaxconn).
  if (listen_fd_ >= 0) ::listen(listen_fd_, 4096);
  if (!front_) return port;
  front_->set_backend_port(port);
  return front_->bind();
}

void HttpServer::serve() {
  if (!front_) {
    server_->listen_after_bind();
    return;
  }
  std::atomic<bool> pool_done{false};
  std::thread pool([&] {
    server_->listen_after_bind();
    pool_done = true;
  });
  front_->run();  // returns once stop() was called and the front drained
  // stop() may have come before the pool started listening, when stopping it did nothing yet.
  while (!pool_done && !server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  server_->stop();
  pool.join();
}

void HttpServer::stop() {
  // Both at once: tunnelled connections end when the pool closes them, which the front waits for.
  if (front_) front_->stop();
  server_->stop();
}

}  // namespace tp
