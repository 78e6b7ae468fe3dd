#include "analytics/faq.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <nlohmann/json.hpp>

#include "analytics/journey_ids.h"
#include "analytics/snapshot_codec.h"

namespace tp {

using json = nlohmann::json;

namespace {

constexpr size_t kMaxPhrasings = 32;
constexpr size_t kExamples = 3;

// What ranks a cluster in a window (summed for every cluster in it).
struct Sum {
  uint64_t count = 0, unanswered = 0, escalated = 0, negative = 0, rated = 0;
  int64_t rating_sum = 0;
};

// What a returned row shows besides (collected for those rows only).
struct Detail {
  uint64_t previous = 0;
  std::vector<uint64_t> customers;  // a bitmap over customer indexes: marking is O(1), counting a popcount
  std::vector<uint64_t> stage_counts, touchpoint_counts;  // slot 0: none; slot i + 1: the journey's i-th
};

double rate(uint64_t part, uint64_t whole) {
  return whole ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

std::string percent(double r) {
  return std::to_string(static_cast<int>(std::lround(r * 100))) + "%";
}

std::string opportunity(double unanswered, double escalated, double negative,
                        std::optional<double> avg_rating) {
  if (unanswered >= 0.4) return "add an answer for this question: " + percent(unanswered) + " unanswered";
  if (escalated >= 0.3) return "escalation hotspot: " + percent(escalated) + " handed to a human";
  if (negative >= 0.3) return "customers are unhappy here: " + percent(negative) + " negative";
  if (avg_rating && *avg_rating <= 2.5) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", *avg_rating);
    return std::string("badly rated answers: ") + buf + "/5";
  }
  if (unanswered > 0) return "partly unanswered (" + percent(unanswered) + "): improve the bot's answer";
  return "frequent question: make the answer easy to find";
}

}  // namespace

double faq_pain_score(uint64_t count, double unanswered, double escalated, double negative,
                      std::optional<double> avg_rating) {
  const double low_rating = avg_rating ? (5.0 - *avg_rating) / 4.0 : 0.0;
  return static_cast<double>(count) * (1.0 + 2.0 * unanswered + 1.5 * escalated + negative + low_rating);
}

FaqSummary::FaqSummary(const Journey& journey) : journey_(journey) {
  stage_ids_ = ids_of(journey.stages);
  touchpoint_ids_ = ids_of(journey.touchpoints);
  persona_ids_ = ids_of(journey.personas);
}

void FaqSummary::link(const std::string& alias, const std::string& customer) {
  if (alias.empty() || customer.empty() || alias == customer) return;
  std::unique_lock lock(mu_);
  const auto a = customers_.find(alias);
  if (!a) return;
  customers_.link(*a, customers_.add(customer));
}

void FaqSummary::clear() {
  std::unique_lock lock(mu_);
  clusters_ = QuestionClusters();
  info_.clear();
  customers_.clear();
  rollups_.clear();
  hours_.clear();
  hour_rollups_.clear();
  open_.clear();
}

uint32_t FaqSummary::add(const QuestionRecord& q) {
  std::unique_lock lock(mu_);
  const std::string folded = QuestionClusters::phrasing_key(q.text);
  const uint32_t cluster = clusters_.assign(q.text, q.intent, q.fallback, folded);
  if (info_.size() < clusters_.size()) info_.resize(clusters_.size());
  for (const auto& [absorbed, survivor] : clusters_.take_merges()) {
    // What the absorbed cluster showed moves over; its rollups stay under its id and are summed into
    // the survivor's at query time (QuestionClusters::canonical).
    ClusterInfo& from = info_[absorbed];
    ClusterInfo& to = info_[survivor];
    for (auto& [phrase, v] : from.phrasings) {
      auto it = to.phrasings.find(phrase);
      if (it != to.phrasings.end())
        it->second.first += v.first;
      else if (to.phrasings.size() < kMaxPhrasings)
        to.phrasings.emplace(phrase, std::move(v));
    }
    for (auto& e : from.examples) to.examples.push_back(std::move(e));
    while (to.examples.size() > kExamples) to.examples.pop_front();
    from = ClusterInfo{};
  }
  ClusterInfo& info = info_[cluster];
  auto ph = info.phrasings.find(folded);
  if (ph != info.phrasings.end())
    ++ph->second.first;
  else if (info.phrasings.size() < kMaxPhrasings)
    info.phrasings.emplace(folded, std::make_pair(uint64_t{1}, q.text));
  info.examples.push_back(q.text);
  if (info.examples.size() > kExamples) info.examples.pop_front();

  const uint32_t customer = customers_.add(q.customer);
  const Key key{hour_of(q.ts_ms), cluster, static_cast<int16_t>(index_of(persona_ids_, q.persona)),
                static_cast<int16_t>(index_of(stage_ids_, q.stage)),
                static_cast<int16_t>(index_of(touchpoint_ids_, q.touchpoint))};
  auto [rit, new_key] = rollups_.try_emplace(key);
  if (new_key) {
    hours_[key.hour].push_back(key);
    hour_rollups_[key.hour].push_back(&rit->second);
  }
  Rollup& r = rit->second;
  ++r.count;
  r.unanswered += q.unanswered;
  r.escalated += q.escalated;
  r.negative += q.negative;
  if (q.rating) {
    ++r.rated;
    r.rating_sum += *q.rating;
  }
  const auto pos = std::lower_bound(r.customers.begin(), r.customers.end(), customer);
  if (pos == r.customers.end() || *pos != customer) r.customers.insert(pos, customer);
  if (!q.conversation.empty())
    remember(q.conversation, {key, q.ts_ms, q.unanswered, q.escalated, q.rating.has_value()});
  return cluster;
}

void FaqSummary::remember(const std::string& conversation, const OpenQuestion& q) {
  if (open_.size() >= kMaxOpenConversations && !open_.count(conversation)) {
    // Forget conversations whose window has passed; if all are recent, start over (outcomes of the
    // forgotten ones are then not counted: a bound on memory, not on correctness of what is counted).
    for (auto it = open_.begin(); it != open_.end();)
      it = q.ts_ms - it->second.ts_ms > kOutcomeWindowMs ? open_.erase(it) : std::next(it);
    if (open_.size() >= kMaxOpenConversations) open_.clear();
  }
  open_[conversation] = q;
}

std::optional<uint32_t> FaqSummary::outcome(const QuestionOutcome& o) {
  if (o.conversation.empty() || (!o.unanswered && !o.escalated && !o.rating)) return std::nullopt;
  std::unique_lock lock(mu_);
  auto it = open_.find(o.conversation);
  if (it == open_.end()) return std::nullopt;
  OpenQuestion& q = it->second;
  if (o.ts_ms < q.ts_ms || o.ts_ms - q.ts_ms > kOutcomeWindowMs) return std::nullopt;
  auto r = rollups_.find(q.key);
  if (r == rollups_.end()) return std::nullopt;
  bool changed = false;
  if (o.unanswered && !q.unanswered) {
    q.unanswered = changed = true;
    ++r->second.unanswered;
  }
  if (o.escalated && !q.escalated) {
    q.escalated = changed = true;
    ++r->second.escalated;
  }
  if (o.rating && !q.rated) {
    q.rated = changed = true;
    ++r->second.rated;
    r->second.rating_sum += *o.rating;
  }
  return changed ? std::optional<uint32_t>(clusters_.canonical(q.key.cluster)) : std::nullopt;
}

// The most representative phrasing: asked often, and close to what the cluster's phrasings share (so
// among phrasings asked equally often, the one in the words most customers use, not an outlier).
std::string FaqSummary::label(uint32_t cluster) const {
  const ClusterInfo& info = info_[cluster];
  const std::string* best = nullptr;
  double best_score = -1;
  for (const auto& [folded, v] : info.phrasings) {
    const double score = static_cast<double>(v.first) * (0.5 + clusters_.representativeness(cluster, folded));
    if (score > best_score) {
      best_score = score;
      best = &v.second;
    }
  }
  return best ? *best : std::string();
}

// The cluster's distinct phrasings, most asked first (at most kListedPhrasings).
void FaqSummary::index_hours() {
  hour_rollups_.clear();
  for (const auto& [hour, keys] : hours_) {
    auto& list = hour_rollups_[hour];
    list.reserve(keys.size());
    for (const Key& k : keys) list.push_back(&rollups_.at(k));
  }
}

uint32_t FaqSummary::canonical_cluster(uint32_t cluster) const {
  std::shared_lock lock(mu_);
  return clusters_.canonical(cluster);
}

std::vector<uint32_t> FaqSummary::cluster_members(uint32_t cluster) const {
  std::shared_lock lock(mu_);
  if (cluster >= clusters_.size()) return {cluster};  // unknown: matches nothing stored
  return clusters_.members(cluster);
}

nlohmann::json FaqSummary::phrasings(uint32_t cluster) const {
  std::vector<const std::pair<uint64_t, std::string>*> list;
  for (const auto& [folded, v] : info_[cluster].phrasings) list.push_back(&v);
  std::sort(list.begin(), list.end(), [](const auto* a, const auto* b) {
    return a->first != b->first ? a->first > b->first : a->second < b->second;
  });
  json out = json::array();
  for (size_t i = 0; i < list.size() && i < kListedPhrasings; ++i)
    out.push_back({{"text", list[i]->second}, {"count", list[i]->first}});
  return out;
}

json FaqSummary::query(const FaqQuery& q) const {
  const int persona = q.persona.empty() ? -2 : index_of(persona_ids_, q.persona);
  const int stage = q.stage.empty() ? -2 : index_of(stage_ids_, q.stage);
  const int64_t length = q.to_ms - q.from_ms;
  std::shared_lock lock(mu_);
  // Two passes over the window's rollups: the first sums what ranks a cluster (cheap, for every cluster
  // in the window: a busy week holds tens of thousands, most asked once); the second collects the
  // customers and the stage and touchpoint breakdowns for the rows returned only.
  std::unordered_map<uint32_t, Sum> sums;
  const auto each_rollup = [&](int64_t from, int64_t to, auto&& f) {
    const int64_t to_hour = hour_of(to - 1);
    auto r = hour_rollups_.lower_bound(hour_of(from));
    for (auto h = hours_.lower_bound(hour_of(from)); h != hours_.end() && h->first <= to_hour; ++h, ++r) {
      const std::vector<Key>& keys = h->second;
      const std::vector<const Rollup*>& rollups = r->second;
      for (size_t i = 0; i < keys.size(); ++i) {
        const Key& k = keys[i];
        if (persona != -2 && k.persona != persona) continue;
        if (stage != -2 && k.stage != stage) continue;
        f(k, *rollups[i]);
      }
    }
  };
  each_rollup(q.from_ms, q.to_ms, [&](const Key& k, const Rollup& r) {
    Sum& s = sums[clusters_.canonical(k.cluster)];
    s.count += r.count;
    s.unanswered += r.unanswered;
    s.escalated += r.escalated;
    s.negative += r.negative;
    s.rated += r.rated;
    s.rating_sum += r.rating_sum;
  });

  // Scores first; the JSON (label, phrasings) only for the rows returned: a week can hold many
  // thousands of clusters, most of them asked once.
  struct Row {
    uint32_t cluster;
    double score;
    Sum* sum;
  };
  std::vector<Row> rows;
  rows.reserve(sums.size());
  for (auto& [cluster, s] : sums) {
    if (s.count == 0) continue;
    const std::optional<double> avg =
        s.rated ? std::optional<double>(static_cast<double>(s.rating_sum) / static_cast<double>(s.rated))
                : std::nullopt;
    rows.push_back({cluster,
                    faq_pain_score(s.count, rate(s.unanswered, s.count), rate(s.escalated, s.count),
                                   rate(s.negative, s.count), avg),
                    &s});
  }
  const auto before = [](const Row& a, const Row& b) {
    return a.score != b.score ? a.score > b.score : a.cluster < b.cluster;
  };
  const size_t shown = std::min(rows.size(), q.limit);
  std::partial_sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(shown), rows.end(), before);
  const size_t total_clusters = rows.size();
  rows.resize(shown);
  // The rows' clusters by a flat index (a lookup per rollup), their stages and touchpoints by position
  // (named at the end), customers in a bitmap.
  std::vector<Detail> detail(rows.size());
  std::vector<int32_t> row_of(clusters_.size(), -1);
  for (size_t i = 0; i < rows.size(); ++i) {
    row_of[rows[i].cluster] = static_cast<int32_t>(i);
    detail[i].stage_counts.assign(stage_ids_.size() + 1, 0);
    detail[i].touchpoint_counts.assign(touchpoint_ids_.size() + 1, 0);
  }
  const bool linked = customers_.merged() > 0;
  each_rollup(q.from_ms, q.to_ms, [&](const Key& k, const Rollup& r) {
    const int32_t row = row_of[clusters_.canonical(k.cluster)];
    if (row < 0) return;
    Detail& s = detail[static_cast<size_t>(row)];
    if (s.customers.empty()) s.customers.assign((customers_.size() + 63) / 64, 0);
    for (const uint32_t raw : r.customers) {  // linked ones count once
      const uint32_t c = linked ? customers_.canonical(raw) : raw;
      s.customers[c >> 6] |= uint64_t{1} << (c & 63);
    }
    s.stage_counts[static_cast<size_t>(k.stage + 1)] += r.count;
    s.touchpoint_counts[static_cast<size_t>(k.touchpoint + 1)] += r.count;
  });
  // The trend: the same clusters in the previous window of equal length.
  each_rollup(q.from_ms - length, q.from_ms, [&](const Key& k, const Rollup& r) {
    const int32_t row = row_of[clusters_.canonical(k.cluster)];
    if (row >= 0) detail[static_cast<size_t>(row)].previous += r.count;
  });
  const auto named = [](const std::vector<uint64_t>& counts, const std::vector<std::string>& ids) {
    json out = json::object();
    for (size_t i = 0; i < counts.size(); ++i)
      if (counts[i]) out[i == 0 ? std::string("(none)") : ids[i - 1]] = counts[i];
    return out;
  };
  json clusters = json::array();
  for (size_t i = 0; i < shown; ++i) {
    const uint32_t cluster = rows[i].cluster;
    const Sum& s = *rows[i].sum;
    Detail& d = detail[i];
    size_t customers = 0;
    for (const uint64_t w : d.customers) customers += static_cast<size_t>(__builtin_popcountll(w));
    const double unanswered = rate(s.unanswered, s.count), escalated = rate(s.escalated, s.count),
                 negative = rate(s.negative, s.count);
    const std::optional<double> avg =
        s.rated ? std::optional<double>(static_cast<double>(s.rating_sum) / static_cast<double>(s.rated))
                : std::nullopt;
    json examples = json::array();
    for (auto it = info_[cluster].examples.rbegin(); it != info_[cluster].examples.rend(); ++it)
      examples.push_back(*it);
    json trend = {
        {"previous", d.previous},
        {"change", d.previous ? json(static_cast<double>(s.count) / static_cast<double>(d.previous) - 1.0)
                              : json(nullptr)}};
    clusters.push_back(
        {{"id", cluster},
         {"label", label(cluster)},
         {"intent", clusters_.intent(cluster).empty() ? json(nullptr) : json(clusters_.intent(cluster))},
         {"count", s.count},
         {"customers", customers},
         {"unanswered_rate", unanswered},
         {"escalation_rate", escalated},
         {"negative_rate", negative},
         {"avg_rating", avg ? json(*avg) : json(nullptr)},
         {"pain_score", rows[i].score},
         {"stages", named(d.stage_counts, stage_ids_)},
         {"touchpoints", named(d.touchpoint_counts, touchpoint_ids_)},
         {"trend", trend},
         {"examples", examples},
         {"phrasings", phrasings(cluster)},
         {"opportunity", opportunity(unanswered, escalated, negative, avg)}});
  }
  return {{"clusters", clusters}, {"total_clusters", total_clusters}};
}

std::map<std::pair<std::string, std::string>, std::vector<std::pair<std::string, uint64_t>>>
FaqSummary::top_by_cell(int64_t from_ms, int64_t to_ms, const std::string& persona_id, size_t n) const {
  const int persona = persona_id.empty() ? -2 : index_of(persona_ids_, persona_id);
  std::shared_lock lock(mu_);
  std::map<std::pair<int, int>, std::unordered_map<uint32_t, uint64_t>> counts;
  const int64_t to_hour = hour_of(to_ms - 1);
  auto r = hour_rollups_.lower_bound(hour_of(from_ms));
  for (auto h = hours_.lower_bound(hour_of(from_ms)); h != hours_.end() && h->first <= to_hour; ++h, ++r)
    for (size_t i = 0; i < h->second.size(); ++i) {
      const Key& k = h->second[i];
      if ((persona == -2 || k.persona == persona) && k.stage >= 0 && k.touchpoint >= 0)
        counts[{k.stage, k.touchpoint}][clusters_.canonical(k.cluster)] += r->second[i]->count;
    }
  std::map<std::pair<std::string, std::string>, std::vector<std::pair<std::string, uint64_t>>> out;
  for (const auto& [cell, by_cluster] : counts) {
    std::vector<std::pair<uint32_t, uint64_t>> sorted(by_cluster.begin(), by_cluster.end());
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    auto& list =
        out[{stage_ids_[static_cast<size_t>(cell.first)], touchpoint_ids_[static_cast<size_t>(cell.second)]}];
    for (size_t i = 0; i < sorted.size() && i < n; ++i)
      list.emplace_back(label(sorted[i].first), sorted[i].second);
  }
  return out;
}

void FaqSummary::save(BinaryWriter& out) const {
  std::shared_lock lock(mu_);
  save_journey_ids(out, stage_ids_, touchpoint_ids_, persona_ids_);
  clusters_.save(out);
  out.u64(info_.size());
  for (const ClusterInfo& info : info_) {
    out.u64(info.phrasings.size());
    for (const auto& [folded, v] : info.phrasings) {
      out.str(folded);
      out.u64(v.first);
      out.str(v.second);
    }
    out.u64(info.examples.size());
    for (const auto& e : info.examples) out.str(e);
  }
  customers_.save(out);
  save_hours(out, hours_, [&](const Key& k) {
    const Rollup& r = rollups_.at(k);
    out.u64(k.cluster);
    save_position(out, k.persona, k.stage, k.touchpoint);
    out.u64(r.count);
    out.u64(r.unanswered);
    out.u64(r.escalated);
    out.u64(r.negative);
    out.u64(r.rated);
    out.i64(r.rating_sum);
    save_sorted(out, r.customers);
  });
  out.u64(open_.size());
  for (const auto& [conversation, q] : open_) {
    out.str(conversation);
    out.i64(q.key.hour);
    out.u64(q.key.cluster);
    save_position(out, q.key.persona, q.key.stage, q.key.touchpoint);
    out.i64(q.ts_ms);
    out.u64((q.unanswered ? 1u : 0u) | (q.escalated ? 2u : 0u) | (q.rated ? 4u : 0u));
  }
}

bool FaqSummary::load(BinaryReader& in) {
  if (!same_journey_ids(in, stage_ids_, touchpoint_ids_, persona_ids_)) return false;
  QuestionClusters clusters;
  if (!clusters.load(in)) return false;
  std::vector<ClusterInfo> info(in.count(2));
  if (info.size() > clusters.size()) return false;
  for (ClusterInfo& ci : info) {
    const size_t phrasings = in.count(3);
    for (size_t i = 0; i < phrasings && in.ok(); ++i) {
      std::string folded = in.str();
      const uint64_t n = in.u64();
      ci.phrasings.emplace(std::move(folded), std::make_pair(n, in.str()));
    }
    const size_t examples = in.count();
    for (size_t i = 0; i < examples && in.ok(); ++i) ci.examples.push_back(in.str());
    if (!in.ok()) return false;
  }
  CustomerIndex customers;
  if (!customers.load(in)) return false;
  const JourneyDims dims{persona_ids_.size(), stage_ids_.size(), touchpoint_ids_.size()};
  // A cluster index and a journey position, checked against what was loaded.
  const auto load_key = [&](int64_t hour, Key& key) {
    const uint64_t cluster = in.u64();
    key.hour = hour;
    key.cluster = static_cast<uint32_t>(cluster);
    return cluster < info.size() && load_position(in, dims, key.persona, key.stage, key.touchpoint);
  };
  std::unordered_map<Key, Rollup, KeyHash> rollups;
  std::map<int64_t, std::vector<Key>> hours;
  const bool rollups_ok = load_hours(in, 11, [&](int64_t hour) {
    Key key{};
    if (!load_key(hour, key)) return false;
    auto [it, fresh] = rollups.try_emplace(key);
    if (!fresh) return false;
    Rollup& r = it->second;
    r.count = in.u64();
    r.unanswered = in.u64();
    r.escalated = in.u64();
    r.negative = in.u64();
    r.rated = in.u64();
    r.rating_sum = in.i64();
    if (!load_sorted(in, r.customers, customers.size())) return false;
    hours[hour].push_back(key);
    return true;
  });
  if (!rollups_ok) return false;
  std::unordered_map<std::string, OpenQuestion> open;
  const size_t n_open = in.count(8);
  for (size_t i = 0; i < n_open && in.ok(); ++i) {
    std::string conversation = in.str();
    OpenQuestion q;
    const int64_t hour = in.i64();
    if (!load_key(hour, q.key)) return false;
    q.ts_ms = in.i64();
    const uint64_t flags = in.u64();
    if (flags > 7) return false;
    q.unanswered = flags & 1;
    q.escalated = flags & 2;
    q.rated = flags & 4;
    open[std::move(conversation)] = q;
  }
  if (!in.ok()) return false;
  std::unique_lock lock(mu_);
  open_ = std::move(open);
  clusters_ = std::move(clusters);
  info_ = std::move(info);
  customers_ = std::move(customers);
  rollups_ = std::move(rollups);
  hours_ = std::move(hours);
  index_hours();
  return true;
}

}  // namespace tp
