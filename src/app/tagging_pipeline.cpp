#include "app/tagging_pipeline.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "model/identity/links.h"
#include "util/metrics.h"
#include "util/thread_name.h"
#include "util/time.h"

namespace tp {

TaggingPipeline::TaggingPipeline(Store& store, GroupCommitWriter& writer,
                                 std::shared_ptr<const Tagger> tagger, PipelineOptions options,
                                 CounterFamily* tagged_total)
    : store_(store),
      writer_(writer),
      options_(options),
      tagged_total_(tagged_total),
      tagger_(std::move(tagger)) {}

TaggingPipeline::~TaggingPipeline() {
  stop();
}

void TaggingPipeline::load_memory() {
  memory_ = JourneyMemory();
  for (const auto& [alias, customer] : store_.identity_links()) memory_.add_link(alias, customer);
  for (const auto& row : store_.customer_states())
    memory_.set_customer(row.customer_id,
                         CustomerView{row.persona, row.persona_from_plugin, row.stages_reached});
}

void TaggingPipeline::start() {
  load_memory();
  thread_ = std::thread([this] {
    name_current_thread("tp-tagging");
    run();
  });
}

void TaggingPipeline::request_rebuild() {
  {
    std::lock_guard lock(mu_);
    rebuild_requested_ = true;
  }
  cv_.notify_one();
}

void TaggingPipeline::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void TaggingPipeline::on_committed(WriteBatch& batch, const BatchCounts& counts) {
  if (counts.accepted == 0) return;  // duplicates only: tagged when they were first stored
  {
    std::lock_guard lock(mu_);
    if (first_live_seq_ == 0)
      for (const int64_t seq : counts.seqs)
        if (seq != 0) {
          first_live_seq_ = seq;
          break;
        }
    if (queued_ + counts.accepted > options_.max_queue) {
      // Storage keeps them untagged; the scan finds them. The thread hears of it once, should it be
      // lingering: it is behind.
      if (overflowed_) return;
      overflowed_ = true;
    } else {
      const size_t before = queued_;
      queued_ += counts.accepted;
      queue_.push_back({batch.source, std::move(batch.events), counts.seqs, 0});
      // With work already queued the thread is busy or lingering (see PipelineOptions::linger), and a
      // lingering thread only wants to hear of a full batch: a wake-up per commit would cost what
      // lingering saves.
      const bool filled = before < options_.batch && queued_ >= options_.batch;
      if (before != 0 && !filled) return;
    }
  }
  cv_.notify_one();
}

void TaggingPipeline::replace_tagger(std::shared_ptr<const Tagger> tagger) {
  std::lock_guard lock(mu_);
  tagger_ = std::move(tagger);
}

std::shared_ptr<const Tagger> TaggingPipeline::tagger() const {
  std::lock_guard lock(mu_);
  return tagger_;
}

size_t TaggingPipeline::backlog() const {
  std::lock_guard lock(mu_);
  return queued_;
}

// What was tagged before, in storage order after `after`, for the listeners (the map and the FAQ).
void TaggingPipeline::replay_tagged(int64_t after) {
  if (!on_tagged_) return;
  size_t total = 0;
  for (;;) {
    std::vector<StoredInteraction> rows;
    try {
      rows = store_.scan({after, 5000, /*untagged_only=*/false});
    } catch (const std::exception& e) {
      spdlog::error("tagging: cannot read tagged interactions: {}", e.what());
      return;
    }
    if (rows.empty()) break;
    for (const auto& r : rows) {
      after = r.seq;
      if (r.tag_version.empty()) continue;
      on_tagged_(r.seq, r.interaction, memory_.customer_key(r.interaction), r.tags);
      fed_through_ = std::max(fed_through_, r.seq);
      dirty_ = true;
      ++total;
    }
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
  }
  if (total > 0) spdlog::info("map: {} tagged interactions loaded from storage", total);
}

// The aggregates at start: the saved snapshot when it is current, then what was tagged after it; or,
// without a usable snapshot, every tagged interaction.
void TaggingPipeline::start_aggregates() {
  if (!on_tagged_) return;
  try {
    generation_ = store_.analytics_generation();
  } catch (const std::exception& e) {
    spdlog::error("map: cannot read the storage generation: {}", e.what());
    generation_ = -1;
  }
  int64_t after = 0;
  if (snapshots_.load && generation_ >= 0) {
    const auto started = std::chrono::steady_clock::now();
    const std::optional<SnapshotMark> mark = snapshots_.load();
    if (mark && mark->generation == generation_) {
      after = mark->fed_through;
      fed_through_ = after;
      // Links made after the snapshot: the replay below resolves customers through them, but the
      // aggregates must also merge what they counted under the alias before.
      if (on_linked_)
        for (const auto& [alias, customer] : store_.identity_links()) on_linked_(alias, customer);
      spdlog::info(
          "map: snapshot loaded in {} ms (through interaction {}); replaying what was tagged after it",
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
              .count(),
          after);
    } else {
      if (on_reset_) on_reset_();
      if (mark) {
        spdlog::info(
            "map: snapshot is stale (storage changed since: erasure or retag); rebuilding from storage");
        drop_snapshot();  // it may hold what was erased since
      }
      dirty_ = true;
    }
  }
  replay_tagged(after);
  last_save_ = std::chrono::steady_clock::now();
}

// Runs on the pipeline thread, like every save, so a save cannot write the old state back after it.
void TaggingPipeline::drop_snapshot() {
  if (!snapshots_.drop) return;
  try {
    snapshots_.drop();
  } catch (const std::exception& e) {
    spdlog::warn("map: could not remove the saved snapshot: {}", e.what());
  }
}

// Saves the aggregates when they changed and the interval passed (or `force`), and only at a moment
// when every tagged interaction up to fed_through_ is in them: not while an overflow scan is pending.
void TaggingPipeline::maybe_save(bool force) {
  if (!snapshots_.save || !dirty_ || generation_ < 0) return;
  if (!force && std::chrono::steady_clock::now() - last_save_ < snapshots_.interval) return;
  {
    std::lock_guard lock(mu_);
    if (overflowed_ || rebuild_requested_) return;  // incomplete, or about to hold erased data
  }
  last_save_ = std::chrono::steady_clock::now();
  try {
    snapshots_.save({generation_, fed_through_});
    dirty_ = false;
  } catch (const std::exception& e) {
    spdlog::warn("map: snapshot not saved ({}); the next start rebuilds more from storage", e.what());
  }
}

// Another process (`touchpointd retag` on the same database) changed what the aggregates counted: the
// generation moved on without this daemon's doing. Checked every few seconds; rebuilds like an erasure.
void TaggingPipeline::check_generation() {
  constexpr auto kEvery = std::chrono::seconds(5);
  if (!on_tagged_ || generation_ < 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_generation_check_ < kEvery) return;
  last_generation_check_ = now;
  int64_t current = 0;
  try {
    current = store_.analytics_generation();
  } catch (const std::exception&) {
    return;  // storage trouble is reported where it matters (commits)
  }
  if (current == generation_) return;
  std::lock_guard lock(mu_);
  if (rebuild_requested_) return;
  spdlog::info("map: stored tags changed under the map (a retag or an erasure); rebuilding from storage");
  rebuild_requested_ = true;
}

void TaggingPipeline::run() {
  start_aggregates();
  catch_up(/*stop_at_live=*/true);
  std::vector<Item> items;
  const auto wake = [&] { return stopping_ || !queue_.empty() || overflowed_ || rebuild_requested_; };
  const auto idle = snapshots_.save
                        ? std::min<std::chrono::seconds>(snapshots_.interval, std::chrono::seconds(5))
                        : std::chrono::seconds(5);
  last_generation_check_ = std::chrono::steady_clock::now();
  for (;;) {
    bool scan = false;
    maybe_save(/*force=*/false);
    check_generation();
    {
      std::unique_lock lock(mu_);
      if (on_tagged_) {
        if (!cv_.wait_for(lock, idle, wake)) continue;  // idle: time to save or check, maybe
      } else {
        cv_.wait(lock, wake);
      }
      // Steady traffic (the last batch was taken less than `linger` ago): wait for the rest of it.
      const auto until = last_taken_ + options_.linger;
      if (!queue_.empty() && queued_ < options_.batch && !stopping_ && !overflowed_ && !rebuild_requested_ &&
          std::chrono::steady_clock::now() < until)
        cv_.wait_until(lock, until, [&] {
          return stopping_ || overflowed_ || rebuild_requested_ || queued_ >= options_.batch;
        });
      if (rebuild_requested_) {
        rebuild_requested_ = false;
        lock.unlock();
        try {
          load_memory();
          generation_ = store_.analytics_generation();  // read before the replay: it is at least this fresh
        } catch (const std::exception& e) {
          spdlog::error("tagging: cannot reload customer memory: {}", e.what());
          generation_ = -1;  // no snapshot of an aggregate that may be incomplete
        }
        drop_snapshot();  // an erasure: the saved aggregates hold what was erased
        if (on_reset_) on_reset_();
        fed_through_ = 0;
        replay_tagged(0);
        dirty_ = true;
        maybe_save(/*force=*/true);
        continue;
      }
      if (queue_.empty() && overflowed_) {
        overflowed_ = false;
        scan = true;
      } else if (queue_.empty() && stopping_) {
        lock.unlock();
        maybe_save(/*force=*/true);
        return;
      }
      if (!queue_.empty()) last_taken_ = std::chrono::steady_clock::now();
      while (!queue_.empty() && items.size() < options_.batch) {
        Handoff& h = queue_.front();
        for (; h.next < h.events.size() && items.size() < options_.batch; ++h.next) {
          const int64_t seq = h.next < h.seqs.size() ? h.seqs[h.next] : 0;
          if (seq == 0) continue;  // a duplicate: tagged when it was first stored
          --queued_;
          // Already tagged by a scan: storage order is commit order, so everything committed before
          // the scan read its page (seq <= high water) was in that page.
          if (seq > high_water_) items.push_back({seq, h.source, std::move(h.events[h.next])});
        }
        if (h.next >= h.events.size()) queue_.pop_front();
      }
    }
    if (scan) {
      catch_up(/*stop_at_live=*/false);
      continue;
    }
    if (!items.empty()) process(items);
    items.clear();
  }
}

// Tags stored interactions that have no tags yet, in storage order. At start-up it stops where the
// live hand-over begins (those arrive through the queue); after a queue overflow it reads until no
// untagged interaction is left. Queue items at or below the high water mark are then skipped.
void TaggingPipeline::catch_up(bool stop_at_live) {
  int64_t after = high_water_;
  size_t total = 0;
  for (;;) {
    std::vector<StoredInteraction> rows;
    try {
      rows = store_.scan({after, options_.batch, /*untagged_only=*/true});
    } catch (const std::exception& e) {
      spdlog::error("tagging: cannot read untagged interactions: {}", e.what());
      return;
    }
    int64_t live = 0;
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
      live = stop_at_live ? first_live_seq_ : 0;
    }
    std::vector<Item> items;
    bool reached_live = false;
    for (auto& r : rows) {
      if (live != 0 && r.seq >= live) {
        reached_live = true;
        break;
      }
      after = r.seq;
      items.push_back({r.seq, r.source, std::move(r.interaction)});
    }
    if (!items.empty()) {
      total += items.size();
      process(items);
      high_water_ = std::max(high_water_, after);
    }
    if (reached_live || rows.size() < options_.batch) break;
  }
  if (total > 0) spdlog::info("tagging: tagged {} stored interactions that were not tagged yet", total);
}

void TaggingPipeline::process(std::vector<Item>& items) {
  const std::shared_ptr<const Tagger> tagger = this->tagger();
  WriteBatch batch;
  batch.internal = true;
  batch.source = "tagging";
  batch.received_ms = now_unix_ms();
  batch.tag_updates.reserve(items.size());
  // Only customers whose remembered state changed are written back. Rewriting every touched customer cost
  // a random page write per event under load (the table is keyed by customer id), for rows that mostly
  // had not changed.
  std::unordered_set<std::string> changed;
  std::vector<std::pair<std::string, std::string>> links;
  std::vector<std::string> keys;  // each item's resolved customer, for the listeners
  keys.reserve(items.size());
  for (const Item& item : items) {
    TagUpdate u;
    u.seq = item.seq;
    u.version = tagger->version();
    const Interaction& in = item.interaction;
    for (const std::string& alias : link_aliases(in)) links.emplace_back(alias, in.customer_id);
    bool customer_changed = false;
    try {
      u.tags = tagger->tag(item.interaction, item.source, memory_, nullptr, &customer_changed);
    } catch (const std::exception& e) {
      // Rules and plugins are guarded; this is a last resort so one interaction cannot stop tagging.
      spdlog::error("tagging: interaction {} could not be tagged: {}", item.seq, e.what());
      customer_changed = true;  // it may have changed before failing: written back to be sure
    }
    keys.push_back(memory_.customer_key(item.interaction));
    if (customer_changed && !keys.back().empty()) changed.insert(keys.back());
    batch.tag_updates.push_back(std::move(u));
  }
  for (const auto& key : changed) {
    const CustomerView& v = memory_.customer(key);
    batch.customer_updates.push_back(
        {key, v.persona, v.persona_from_plugin, v.stages_reached, batch.received_ms});
  }
  const size_t n = items.size();
  // Internal batches are never refused for a full queue; a storage failure is retried, since the tags
  // would otherwise only come back at the next start.
  for (int attempt = 0;; ++attempt) {
    const SubmitResult r = writer_.submit(batch);
    if (r.status == SubmitStatus::Committed) break;
    if (r.status == SubmitStatus::ShuttingDown || attempt >= 20) {
      spdlog::warn("tagging: {} tag updates not written ({}); they are tagged again at the next start", n,
                   r.error);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100 * (attempt + 1)));
  }
  // Durable now: the listeners (the map) may count them.
  if (on_linked_)
    for (const auto& [alias, customer] : links) on_linked_(alias, customer);
  if (on_tagged_) {
    for (size_t i = 0; i < n; ++i) {
      on_tagged_(items[i].seq, items[i].interaction, keys[i], batch.tag_updates[i].tags);
      fed_through_ = std::max(fed_through_, items[i].seq);
    }
    dirty_ = true;
  }
  tagged_ += n;
  if (tagged_total_) tagged_total_->inc({tagger->version()}, n);
}

}  // namespace tp
