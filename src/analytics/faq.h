// FAQ pain points: customers' questions grouped into clusters (question_clusters.h), with hourly
// rollups per cluster x persona x stage x touchpoint, so a window's summary (volume, customers, how
// often unanswered, escalated, negative, the rating, where on the journey, the trend against the
// previous window) is a sum of rollups. Pure computation; the daemon feeds it and answers HTTP.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "analytics/question_clusters.h"
#include "model/identity/customer_index.h"
#include "model/journey.h"

namespace tp {

struct QuestionRecord {
  int64_t ts_ms = 0;
  std::string customer, persona, stage, touchpoint;
  std::string intent;
  bool fallback = false;
  bool unanswered = false, escalated = false, negative = false;
  std::optional<int> rating;
  std::string text;          // as stored (redacted before storage)
  std::string conversation;  // session id, else the customer: where later outcomes find this question
};

// What became of a question, told by a later interaction of the same conversation: the bot's fallback
// turn, a hand-off to a human, a feedback rating. Counted on the conversation's latest question when it
// comes within kOutcomeWindowMs of it; each kind at most once per question.
struct QuestionOutcome {
  int64_t ts_ms = 0;
  std::string conversation;
  bool unanswered = false, escalated = false;
  std::optional<int> rating;
};

struct FaqQuery {
  int64_t from_ms = 0, to_ms = 0;
  std::string persona, stage;  // empty: all
  size_t limit = 20;
};

// pain_score = count x (1 + 2 x unanswered_rate + 1.5 x escalation_rate + negative_rate + low_rating),
// low_rating = (5 - avg_rating) / 4 when rated, else 0: volume weighted by how badly it goes.
double faq_pain_score(uint64_t count, double unanswered, double escalated, double negative,
                      std::optional<double> avg_rating);

class FaqSummary {
 public:
  explicit FaqSummary(const Journey& journey);

  static constexpr int64_t kOutcomeWindowMs = int64_t{30} * 60 * 1000;
  static constexpr size_t kMaxOpenConversations = 200000;

  uint32_t add(const QuestionRecord& q);
  // Returns the cluster whose figures changed, if any.
  std::optional<uint32_t> outcome(const QuestionOutcome& o);
  // Forgets everything (before a rebuild from storage, e.g. after an erasure).
  void clear();
  // `alias` turned out to be `customer`: counted as one customer from now on, in every window.
  void link(const std::string& alias, const std::string& customer);
  nlohmann::json query(const FaqQuery& q) const;
  // The whole state (clusters, rollups, customers), for a snapshot (analytics/snapshot.h). load()
  // replaces the state only when the input is whole and made for the same journey.
  void save(BinaryWriter& out) const;
  bool load(BinaryReader& in);
  // Where a cluster id went (clusters merge: question_clusters.h), and every id that went into one.
  uint32_t canonical_cluster(uint32_t cluster) const;
  std::vector<uint32_t> cluster_members(uint32_t cluster) const;
  // The top clusters (label, count) of each stage x touchpoint cell in a window, for the map's cells.
  std::map<std::pair<std::string, std::string>, std::vector<std::pair<std::string, uint64_t>>> top_by_cell(
      int64_t from_ms, int64_t to_ms, const std::string& persona, size_t n) const;

 private:
  struct Key {
    int64_t hour;
    uint32_t cluster;
    int16_t persona, stage, touchpoint;
    bool operator==(const Key& o) const {
      return hour == o.hour && cluster == o.cluster && persona == o.persona && stage == o.stage &&
             touchpoint == o.touchpoint;
    }
  };
  struct KeyHash {
    // All fields packed into two words and mixed (splitmix64's finaliser): a plain weighted sum of them
    // made keys of one hour collide in long chains once thousands of clusters share an hour.
    size_t operator()(const Key& k) const {
      uint64_t x =
          static_cast<uint64_t>(k.hour) * 0x9e3779b97f4a7c15ULL ^
          (uint64_t{k.cluster} << 24 | uint64_t{static_cast<uint8_t>(k.persona)} << 16 |
           uint64_t{static_cast<uint8_t>(k.stage)} << 8 | uint64_t{static_cast<uint8_t>(k.touchpoint)});
      x ^= x >> 30;
      x *= 0xbf58476d1ce4e5b9ULL;
      x ^= x >> 27;
      x *= 0x94d049bb133111ebULL;
      x ^= x >> 31;
      return static_cast<size_t>(x);
    }
  };
  struct Rollup {
    uint64_t count = 0, unanswered = 0, escalated = 0, negative = 0, rated = 0;
    int64_t rating_sum = 0;
    std::vector<uint32_t> customers;  // sorted
  };
  struct ClusterInfo {
    std::map<std::string, std::pair<uint64_t, std::string>>
        phrasings;                     // folded -> (count, first original text)
    std::deque<std::string> examples;  // most recent last, at most 3
  };
  std::string label(uint32_t cluster) const;
  nlohmann::json phrasings(uint32_t cluster) const;
  static constexpr size_t kListedPhrasings = 10;

  Journey journey_;
  std::vector<std::string> stage_ids_, touchpoint_ids_, persona_ids_;
  mutable std::shared_mutex mu_;
  QuestionClusters clusters_;
  std::vector<ClusterInfo> info_;
  CustomerIndex customers_;  // rollups keep the index a question was asked under; linked ones merged
  std::unordered_map<Key, Rollup, KeyHash> rollups_;
  std::map<int64_t, std::vector<Key>> hours_;
  // The same rollups, each hour's in the order of hours_, by address (an unordered_map's elements stay
  // where they are): a query walks these instead of hashing every key again.
  std::map<int64_t, std::vector<const Rollup*>> hour_rollups_;
  void index_hours();  // hour_rollups_ from hours_ and rollups_ (after a load)
  // The latest question of each recent conversation, for outcomes that arrive after it (bounded).
  struct OpenQuestion {
    Key key{};
    int64_t ts_ms = 0;
    bool unanswered = false, escalated = false, rated = false;
  };
  std::unordered_map<std::string, OpenQuestion> open_;
  void remember(const std::string& conversation, const OpenQuestion& q);
};

}  // namespace tp
