#include "app/daemon.h"

#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>
#include <thread>

#include "analytics/change_feed.h"
#include "analytics/conversations.h"
#include "analytics/faq.h"
#include "analytics/journey_map.h"
#include "analytics/snapshot.h"
#include "app/http_options.h"
#include "app/plugins.h"
#include "app/rule_files.h"
#include "app/startup.h"
#include "app/tagging_pipeline.h"
#include "app/webhook_sources.h"
#include "engine/tagger.h"
#include "http/router.h"
#include "http/server.h"
#include "ingest/ingest_http.h"
#include "ingest/ingest_routes.h"
#include "ingest/ingest_service.h"
#include "ingest/source_auth.h"
#include "model/journey.h"
#include "model/redaction.h"
#include "store/backends.h"
#include "store/group_commit_writer.h"
#include "util/metrics.h"
#include "util/thread_name.h"
#include "util/time.h"
#include "web/admin_routes.h"
#include "web/conversation_routes.h"
#include "web/dashboard_route.h"
#include "web/map_routes.h"
#include "web/read_routes.h"
#include "web/stream_route.h"

namespace tp {
namespace {

sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

// Waits for signals on its own thread (they are blocked everywhere else) and turns SIGTERM/SIGINT into
// an orderly stop of the HTTP server.
class SignalWatcher {
 public:
  SignalWatcher(std::function<void()> on_stop, std::function<void()> on_reload)
      : on_stop_(std::move(on_stop)), on_reload_(std::move(on_reload)) {
    thread_ = std::thread([this] {
      name_current_thread("tp-signals");
      loop();
    });
  }
  ~SignalWatcher() {
    done_ = true;
    thread_.join();
  }

 private:
  void loop() {
    const sigset_t set = shutdown_signals();
    const timespec tick{0, 200L * 1000 * 1000};
    while (!done_) {
      const int sig = sigtimedwait(&set, nullptr, &tick);
      if (sig == SIGTERM || sig == SIGINT) {
        spdlog::info("received {}: stopping intake, draining the queue",
                     sig == SIGTERM ? "SIGTERM" : "SIGINT");
        on_stop_();
        return;
      }
      if (sig == SIGHUP) {
        spdlog::info("received SIGHUP: reloading the rules");
        on_reload_();
      }
    }
  }
  std::function<void()> on_stop_;
  std::function<void()> on_reload_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// Preset tags must name ids of the journey: an unknown one is the sender's error, not a new stage.
EventTranslator with_preset_check(EventTranslator inner, const Journey& journey) {
  return [inner = std::move(inner), &journey](const nlohmann::json& e, int64_t now, FieldErrors& errors) {
    auto in = inner(e, now, errors);
    if (!in || journey.stages.empty()) return in;
    const Tags& t = in->preset_tags;
    if (!t.stage.empty() && journey.stage_index(t.stage) < 0)
      errors.push_back({"tags.stage", "unknown stage id (not in the journey)"});
    if (!t.persona.empty() && !journey.has_persona(t.persona))
      errors.push_back({"tags.persona", "unknown persona id (not in the journey)"});
    if (!t.touchpoint.empty() && !journey.has_touchpoint(t.touchpoint))
      errors.push_back({"tags.touchpoint", "unknown touchpoint id (not in the journey)"});
    if (!errors.empty()) return std::optional<Interaction>();
    return in;
  };
}

// The conversation an interaction belongs to: its session, else its customer.
std::string conversation_of(const Interaction& in, const std::string& customer) {
  if (!in.session_id.empty()) return "s:" + in.session_id;
  return customer.empty() ? std::string() : "c:" + customer;
}

// A customer's question: their own words in a conversation.
bool is_customer_question(const Interaction& in) {
  if (in.text.empty() || in.type == EventType::Feedback || in.type == EventType::Handoff)
    return false;  // outcomes
  return in.role == Role::User || (in.role == Role::None && in.type == EventType::Message);
}

QuestionRecord question_record(const Interaction& in, const std::string& customer, const TagSet& tags) {
  QuestionRecord q;
  q.ts_ms = in.timestamp_ms;
  q.customer = customer;
  q.persona = tags.persona;
  q.stage = tags.stage;
  q.touchpoint = tags.touchpoint;
  q.intent = in.intent;
  q.fallback = in.fallback.value_or(false);
  q.unanswered = tags.has_pain(pain::kUnanswered);
  q.escalated = tags.has_pain(pain::kEscalated);
  q.negative = tags.has_pain(pain::kNegative);
  q.rating = in.rating;
  q.text = in.text;
  q.conversation = conversation_of(in, customer);
  return q;
}

// A later turn that tells what became of the conversation's last question (see QuestionOutcome).
QuestionOutcome question_outcome(const Interaction& in, const std::string& customer, const TagSet& tags) {
  QuestionOutcome o;
  o.ts_ms = in.timestamp_ms;
  o.unanswered = tags.has_pain(pain::kUnanswered);
  o.escalated =
      in.type == EventType::Handoff || in.escalated.value_or(false) || tags.has_pain(pain::kEscalated);
  o.rating = in.rating;
  // Most interactions tell nothing about a question (page views, tracks): no key to build for them.
  if (o.unanswered || o.escalated || o.rating) o.conversation = conversation_of(in, customer);
  return o;
}

}  // namespace

// One log line per diagnostic (log lines are single lines; the snippet is for terminals).
void log_diagnostics(const RuleLoad& load) {
  for (const auto& d : load.diagnostics) {
    if (d.severity == RuleDiagnostic::Severity::Error)
      spdlog::error("rules: {}", format_diagnostic(d, false));
    else
      spdlog::warn("rules: {}", format_diagnostic(d, false));
  }
}

int run_daemon(const Config& config) {
  // Block the signals before any thread exists, so every thread inherits the mask and only the
  // watcher receives them.
  const sigset_t set = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  if (!is_loopback_host(config.server.host) && accepts_unauthenticated(config) &&
      !config.server.allow_unauthenticated) {
    spdlog::critical(
        "refusing to listen on {} without credentials: set auth on every source and server.read_token, or "
        "server.allow_unauthenticated (--allow-unauthenticated) if this is really wanted",
        config.server.host);
    return 2;
  }

  MetricsRegistry metrics;
  Journey journey;
  std::unique_ptr<Store> store;
  std::unique_ptr<GroupCommitWriter> writer;
  std::unique_ptr<SourceAuthenticator> auth;
  std::unique_ptr<IngestService> ingest;
  std::function<EventTranslator(EventTranslator)> ingest_check;
  WebhookSources webhooks;
  SuppressionList suppressed;
  http::Router router;
  std::unique_ptr<IngestHandler> ingest_routes;
  std::unique_ptr<http::Server> http;
  std::unique_ptr<TaggingPipeline> pipeline;
  std::unique_ptr<JourneyMap> map;
  std::unique_ptr<FaqSummary> faq;
  std::unique_ptr<ConversationIndex> conversations;
  ChangeFeed changes;
  std::shared_ptr<const RuleSet> rules;
  std::shared_ptr<PluginHost> plugins;
  std::mutex reload_mu;
  int port = 0;

  auto& reloads = metrics.counter("touchpoint_rule_reloads_total", "Rule reloads by outcome.", {"outcome"});
  // Right to erasure: delete, make it unrecoverable from the files, rebuild what was derived.
  auto erase = [&](const std::string& id) -> ErasureOutcome {
    const std::string key = stored_id(id, config.privacy.pseudonym_key);
    WriteBatch batch;
    batch.internal = true;
    batch.source = "erasure";
    batch.received_ms = now_unix_ms();
    batch.erase_customers = {key};
    if (key != id) batch.erase_mentions = {id};
    batch.suppress_erased = true;
    const SubmitResult r = writer->submit(std::move(batch));
    if (r.status != SubmitStatus::Committed)
      return {503, 0, false, "storage could not commit the erasure; retry"};
    ErasureOutcome out;
    out.erased = r.counts.erased;
    // Later events under the id or any alias it had are dropped.
    for (const std::string& hash : r.counts.suppressed) suppressed.add(hash);
    out.purged = store->purge_deleted();
    pipeline->request_rebuild();  // also removes the saved map snapshot, which holds the customer's key
    // The id itself is personal data: the log says what was done, not to whom.
    spdlog::info("erasure: {} interactions erased{}", out.erased,
                 out.purged ? "" : " (write-ahead log still in use; purged later)");
    return out;
  };
  // Compiles the rule packs again; the new set replaces the old one only when it has no error.
  auto reload = [&]() -> ReloadOutcome {
    std::lock_guard lock(reload_mu);
    ReloadOutcome out;
    RuleLoad load = load_rules(config.engine.rules, config.engine.rules_explicit, journey);
    out.diagnostics = load.diagnostics;
    if (!load.ok()) {
      reloads.inc({"refused"});
      spdlog::error("rule reload refused, the running rules stay ({} errors)", load.errors());
      log_diagnostics(load);
      return out;
    }
    log_diagnostics(load);
    out.ok = true;
    out.version = load.rules->version();
    out.rules = load.rules->rule_count();
    pipeline->replace_tagger(
        std::make_shared<Tagger>(load.rules, journey, signal_options(config.engine), plugin_hook(plugins)));
    reloads.inc({"applied"});
    spdlog::info("rules reloaded: {} rules, version {}", out.rules, out.version);
    return out;
  };

  StartupSequence startup;
  startup
      .add("load journey",
           [&] {
             if (config.journey_path.empty()) return;
             auto load = load_journey_file(config.journey_path);
             if (!load.ok()) {
               std::string all;
               for (const auto& p : load.problems)
                 all += "\n  " + config.journey_path + ":" + p.path + ": " + p.message;
               throw std::runtime_error("journey has problems:" + all);
             }
             journey = std::move(load.journey);
             spdlog::info("journey: {} stages, {} touchpoints, {} personas", journey.stages.size(),
                          journey.touchpoints.size(), journey.personas.size());
           })
      .add("load rules",
           [&] {
             RuleLoad load = load_rules(config.engine.rules, config.engine.rules_explicit, journey);
             log_diagnostics(load);
             if (!load.ok())
               throw std::runtime_error("the rule packs have " + std::to_string(load.errors()) +
                                        (load.errors() == 1 ? " error" : " errors") +
                                        " (listed above; `touchpointd rules check` shows them with context)");
             rules = load.rules;
             spdlog::info("rules: {} rules, version {}", rules->rule_count(), rules->version());
           })
      .add(
          "load plugins",
          [&] {
            std::vector<std::string> errors;
            plugins = load_plugins(config.engine, journey, errors);
            for (const auto& e : errors) spdlog::error("plugins: {}", e);
            if (!errors.empty()) throw std::runtime_error("plugins could not be loaded (listed above)");
            publish_plugin_metrics(metrics, plugins);
          },
          [&] { plugins.reset(); })
      .add(
          "open storage",
          [&] {
            StorageConfig storage = config.storage;
            storage.on_migration = [](int from_version, int version, std::string_view description) {
              spdlog::info(
                  "storage: upgrading the schema from version {} to {} ({}); on a large database this "
                  "can take a minute",
                  from_version, version, description);
            };
            store = open_store(storage);
            spdlog::info("storage: {} at {}", config.storage.backend, config.storage.sqlite_path);
          },
          [&] { store.reset(); })
      .add(
          "start group-commit writer",
          [&] {
            auto& commit_seconds = metrics.histogram(
                "touchpoint_commit_seconds", "Time to commit one group of requests durably.",
                {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5});
            WriterOptions options;
            options.queue_capacity = config.ingest.queue_capacity;
            options.max_group = config.ingest.max_group;
            options.commit_timeout = std::chrono::milliseconds(config.ingest.commit_timeout_ms);
            writer = std::make_unique<GroupCommitWriter>(*store, options, &commit_seconds);
            metrics.gauge("touchpoint_ingest_queue_depth", "Events and dead letters waiting to be committed.",
                          [&] { return static_cast<double>(writer->queued()); });
            metrics.gauge("touchpoint_ingest_committing",
                          "Events and dead letters in the transaction being committed.",
                          [&] { return static_cast<double>(writer->committing()); });
            metrics.gauge("touchpoint_commit_transactions", "Group-commit transactions so far.",
                          [&] { return static_cast<double>(writer->transactions()); });
          },
          // Drains: everything queued is committed before the writer stops.
          [&] { writer->stop(); })
      .add(
          "start tagging",
          [&] {
            auto& tagged = metrics.counter("touchpoint_tagged_total",
                                           "Interactions tagged, by rule-set version.", {"version"});
            PipelineOptions options;
            options.max_queue = config.engine.tagging_queue;
            pipeline = std::make_unique<TaggingPipeline>(
                *store, *writer,
                std::make_shared<Tagger>(rules, journey, signal_options(config.engine), plugin_hook(plugins)),
                options, &tagged);
            map = std::make_unique<JourneyMap>(journey);
            faq = std::make_unique<FaqSummary>(journey);
            conversations = std::make_unique<ConversationIndex>(journey);
            if (config.engine.analytics)
              pipeline->set_listeners(
                  [m = map.get(), f = faq.get(), cv = conversations.get(), &changes](
                      int64_t seq, const Interaction& in, const std::string& customer, const TagSet& tags) {
                    m->add({in.timestamp_ms, customer, tags.persona, tags.stage, tags.touchpoint,
                            tags.sentiment, tags.pain});
                    std::optional<uint32_t> cluster, question;
                    if (is_customer_question(in))
                      cluster = question = f->add(question_record(in, customer, tags));
                    else
                      cluster = f->outcome(question_outcome(in, customer, tags));
                    cv->add({seq, in.timestamp_ms, customer, in.session_id, tags.persona, tags.stage,
                             tags.touchpoint, tags.pain, question});
                    changes.record(tags.stage, tags.touchpoint, cluster);
                  },
                  [m = map.get(), f = faq.get(), cv = conversations.get()](const std::string& alias,
                                                                           const std::string& customer) {
                    m->link(alias, customer);
                    f->link(alias, customer);
                    cv->link(alias, customer);
                  },
                  [m = map.get(), f = faq.get(), cv = conversations.get()] {
                    m->clear();
                    f->clear();
                    cv->clear();
                  });
            if (config.engine.analytics && config.engine.analytics_snapshot_s > 0) {
              SnapshotHooks hooks;
              hooks.interval = std::chrono::seconds(config.engine.analytics_snapshot_s);
              hooks.load = [&]() -> std::optional<SnapshotMark> {
                const std::optional<std::string> bytes = store->load_snapshot();
                if (!bytes) return std::nullopt;
                auto mark = decode_snapshot(*bytes, *map, *faq, conversations.get());
                if (!mark)
                  spdlog::warn(
                      "map: the saved snapshot is unreadable (damaged or another journey); rebuilding");
                return mark;
              };
              hooks.save = [&](const SnapshotMark& mark) {
                const auto started = std::chrono::steady_clock::now();
                const std::string bytes = encode_snapshot(*map, *faq, mark, conversations.get());
                store->save_snapshot(bytes);
                spdlog::info("map: snapshot saved ({} KiB, through interaction {}, {} ms)",
                             bytes.size() / 1024, mark.fed_through,
                             std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now() - started)
                                 .count());
              };
              hooks.drop = [&] { store->drop_snapshot(); };
              pipeline->set_snapshots(std::move(hooks));
            }
            writer->set_commit_listener([p = pipeline.get()](WriteBatch& batch, const BatchCounts& counts) {
              p->on_committed(batch, counts);
            });
            metrics.gauge("touchpoint_tagging_backlog", "Stored interactions waiting to be tagged.",
                          [&] { return static_cast<double>(pipeline->backlog()); });
            pipeline->start();
          },
          // Runs before the writer stops: what is queued gets tagged and written.
          [&] { pipeline->stop(); })
      .add("build ingest",
           [&] {
             auto& events_total = metrics.counter(
                 "touchpoint_events_total", "Events by source and outcome (accepted, duplicate, rejected).",
                 {"source", "outcome"});
             IngestLimits limits;
             limits.max_event_bytes = config.server.max_event_bytes;
             limits.dead_letter_raw_bytes = config.ingest.dead_letter_raw_bytes;
             limits.retry_after_s = config.ingest.retry_after_s;
             PrivacyOptions privacy;
             privacy.redact = config.privacy.redact;
             privacy.kinds = {config.privacy.redact_emails, config.privacy.redact_phones,
                              config.privacy.redact_cards, config.privacy.redact_ibans};
             privacy.pseudonym_key = config.privacy.pseudonym_key;
             privacy.link_traits = config.identity.link_traits;
             privacy.link_properties = config.identity.link_properties;
             privacy.hashed_traits = config.identity.hashed_traits;
             for (const auto& h : store->suppressed()) suppressed.add(h);
             ingest = std::make_unique<IngestService>(*writer, limits, &events_total, privacy, &suppressed);
             std::vector<Problem> problems;
             webhooks = build_webhook_sources(config, problems);
             for (const auto& p : problems) spdlog::error("config: {}: {}", p.path, p.message);
             if (!problems.empty()) throw std::runtime_error("webhook sources have problems (listed above)");
             ingest_check = [&journey](EventTranslator t) {
               return with_preset_check(std::move(t), journey);
             };
             auth = std::make_unique<SourceAuthenticator>(config.sources);
           })
      .add(
          "listen",
          [&] {
            const IngestHttpOptions ingest_http{config.ingest.commit_timeout_ms};
            ingest_routes = std::make_unique<IngestHandler>(*ingest, *auth, ingest_check);
            add_ingest_routes(router, *ingest_routes, ingest_http);
            add_webhook_route(
                router, *ingest, webhooks, ingest_http,
                &metrics.counter("touchpoint_webhook_verification_failures_total",
                                 "Webhook requests refused by verification, by source.", {"source"}));
            add_admin_routes(router, {config.server.admin_token, reload, erase});
            add_map_routes(router, {journey, *map, *faq, config.server.read_token});
            add_conversation_routes(router,
                                    {journey, *conversations, *store, config.server.read_token,
                                     [f = faq.get()](uint32_t id) { return f->cluster_members(id); },
                                     [f = faq.get()](uint32_t id) { return f->canonical_cluster(id); }});
            add_stream_route(router, {changes, config.server.read_token,
                                      static_cast<int>(config.server.max_streams)});
            add_dashboard_routes(router);
            add_read_routes(
                router,
                {*store, metrics, config.server.read_token,
                 [&] { return !writer->last_commit_failed() && store->writable(); },
                 [key = config.privacy.pseudonym_key](const std::string& id) { return stored_id(id, key); }});
            auto& requests_total =
                metrics.counter("touchpoint_http_requests_total", "HTTP requests by route and status.",
                                {"route", "status"});
            http = std::make_unique<http::Server>(
                http_options(config), router, [&requests_total](std::string_view route, int status) {
                  requests_total.inc({std::string(route), std::to_string(status)});
                });
            publish_http_metrics(metrics, *http);
            port = http->bind();
            for (const auto& s : config.sources) {
              if (s.kind == "webhook") {
                auto w = webhooks.find(s.name);
                if (w != webhooks.end() && w->second.verifier->kind() == VerificationKind::None)
                  spdlog::warn("webhook source '{}' is not verified (fine on loopback only)", s.name);
              } else if (s.auth == AuthType::None) {
                spdlog::warn("source '{}' accepts events without credentials (fine on loopback only)",
                             s.name);
              }
            }
          },
          [&] { http->stop(); });

  try {
    startup.run();
  } catch (const std::exception& e) {
    spdlog::critical("startup failed: {}", e.what());
    return 1;
  }

  const std::string host =
      config.server.host.find(':') != std::string::npos ? "[" + config.server.host + "]" : config.server.host;
  spdlog::info("touchpointd listening on http://{}:{}", host, port);
  {
    SignalWatcher signals(
        [&] {
          changes.close();  // live streams end, so the server's workers can finish
          http->stop();
        },
        [&] { reload(); });
    http->run();  // returns after stop(), once in-flight requests are answered
  }
  startup.teardown();  // stops the writer after draining, then closes storage
  spdlog::info("touchpointd stopped cleanly");
  return 0;
}

}  // namespace tp
