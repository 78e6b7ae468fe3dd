#include "app/daemon.h"

#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>
#include <thread>

#include "app/startup.h"
#include "ingest/http_server.h"
#include "ingest/ingest_service.h"
#include "ingest/source_auth.h"
#include "model/journey.h"
#include "store/backends.h"
#include "store/group_commit_writer.h"
#include "util/metrics.h"
#include "web/read_routes.h"

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
  explicit SignalWatcher(std::function<void()> on_stop) : on_stop_(std::move(on_stop)) {
    thread_ = std::thread([this] { loop(); });
  }
  ~SignalWatcher() {
    done_ = true;
    thread_.join();
  }

 private:
  void loop() {
    const sigset_t set = shutdown_signals();
    const timespec tick{0, 200 * 1000 * 1000};
    while (!done_) {
      const int sig = sigtimedwait(&set, nullptr, &tick);
      if (sig == SIGTERM || sig == SIGINT) {
        spdlog::info("received {}: stopping intake, draining the queue", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        on_stop_();
        return;
      }
      if (sig == SIGHUP) spdlog::info("received SIGHUP: nothing to reload in this version");
    }
  }
  std::function<void()> on_stop_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace

int run_daemon(const Config& config) {
  // Block the signals before any thread exists, so every thread inherits the mask and only the
  // watcher receives them.
  const sigset_t set = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  if (!is_loopback_host(config.server.host) && accepts_unauthenticated(config) && !config.server.allow_unauthenticated) {
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
  std::unique_ptr<HttpServer> http;
  int port = 0;

  StartupSequence startup;
  startup
      .add("load journey",
           [&] {
             if (config.journey_path.empty()) return;
             auto load = load_journey_file(config.journey_path);
             if (!load.ok()) {
               std::string all;
               for (const auto& p : load.problems) all += "\n  " + config.journey_path + ":" + p.path + ": " + p.message;
               throw std::runtime_error("journey has problems:" + all);
             }
             journey = std::move(load.journey);
             spdlog::info("journey: {} stages, {} touchpoints, {} personas", journey.stages.size(),
                          journey.touchpoints.size(), journey.personas.size());
           })
      .add("open storage",
           [&] {
             store = open_store(config.storage);
             spdlog::info("storage: {} at {}", config.storage.backend, config.storage.sqlite_path);
           },
           [&] { store.reset(); })
      .add("start group-commit writer",
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
             metrics.gauge("touchpoint_ingest_committing", "Events and dead letters in the transaction being committed.",
                           [&] { return static_cast<double>(writer->committing()); });
             metrics.gauge("touchpoint_commit_transactions", "Group-commit transactions so far.",
                           [&] { return static_cast<double>(writer->transactions()); });
           },
           // Drains: everything queued is committed before the writer stops.
           [&] { writer->stop(); })
      .add("build ingest",
           [&] {
             auto& events_total = metrics.counter("touchpoint_events_total",
                                                  "Events by source and outcome (accepted, duplicate, rejected).",
                                                  {"source", "outcome"});
             IngestLimits limits;
             limits.max_event_bytes = config.server.max_event_bytes;
             limits.dead_letter_raw_bytes = config.ingest.dead_letter_raw_bytes;
             limits.retry_after_s = config.ingest.retry_after_s;
             ingest = std::make_unique<IngestService>(*writer, limits, &events_total);
             auth = std::make_unique<SourceAuthenticator>(config.sources);
           })
      .add("listen",
           [&] {
             http = std::make_unique<HttpServer>(config.server, metrics);
             http->add_ingest_routes(*ingest, *auth, config.server.max_body_bytes);
             add_read_routes(http->routes(),
                             {*store, metrics, config.server.read_token,
                              [&] { return !writer->last_commit_failed() && store->writable(); }});
             port = http->bind();
             for (const auto& s : config.sources)
               if (s.auth == AuthType::None)
                 spdlog::warn("source '{}' accepts events without credentials (fine on loopback only)", s.name);
           },
           [&] { http->stop(); });

  try {
    startup.run();
  } catch (const std::exception& e) {
    spdlog::critical("startup failed: {}", e.what());
    return 1;
  }

  const std::string host = config.server.host.find(':') != std::string::npos ? "[" + config.server.host + "]"
                                                                               : config.server.host;
  spdlog::info("touchpointd listening on http://{}:{}", host, port);
  {
    SignalWatcher signals([&] { http->stop(); });
    http->serve();  // returns after stop(), once in-flight requests are answered
  }
  startup.teardown();  // stops the writer after draining, then closes storage
  spdlog::info("touchpointd stopped cleanly");
  return 0;
}

}  // namespace tp
