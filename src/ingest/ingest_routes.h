// The ingest routes (the native /v1/events and Segment's tracking API) independent of the HTTP code
// that carries them: which paths exist, which source a request's credentials name, and how its body
// becomes a reply. ingest_http.h puts it on the HTTP layer.
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/event_body.h"
#include "ingest/ingest_service.h"
#include "ingest/source_auth.h"

namespace tp {

struct IngestRoute {
  std::string path;  // "/v1/events", "/v1/track", ...
  std::string kind;  // source kind: "native" or "segment"
  std::string type;  // Segment type implied by the route ("track"); empty when each event says
  EventTranslator translate;
};

class IngestHandler {
 public:
  // `wrap` (optional) wraps every route's translator, e.g. to check preset tags against the journey.
  IngestHandler(IngestService& ingest, const SourceAuthenticator& auth,
                const std::function<EventTranslator(EventTranslator)>& wrap = {});

  const std::vector<IngestRoute>& routes() const { return routes_; }
  const IngestRoute* find(std::string_view path) const;
  // nullptr: not accepted (401, or for Segment a write key that may be in the body).
  const SourceConfig* authenticate(const IngestRoute& route, const Credentials& credentials) const;

  // An authenticated body, parsed: stores its events (or dead-letters an unreadable body) and says
  // what happened. The sync form blocks until the commit; the async one calls `done` after it.
  IngestReply handle(const IngestRoute& route, const std::string& source, std::string_view raw,
                     const EventBody& events, int64_t received_ms);
  void handle_async(const IngestRoute& route, const std::string& source, std::string_view raw,
                    const EventBody& events, int64_t received_ms, IngestService::ReplyCallback done);
  IngestService& service() const { return ingest_; }

 private:
  IngestService& ingest_;
  const SourceAuthenticator& auth_;
  std::vector<IngestRoute> routes_;
};

}  // namespace tp
