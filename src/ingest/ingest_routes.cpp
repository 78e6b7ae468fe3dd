#include "ingest/ingest_routes.h"

#include "ingest/segment_adapter.h"
#include "model/interaction_json.h"

namespace tp {

IngestHandler::IngestHandler(IngestService& ingest, const SourceAuthenticator& auth,
                             const std::function<EventTranslator(EventTranslator)>& wrap)
    : ingest_(ingest), auth_(auth) {
  auto add = [&](std::string path, std::string kind, std::string type, EventTranslator t) {
    if (wrap) t = wrap(std::move(t));
    routes_.push_back({std::move(path), std::move(kind), std::move(type), std::move(t)});
  };
  add("/v1/events", "native", "", [](const nlohmann::json& e, int64_t now, FieldErrors& errors) {
    return interaction_from_json(e, now, errors);
  });
  // Segment's HTTP Tracking API: per-type routes, plus /v1/batch and /v1/import with mixed types.
  for (const std::string type : {"track", "page", "screen", "identify", "alias", ""}) {
    auto translate = [type](const nlohmann::json& e, int64_t now, FieldErrors& errors) {
      return segment_to_interaction(e, type, now, errors);
    };
    if (type.empty()) {
      add("/v1/batch", "segment", type, translate);
      add("/v1/import", "segment", type, translate);
    } else {
      add("/v1/" + type, "segment", type, translate);
    }
  }
}

const IngestRoute* IngestHandler::find(std::string_view path) const {
  for (const auto& r : routes_)
    if (r.path == path) return &r;
  return nullptr;
}

const SourceConfig* IngestHandler::authenticate(const IngestRoute& route,
                                                const Credentials& credentials) const {
  return auth_.authenticate(route.kind, credentials);
}

IngestReply IngestHandler::handle(const IngestRoute& route, const std::string& source, std::string_view raw,
                                  const EventBody& events, int64_t received_ms) {
  if (!events.ok()) return ingest_.reject_body(source, raw, events.field, events.error, received_ms);
  return ingest_.ingest(source, events.events, route.translate, received_ms);
}

void IngestHandler::handle_async(const IngestRoute& route, const std::string& source, std::string_view raw,
                                 const EventBody& events, int64_t received_ms,
                                 IngestService::ReplyCallback done) {
  if (!events.ok())
    return ingest_.reject_body_async(source, raw, events.field, events.error, received_ms, std::move(done));
  ingest_.ingest_async(source, events.events, route.translate, received_ms, std::move(done));
}

}  // namespace tp
