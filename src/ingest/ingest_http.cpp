#include "ingest/ingest_http.h"

#include <memory>

#include "http/credentials.h"
#include "http/replies.h"
#include "ingest/event_body.h"

namespace tp {

using json = nlohmann::json;

http::Response ingest_response(const IngestReply& reply) {
  http::Response res;
  if (reply.retry_after_s > 0) res.set_header("Retry-After", std::to_string(reply.retry_after_s));
  http::send_json(res, reply.status, reply.body);
  return res;
}

http::RouteOptions commit_timeout(const IngestService& ingest, int commit_timeout_ms) {
  http::RouteOptions o;
  o.reply_timeout_ms = commit_timeout_ms;
  o.on_timeout = [&ingest] {
    return ingest_response(
        ingest.failure_reply({SubmitStatus::TimedOut, {}, "storage did not commit in time"}));
  };
  return o;
}

namespace {

void refuse_credentials(http::Response& res, const IngestRoute& route, bool presented) {
  res.set_header("WWW-Authenticate", route.kind == "segment" ? "Basic realm=\"touchpoint\"" : "Bearer");
  http::send_error(res, 401, "Authorization",
                   presented ? "credentials not accepted" : "credentials required");
}

}  // namespace

void add_ingest_routes(http::Router& router, IngestHandler& handler, const IngestHttpOptions& options) {
  for (const IngestRoute& route : handler.routes()) {
    http::RouteOptions o = commit_timeout(handler.service(), options.commit_timeout_ms);
    // Refused credentials are answered before a body byte is read, except where a Segment SDK may have
    // put its write key in the body (no Authorization header at all).
    o.before_body = [&handler, &route](const http::Request& req, http::Response& res) {
      const Credentials creds = parse_authorization(req.header("Authorization").value_or(""));
      if (handler.authenticate(route, creds) || (route.kind == "segment" && !creds.present)) return true;
      refuse_credentials(res, route, creds.present);
      return false;
    };
    router.post_async(
        route.path,
        [&handler, &route](http::Request& req, http::Reply reply) {
          Credentials creds = parse_authorization(req.header("Authorization").value_or(""));
          const SourceConfig* source = handler.authenticate(route, creds);
          const EventBody events = parse_event_body(req.body);
          if (!source) {
            // Only a Segment request without an Authorization header gets here: the key in the body.
            const json* key = events.ok() && events.doc.is_object() && events.doc.contains("writeKey")
                                  ? &events.doc["writeKey"]
                                  : nullptr;
            if (key && key->is_string()) {
              creds.basic = true;
              creds.basic_user = key->get<std::string>();
              source = handler.authenticate(route, creds);
            }
            if (!source) {
              http::Response res;
              refuse_credentials(res, route, false);
              return reply.send(std::move(res));
            }
          }
          // The events are translated (copied out of the body) before handle_async returns; the reply
          // travels to the writer thread, which answers after the commit.
          auto shared = std::make_shared<http::Reply>(std::move(reply));
          handler.handle_async(route, source->name, req.body, events, req.received_ms,
                               [shared](IngestReply r) { shared->send(ingest_response(r)); });
        },
        std::move(o));
  }
}

}  // namespace tp
