// The daemon's HTTP front: cpp-httplib with a thread per live connection, the request-head guards,
// JSON error bodies for every error status, per-route request metrics, and the ingest routes.
// Read-side routes (src/web) are added on the same server through add_routes().
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "app/config.h"
#include "ingest/ingest_service.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace tp {

class IngestService;
class IngestHandler;
class HttpFront;
class SourceAuthenticator;
class MetricsRegistry;
class CounterFamily;

class HttpServer {
 public:
  HttpServer(const ServerConfig& config, MetricsRegistry& metrics);
  ~HttpServer();

  // Registers POST /v1/events and the Segment routes. `wrap` (optional) wraps every route's event
  // translator, e.g. to check preset tags against the journey.
  // With server.event_loops > 0 this also sets up the event-loop front (ingest/http_front.h), which
  // answers these routes' plain requests itself; `timing` gives it the commit timeout.
  void add_ingest_routes(IngestService& ingest, const SourceAuthenticator& auth, const IngestConfig& timing,
                         const std::function<EventTranslator(EventTranslator)>& wrap = {});
  // For other layers (read API, dashboard) to register their routes.
  httplib::Server& routes();

  // Binds the listening socket; returns the port (useful with port 0). Throws std::runtime_error.
  // With event loops configured, the loops take the public port and the pool a loopback one.
  int bind();
  // Serves until stop(); in-flight requests finish before it returns.
  void serve();
  void stop();

 private:
  ServerConfig config_;
  MetricsRegistry& metrics_;
  std::unique_ptr<httplib::Server> server_;
  std::unique_ptr<IngestHandler> ingest_handler_;
  std::unique_ptr<HttpFront> front_;  // null without event loops or ingest routes
  CounterFamily& requests_total_;
  int listen_fd_ = -1;  // recorded when the socket is made, so bind() can widen its backlog
};

// Marks a response after which the connection must really be closed (the rest of the request was not
// read, so it must not be parsed as another request): see connection_closer.h.
void close_after(httplib::Response& res);

// Sends a JSON reply (sets Content-Type). Used by every route so errors always carry a body.
void send_json(httplib::Response& res, int status, const std::string& body);

// Bearer-token check for read routes; answers 401 itself and returns false when the token is wrong.
bool check_read_token(const std::string& token, const httplib::Request& req, httplib::Response& res);

}  // namespace tp
