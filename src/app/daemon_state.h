// Everything the running daemon holds, in one place: what the start-up steps (app/steps/) build, what
// erasure and rule reloads act on, and what shutdown tears down. Members are destroyed in reverse order,
// so the HTTP server goes before the routes and services it calls.
#pragma once
#include <functional>
#include <memory>
#include <mutex>

#include "analytics/change_feed.h"
#include "analytics/conversations.h"
#include "analytics/faq.h"
#include "analytics/journey_map.h"
#include "app/config.h"
#include "app/tagging_pipeline.h"
#include "engine/plugin_host.h"
#include "engine/rule_set.h"
#include "http/router.h"
#include "http/server.h"
#include "ingest/ingest_routes.h"
#include "ingest/ingest_service.h"
#include "ingest/source_auth.h"
#include "ingest/webhook_route.h"
#include "model/journey.h"
#include "model/privacy/suppression_list.h"
#include "store/group_commit_writer.h"
#include "store/store.h"
#include "util/metrics.h"

namespace tp {

struct DaemonState {
  explicit DaemonState(const Config& c)
      : config(c),
        rule_reloads(
            metrics.counter("touchpoint_rule_reloads_total", "Rule reloads by outcome.", {"outcome"})) {}
  const Config& config;
  MetricsRegistry metrics;
  CounterFamily& rule_reloads;
  Journey journey;
  std::shared_ptr<const RuleSet> rules;
  std::shared_ptr<PluginHost> plugins;
  std::unique_ptr<Store> store;
  std::unique_ptr<GroupCommitWriter> writer;
  std::unique_ptr<JourneyMap> map;
  std::unique_ptr<FaqSummary> faq;
  std::unique_ptr<ConversationIndex> conversations;
  ChangeFeed changes;
  std::unique_ptr<TaggingPipeline> pipeline;
  SuppressionList suppressed;
  std::unique_ptr<IngestService> ingest;
  std::function<EventTranslator(EventTranslator)> ingest_check;
  WebhookSources webhooks;
  std::unique_ptr<SourceAuthenticator> auth;
  std::unique_ptr<IngestHandler> ingest_routes;
  http::Router router;
  std::unique_ptr<http::Server> http;
  std::mutex reload_mu;  // one rule reload at a time
  int port = 0;
};

}  // namespace tp
