// The current-state journey map, maintained incrementally as interactions are tagged: hourly rollups
// per persona x stage x touchpoint (counts, sentiment sums, pain reasons, the distinct customers seen),
// and per-customer stage progress (first interaction at each stage, and where the customer went next). A map
// query sums the rollups of the window instead of reading raw interactions. Pure computation: the daemon
// feeds it and answers HTTP; no I/O here.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/identity/customer_index.h"
#include "model/journey.h"
#include "util/binary_io.h"

namespace tp {

// One tagged interaction as the map sees it.
struct MapRecord {
  int64_t ts_ms = 0;
  std::string customer;                    // resolved customer key; interactions without one are not mapped
  std::string persona, stage, touchpoint;  // ids; empty: not decided
  std::optional<double> sentiment;
  std::vector<std::string> pain;
};

struct MapQuery {
  int64_t from_ms = 0, to_ms = 0;  // [from, to)
  std::string persona;             // empty: all
};

class JourneyMap {
 public:
  static constexpr int kMaxStages = 64;
  explicit JourneyMap(const Journey& journey);

  void add(const MapRecord& record);
  // Forgets everything (before a rebuild from storage, e.g. after an erasure).
  void clear();
  // `alias` (an anonymous visitor) turned out to be `customer`: their history counts as one customer's
  // from now on, in every window (retroactive, like reads).
  void link(const std::string& alias, const std::string& customer);
  // The map as JSON (see README "GET /v1/map").
  nlohmann::json query(const MapQuery& q) const;

  size_t customers() const;

  // The whole state, for a snapshot that makes a restart cheap (analytics/snapshot.h). load() replaces
  // the state only when the input is whole and made for the same journey; false leaves it untouched.
  void save(BinaryWriter& out) const;
  bool load(BinaryReader& in);

 private:
  struct CellKey {
    int64_t hour;
    int16_t persona, stage, touchpoint;  // -1: none
    bool operator==(const CellKey& o) const {
      return hour == o.hour && persona == o.persona && stage == o.stage && touchpoint == o.touchpoint;
    }
  };
  struct CellKeyHash {
    size_t operator()(const CellKey& k) const {
      return std::hash<int64_t>()(k.hour * 1000003 + int64_t{k.persona + 1} * 10007 +
                                  int64_t{k.stage + 1} * 101 + (k.touchpoint + 1));
    }
  };
  struct Rollup {
    uint64_t interactions = 0, with_pain = 0, sentiment_n = 0;
    double sentiment_sum = 0;
    std::map<std::string, uint64_t> pain;  // reason -> interactions
    std::vector<uint32_t> customers;       // distinct customer indexes, sorted
  };
  struct Next {
    int64_t ts = 0;  // 0: none yet
    int16_t stage = -1, touchpoint = -1;
  };
  // Where the customer went after reaching a stage: `next` is the first interaction after `first` that
  // happened at another stage or another touchpoint than `first` (a chatbot turn tagged with the same
  // stage as the pages just left counts; more pages at the same stage do not). See add() for what is
  // approximate when interactions arrive out of order.
  struct StageVisit {
    int16_t stage = -1;
    int16_t first_touchpoint = -1;  // of the first interaction at the stage (-1: none)
    int64_t first = 0;              // the first interaction at the stage
    Next next;
    // Takes the interaction as `next` if it came after `first`, elsewhere (another stage or another
    // touchpoint), and before the current `next`.
    void offer(int64_t ts, int at_stage, int at_touchpoint) {
      if (first == 0 || ts == 0 || ts <= first) return;
      if (at_stage == stage && at_touchpoint == first_touchpoint) return;
      if (next.ts == 0 || ts < next.ts)
        next = {ts, static_cast<int16_t>(at_stage), static_cast<int16_t>(at_touchpoint)};
    }
  };
  // Only the stages the customer reached (sorted by stage): a few dozen bytes per customer.
  struct Progress {
    std::vector<StageVisit> visits;
    StageVisit& at(int stage) {
      auto it = visits.begin();
      while (it != visits.end() && it->stage < stage) ++it;
      if (it == visits.end() || it->stage != stage)
        it = visits.insert(it, StageVisit{static_cast<int16_t>(stage), -1, 0, {}});
      return *it;
    }
    // Offers `v` every interaction remembered here: each stage's first, and each stage's `next`.
    void offer_remembered(StageVisit& v) const {
      for (const StageVisit& u : visits) {
        v.offer(u.first, u.stage, u.first_touchpoint);
        v.offer(u.next.ts, u.next.stage, u.next.touchpoint);
      }
    }
  };

  uint32_t customer_index(const std::string& key);  // canonical; under the unique lock

  Journey journey_;
  std::vector<std::string> stage_ids_, touchpoint_ids_, persona_ids_;
  mutable std::shared_mutex mu_;
  CustomerIndex customers_;         // one index per customer or visitor key, linked ones merged
  std::vector<Progress> progress_;  // by customer index
  // The first interaction at each stage, flat (customer x stage): the query's hot loop reads one cache
  // line per customer here instead of chasing each customer's progress.
  std::vector<int64_t> firsts_;
  // Where each customer went after reaching each stage (StageVisit::next), packed (pack_next), flat like
  // firsts_: the drop-off loop reads this instead of chasing the customer's visits (a cache miss each).
  std::vector<uint32_t> next_where_;
  void sync_next(uint32_t c);  // next_where_ row of `c` from its visits
  std::unordered_map<CellKey, Rollup, CellKeyHash> cells_;
  std::map<int64_t, std::vector<CellKey>> hours_;  // hour -> cells of that hour
};

}  // namespace tp
