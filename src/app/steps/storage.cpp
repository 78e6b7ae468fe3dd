#include <spdlog/spdlog.h>

#include "app/steps/steps.h"
#include "store/backends.h"

namespace tp {

void open_storage(DaemonState& d) {
  StorageConfig storage = d.config.storage;
  storage.on_migration = [](int from_version, int version, std::string_view description) {
    spdlog::info(
        "storage: upgrading the schema from version {} to {} ({}); on a large database this can take a "
        "minute",
        from_version, version, description);
  };
  d.store = open_store(storage);
  spdlog::info("storage: {} at {}", d.config.storage.backend, d.config.storage.sqlite_path);
}

void start_writer(DaemonState& d) {
  auto& commit_seconds =
      d.metrics.histogram("touchpoint_commit_seconds", "Time to commit one group of requests durably.",
                          {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5});
  WriterOptions options;
  options.queue_capacity = d.config.ingest.queue_capacity;
  options.max_group = d.config.ingest.max_group;
  options.commit_timeout = std::chrono::milliseconds(d.config.ingest.commit_timeout_ms);
  d.writer = std::make_unique<GroupCommitWriter>(*d.store, options, &commit_seconds);
  GroupCommitWriter& writer = *d.writer;
  d.metrics.gauge("touchpoint_ingest_queue_depth", "Events and dead letters waiting to be committed.",
                  [&writer] { return static_cast<double>(writer.queued()); });
  d.metrics.gauge("touchpoint_ingest_committing",
                  "Events and dead letters in the transaction being committed.",
                  [&writer] { return static_cast<double>(writer.committing()); });
  d.metrics.gauge("touchpoint_commit_transactions", "Group-commit transactions so far.",
                  [&writer] { return static_cast<double>(writer.transactions()); });
}

}  // namespace tp
