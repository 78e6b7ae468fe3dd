#include <spdlog/spdlog.h>

#include "app/erasure.h"
#include "app/http_options.h"
#include "app/rule_reload.h"
#include "app/steps/steps.h"
#include "ingest/ingest_http.h"
#include "model/privacy/pseudonyms.h"
#include "web/admin_routes.h"
#include "web/conversation_routes.h"
#include "web/dashboard_route.h"
#include "web/map_routes.h"
#include "web/read_routes.h"
#include "web/stream_route.h"

namespace tp {

void add_routes(DaemonState& d) {
  const Config& c = d.config;
  const IngestHttpOptions ingest_http{c.ingest.commit_timeout_ms};
  d.ingest_routes = std::make_unique<IngestHandler>(*d.ingest, *d.auth, d.ingest_check);
  add_ingest_routes(d.router, *d.ingest_routes, ingest_http);
  add_webhook_route(d.router, *d.ingest, d.webhooks, ingest_http,
                    &d.metrics.counter("touchpoint_webhook_verification_failures_total",
                                       "Webhook requests refused by verification, by source.", {"source"}));
  add_admin_routes(d.router, {c.server.admin_token, [&d] { return reload_rules(d); },
                              [&d](const std::string& id) { return erase_customer(d, id); }});
  add_map_routes(d.router, {d.journey, *d.map, *d.faq, c.server.read_token});
  add_conversation_routes(d.router, {d.journey, *d.conversations, *d.store, c.server.read_token,
                                     [f = d.faq.get()](uint32_t id) { return f->cluster_members(id); },
                                     [f = d.faq.get()](uint32_t id) { return f->canonical_cluster(id); }});
  add_stream_route(d.router, {d.changes, c.server.read_token, static_cast<int>(c.server.max_streams)});
  add_dashboard_routes(d.router);
  add_read_routes(d.router,
                  {*d.store, d.metrics, c.server.read_token,
                   [&d] { return !d.writer->last_commit_failed() && d.store->writable(); },
                   [key = c.privacy.pseudonym_key](const std::string& id) { return stored_id(id, key); }});
}

void listen(DaemonState& d) {
  auto& requests_total = d.metrics.counter("touchpoint_http_requests_total",
                                           "HTTP requests by route and status.", {"route", "status"});
  d.http = std::make_unique<http::Server>(http_options(d.config), d.router,
                                          [&requests_total](std::string_view route, int status) {
                                            requests_total.inc({std::string(route), std::to_string(status)});
                                          });
  publish_http_metrics(d.metrics, *d.http);
  d.port = d.http->bind();
  for (const auto& s : d.config.sources) {
    if (s.kind == "webhook") {
      auto w = d.webhooks.find(s.name);
      if (w != d.webhooks.end() && w->second.verifier->kind() == VerificationKind::None)
        spdlog::warn("webhook source '{}' is not verified (fine on loopback only)", s.name);
    } else if (s.auth == AuthType::None) {
      spdlog::warn("source '{}' accepts events without credentials (fine on loopback only)", s.name);
    }
  }
}

}  // namespace tp
