// Tagging after the commit: the writer hands every newly stored interaction to this pipeline, whose
// own thread tags it and writes the tags (and the customer's remembered persona and stages) back in
// internal group-commit batches. A slow rule set or plugin therefore never delays an acknowledgement,
// and an interaction is never lost to tagging: whatever the pipeline has not tagged yet (a crash,
// a full queue) is found again in storage by its missing tag version and tagged then.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "analytics/snapshot.h"
#include "engine/journey_memory.h"
#include "engine/tagger.h"
#include "store/group_commit_writer.h"
#include "store/store.h"

namespace tp {

class CounterFamily;

// Called on the pipeline thread for every interaction once its tags are durably written (and, at
// start, for every interaction tagged before), with its storage seq and the resolved customer key. Feeds
// the map, the FAQ and the drill-down index.
using TaggedListener =
    std::function<void(int64_t seq, const Interaction& in, const std::string& customer, const TagSet& tags)>;
// Called when an event links an alias (anonymous id) to a customer.
using LinkListener = std::function<void(const std::string& alias, const std::string& customer)>;

// Saving and loading the listeners' aggregates (the map and the FAQ), so that a start replays only what
// was tagged after the last save instead of every stored interaction.
struct SnapshotHooks {
  std::function<std::optional<SnapshotMark>()> load;  // into the aggregates; nullopt: nothing usable
  std::function<void(const SnapshotMark&)> save;      // the aggregates as they are now
  std::function<void()> drop;                         // removes the saved one (stale, or holds erased data)
  std::chrono::seconds interval{300};                 // at most this long between saves while busy
};

struct PipelineOptions {
  size_t max_queue = 200000;  // beyond it, interactions are left for a storage scan
  size_t batch = 2000;        // interactions per tag-update transaction
  // Under steady traffic, a batch is taken at most this often (sooner once `batch` are queued), so that
  // tagging runs on hundreds of interactions at a time instead of one group commit's dozen: the rules'
  // and the map's data stay in cache and each batch's fixed costs (a wake-up, a writer submission) are
  // shared. After a quiet spell the first interactions are tagged at once.
  std::chrono::milliseconds linger{50};
};

class TaggingPipeline {
 public:
  TaggingPipeline(Store& store, GroupCommitWriter& writer, std::shared_ptr<const Tagger> tagger,
                  PipelineOptions options = {}, CounterFamily* tagged_total = nullptr);
  ~TaggingPipeline();

  // Loads the remembered customers and identity links, then starts the thread, which first tags what
  // storage holds untagged (from before a crash or restart).
  void start();
  // Tags what is queued, writes it, and joins. Untagged leftovers (storage failing) wait for next start.
  void stop();

  // The writer's commit listener (runs on the writer thread; moves the batch's events into the queue
  // whole, so the writer spends nothing per event on tagging).
  void on_committed(WriteBatch& batch, const BatchCounts& counts);

  // Set before start().
  void set_listeners(TaggedListener tagged, LinkListener linked, std::function<void()> reset = {}) {
    on_tagged_ = std::move(tagged);
    on_linked_ = std::move(linked);
    on_reset_ = std::move(reset);
  }

  // Set before start(). Saves also happen at stop() and right after a rebuild.
  void set_snapshots(SnapshotHooks hooks) { snapshots_ = std::move(hooks); }

  // After storage lost data (an erasure): forget the remembered customers and rebuild them and the
  // listeners' aggregates (reset, then every tagged interaction again) on the pipeline thread.
  void request_rebuild();

  // Swaps the tagger (rules reloaded); interactions tagged from now on use the new one.
  void replace_tagger(std::shared_ptr<const Tagger> tagger);
  std::shared_ptr<const Tagger> tagger() const;

  size_t backlog() const;
  uint64_t tagged() const { return tagged_.load(); }

 private:
  struct Item {
    int64_t seq;
    std::string source;
    Interaction interaction;
  };
  // One committed batch, as the writer handed it over; the pipeline thread takes its events one by one.
  struct Handoff {
    std::string source;
    std::vector<Interaction> events;
    std::vector<int64_t> seqs;  // per event; 0: a duplicate, not stored by this batch
    size_t next = 0;            // events before this one were taken
  };
  void run();
  void catch_up(bool stop_at_live);
  void process(std::vector<Item>& items);
  void replay_tagged(int64_t after);
  void start_aggregates();
  void maybe_save(bool force);
  void drop_snapshot();
  void check_generation();
  void load_memory();

  Store& store_;
  GroupCommitWriter& writer_;
  PipelineOptions options_;
  CounterFamily* tagged_total_;
  TaggedListener on_tagged_;
  LinkListener on_linked_;
  std::function<void()> on_reset_;
  bool rebuild_requested_ = false;
  SnapshotHooks snapshots_;
  int64_t generation_ = -1;  // pipeline thread only: storage generation the aggregates were built at
  int64_t fed_through_ = 0;  // pipeline thread only: highest seq handed to on_tagged_
  bool dirty_ = false;       // pipeline thread only: aggregates changed since the last save
  std::chrono::steady_clock::time_point last_save_{};
  std::chrono::steady_clock::time_point last_generation_check_{};
  JourneyMemory memory_;                                // pipeline thread only
  std::chrono::steady_clock::time_point last_taken_{};  // pipeline thread only: when the last batch was taken
  int64_t high_water_ =
      0;  // pipeline thread only: every untagged interaction up to here was tagged by a scan

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Handoff> queue_;
  size_t queued_ = 0;  // stored interactions in queue_ not taken yet
  bool overflowed_ = false;
  bool stopping_ = false;
  int64_t first_live_seq_ =
      0;  // the first seq handed over live; older untagged rows are caught up from storage
  std::shared_ptr<const Tagger> tagger_;
  std::atomic<uint64_t> tagged_{0};
  std::thread thread_;
};

}  // namespace tp
