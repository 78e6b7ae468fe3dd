// The ingest routes on the HTTP layer: POST /v1/events and Segment's tracking API, answered on the
// event loops (credentials checked from the head, before the body is read; the answer written once the
// group commit reports). Webhooks are in webhook_route.h.
#pragma once
#include "http/message.h"
#include "http/router.h"
#include "ingest/ingest_routes.h"

namespace tp {

struct IngestHttpOptions {
  int commit_timeout_ms = 10000;  // no commit by then: 503 (the events may still land: re-sent, deduplicated)
};

void add_ingest_routes(http::Router& router, IngestHandler& handler, const IngestHttpOptions& options);

// An ingest outcome as an HTTP answer (Retry-After on 429/503).
http::Response ingest_response(const IngestReply& reply);

// What a request gets when its commit did not come within the commit timeout.
http::RouteOptions commit_timeout(const IngestService& ingest, int commit_timeout_ms);

}  // namespace tp
