#include <spdlog/spdlog.h>

#include <chrono>

#include "analytics/interaction_feed.h"
#include "analytics/snapshot.h"
#include "app/plugins.h"
#include "app/rule_files.h"
#include "app/steps/steps.h"
#include "engine/tagger.h"

namespace tp {
namespace {

// The map, FAQ and drill-down aggregates are saved every engine.analytics_snapshot_s and at stop; a start
// loads them and replays only what was tagged after.
SnapshotHooks snapshot_hooks(DaemonState& d) {
  SnapshotHooks hooks;
  hooks.interval = std::chrono::seconds(d.config.engine.analytics_snapshot_s);
  hooks.load = [&d]() -> std::optional<SnapshotMark> {
    const std::optional<std::string> bytes = d.store->load_snapshot();
    if (!bytes) return std::nullopt;
    auto mark = decode_snapshot(*bytes, *d.map, *d.faq, d.conversations.get());
    if (!mark) spdlog::warn("map: the saved snapshot is unreadable (damaged or another journey); rebuilding");
    return mark;
  };
  hooks.save = [&d](const SnapshotMark& mark) {
    const auto started = std::chrono::steady_clock::now();
    const std::string bytes = encode_snapshot(*d.map, *d.faq, mark, d.conversations.get());
    d.store->save_snapshot(bytes);
    spdlog::info(
        "map: snapshot saved ({} KiB, through interaction {}, {} ms)", bytes.size() / 1024, mark.fed_through,
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
            .count());
  };
  hooks.drop = [&d] { d.store->drop_snapshot(); };
  return hooks;
}

}  // namespace

void start_tagging(DaemonState& d) {
  const EngineConfig& engine = d.config.engine;
  auto& tagged =
      d.metrics.counter("touchpoint_tagged_total", "Interactions tagged, by rule-set version.", {"version"});
  PipelineOptions options;
  options.max_queue = engine.tagging_queue;
  d.pipeline = std::make_unique<TaggingPipeline>(
      *d.store, *d.writer,
      std::make_shared<Tagger>(d.rules, d.journey, signal_options(engine), plugin_hook(d.plugins)), options,
      &tagged);
  d.map = std::make_unique<JourneyMap>(d.journey);
  d.faq = std::make_unique<FaqSummary>(d.journey);
  d.conversations = std::make_unique<ConversationIndex>(d.journey);
  if (engine.analytics) {
    const AnalyticsSinks sinks{*d.map, *d.faq, *d.conversations, d.changes};
    d.pipeline->set_listeners([sinks](int64_t seq, const Interaction& in, const std::string& customer,
                                      const TagSet& tags) { feed_analytics(sinks, seq, in, customer, tags); },
                              [sinks](const std::string& alias, const std::string& customer) {
                                sinks.map.link(alias, customer);
                                sinks.faq.link(alias, customer);
                                sinks.conversations.link(alias, customer);
                              },
                              [sinks] {
                                sinks.map.clear();
                                sinks.faq.clear();
                                sinks.conversations.clear();
                              });
    if (engine.analytics_snapshot_s > 0) d.pipeline->set_snapshots(snapshot_hooks(d));
  }
  d.writer->set_commit_listener([p = d.pipeline.get()](WriteBatch& batch, const BatchCounts& counts) {
    p->on_committed(batch, counts);
  });
  d.metrics.gauge("touchpoint_tagging_backlog", "Stored interactions waiting to be tagged.",
                  [p = d.pipeline.get()] { return static_cast<double>(p->backlog()); });
  d.pipeline->start();
}

}  // namespace tp
