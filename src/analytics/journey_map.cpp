#include "analytics/journey_map.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <nlohmann/json.hpp>

#include "analytics/journey_ids.h"
#include "analytics/snapshot_codec.h"

namespace tp {

using json = nlohmann::json;

namespace {

// Nearest-rank percentile; selects in linear time (reorders `values`) instead of sorting them all.
double percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  const size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(values.size())));
  const auto nth =
      values.begin() + static_cast<std::ptrdiff_t>(std::min(values.size() - 1, rank == 0 ? 0 : rank - 1));
  std::nth_element(values.begin(), nth, values.end());
  return *nth;
}

// A window's sums for one stage, touchpoint or cell. Distinct customers are a bitmap over customer
// indexes (allocated on first use): marking is O(1) and counting a popcount, where sorting millions of
// ids would dominate the query.
struct Totals {
  uint64_t interactions = 0, with_pain = 0, sentiment_n = 0;
  double sentiment_sum = 0;
  std::map<std::string, uint64_t> pain;
  std::vector<uint64_t> bits;
  size_t words = 0;
  size_t distinct = 0;

  void add(uint64_t n, uint64_t pain_n, double s_sum, uint64_t s_n,
           const std::map<std::string, uint64_t>& reasons) {
    interactions += n;
    with_pain += pain_n;
    sentiment_sum += s_sum;
    sentiment_n += s_n;
    for (const auto& [r, c] : reasons) pain[r] += c;
  }
  void mark(uint32_t c) {
    if (bits.empty()) bits.assign(words, 0);
    bits[c >> 6] |= uint64_t{1} << (c & 63);
  }
  void finish() {
    distinct = 0;
    for (const uint64_t w : bits) distinct += static_cast<size_t>(__builtin_popcountll(w));
  }
  template <typename F>
  void each(F f) const {
    for (size_t w = 0; w < bits.size(); ++w)
      for (uint64_t x = bits[w]; x; x &= x - 1)
        f(static_cast<uint32_t>(w * 64 + static_cast<size_t>(__builtin_ctzll(x))));
  }
  json sentiment_json() const {
    return sentiment_n ? json(sentiment_sum / static_cast<double>(sentiment_n)) : json(nullptr);
  }
  json pain_json(size_t top = 5) const {
    std::vector<std::pair<std::string, uint64_t>> reasons(pain.begin(), pain.end());
    std::sort(reasons.begin(), reasons.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    json list = json::array();
    for (size_t i = 0; i < reasons.size() && i < top; ++i)
      list.push_back({{"reason", reasons[i].first}, {"count", reasons[i].second}});
    return {{"interactions", with_pain}, {"top", list}};
  }
};

}  // namespace

JourneyMap::JourneyMap(const Journey& journey) : journey_(journey) {
  stage_ids_ = ids_of(journey.stages);
  touchpoint_ids_ = ids_of(journey.touchpoints);
  persona_ids_ = ids_of(journey.personas);
  if (stage_ids_.size() > static_cast<size_t>(kMaxStages)) stage_ids_.resize(kMaxStages);
}

void JourneyMap::clear() {
  std::unique_lock lock(mu_);
  customers_.clear();
  progress_.clear();
  firsts_.clear();
  next_where_.clear();
  cells_.clear();
  hours_.clear();
}

size_t JourneyMap::customers() const {
  std::shared_lock lock(mu_);
  return customers_.size();
}

uint32_t JourneyMap::customer_index(const std::string& key) {
  bool added = false;
  const uint32_t c = customers_.add(key, &added);
  if (added) {
    progress_.emplace_back();
    firsts_.resize(firsts_.size() + stage_ids_.size(), 0);
    next_where_.resize(next_where_.size() + stage_ids_.size(), 0);
  }
  return customers_.canonical(c);
}

void JourneyMap::link(const std::string& alias, const std::string& customer) {
  if (alias.empty() || customer.empty() || alias == customer) return;
  std::unique_lock lock(mu_);
  if (!customers_.find(alias)) return;  // nothing mapped under the alias yet
  const uint32_t a = customer_index(alias), c = customer_index(customer);
  if (a == c) return;
  // Merge the visitor's progress into the customer's: the earliest first at each stage, then `next`
  // sought again among the interactions either side remembers (approximate like a late first, see add()).
  const Progress from = progress_[a], before = progress_[c];
  Progress& to = progress_[c];
  for (const StageVisit& v : from.visits) {
    StageVisit& t = to.at(v.stage);
    if (v.first != 0 && (t.first == 0 || v.first < t.first)) {
      t.first = v.first;
      t.first_touchpoint = v.first_touchpoint;
      firsts_[static_cast<size_t>(c) * stage_ids_.size() + static_cast<size_t>(v.stage)] = v.first;
    }
  }
  for (StageVisit& t : to.visits) {
    t.next = Next{};
    from.offer_remembered(t);  // the visitor's first and next at t's stage among them
    before.offer_remembered(t);
  }
  customers_.link(a, c);
  sync_next(c);
}

namespace {
// 0: no next interaction; else a flag bit, the next stage + 1 (7 bits) and the next touchpoint + 1.
constexpr uint32_t kHasNext = 0x80000000u;
uint32_t pack_next(int stage, int touchpoint) {
  return kHasNext | static_cast<uint32_t>(stage + 1) | (static_cast<uint32_t>(touchpoint + 1) << 7);
}
int next_stage_of(uint32_t packed) {
  return static_cast<int>(packed & 0x7f) - 1;
}
int next_touchpoint_of(uint32_t packed) {
  return static_cast<int>((packed & ~kHasNext) >> 7) - 1;
}
}  // namespace

void JourneyMap::sync_next(uint32_t c) {
  uint32_t* row = &next_where_[static_cast<size_t>(c) * stage_ids_.size()];
  for (const StageVisit& v : progress_[c].visits)
    row[v.stage] = v.next.ts == 0 ? 0 : pack_next(v.next.stage, v.next.touchpoint);
}

void JourneyMap::add(const MapRecord& r) {
  if (r.customer.empty()) return;
  const int stage = index_of(stage_ids_, r.stage);
  const int touchpoint = index_of(touchpoint_ids_, r.touchpoint);
  const int persona = index_of(persona_ids_, r.persona);
  std::unique_lock lock(mu_);
  const uint32_t c = customer_index(r.customer);

  const CellKey key{hour_of(r.ts_ms), static_cast<int16_t>(persona), static_cast<int16_t>(stage),
                    static_cast<int16_t>(touchpoint)};
  auto [cell_it, new_cell] = cells_.try_emplace(key);
  if (new_cell) hours_[key.hour].push_back(key);
  Rollup& cell = cell_it->second;
  ++cell.interactions;
  if (!r.pain.empty()) ++cell.with_pain;
  for (const auto& p : r.pain) ++cell.pain[p];
  if (r.sentiment) {
    cell.sentiment_sum += *r.sentiment;
    ++cell.sentiment_n;
  }
  const auto pos = std::lower_bound(cell.customers.begin(), cell.customers.end(), c);
  if (pos == cell.customers.end() || *pos != c) cell.customers.insert(pos, c);

  // Progress: the first interaction at each stage, and where the customer went after it (the first
  // interaction after it at another stage or touchpoint). In order, this is exact: each interaction is
  // offered to every stage reached before it (one at the same millisecond as a first is not after it).
  // Out of order (an interaction older than some already seen: a late delivery, a replay; link() merges
  // the same way), a new first at a stage seeks its `next` among what the progress remembers: the
  // stage's former first and `next`, and every other stage's first and `next`. Approximate: what lies
  // between the new first and those and was nobody's first or `next` (an unstaged interaction, a later
  // interaction at a stage first reached before the new first) is not remembered, so `next` may then be
  // a later interaction than the true one, or none.
  Progress& p = progress_[c];
  for (StageVisit& v : p.visits) v.offer(r.ts_ms, stage, touchpoint);
  if (stage >= 0) {
    StageVisit& v = p.at(stage);
    if (v.first == 0 || r.ts_ms < v.first) {
      const StageVisit former = v;
      v.first = r.ts_ms;
      v.first_touchpoint = static_cast<int16_t>(touchpoint);
      v.next = Next{};
      // Everything after the former first was (S, former touchpoint) until its `next`: the former first
      // is the answer when it was at another touchpoint, else its `next` still is.
      v.offer(former.first, stage, former.first_touchpoint);
      v.offer(former.next.ts, former.next.stage, former.next.touchpoint);
      p.offer_remembered(v);
      firsts_[static_cast<size_t>(c) * stage_ids_.size() + static_cast<size_t>(stage)] = r.ts_ms;
    }
  }
  sync_next(c);
}

json JourneyMap::query(const MapQuery& q) const {
  const int persona_filter = q.persona.empty() ? -2 : index_of(persona_ids_, q.persona);
  const size_t n_stages = stage_ids_.size(), n_touch = touchpoint_ids_.size();
  std::vector<Totals> stages(n_stages), touchpoints(n_touch), cells(n_stages * n_touch);
  Totals unstaged;

  std::shared_lock lock(mu_);
  const size_t words = (progress_.size() + 63) / 64;
  for (auto* list : {&stages, &touchpoints, &cells})
    for (auto& t : *list) t.words = words;
  unstaged.words = words;
  const int64_t from_hour = hour_of(q.from_ms), to_hour = hour_of(q.to_ms - 1);
  for (auto h = hours_.lower_bound(from_hour); h != hours_.end() && h->first <= to_hour; ++h) {
    for (const CellKey& key : h->second) {
      if (persona_filter != -2 && key.persona != persona_filter) continue;
      const Rollup& r = cells_.at(key);
      const bool staged = key.stage >= 0, touched = key.touchpoint >= 0;
      Totals& st = staged ? stages[static_cast<size_t>(key.stage)] : unstaged;
      Totals* tt = touched ? &touchpoints[static_cast<size_t>(key.touchpoint)] : nullptr;
      Totals* ct =
          staged && touched
              ? &cells[static_cast<size_t>(key.stage) * n_touch + static_cast<size_t>(key.touchpoint)]
              : nullptr;
      st.add(r.interactions, r.with_pain, r.sentiment_sum, r.sentiment_n, r.pain);
      if (tt) tt->add(r.interactions, r.with_pain, r.sentiment_sum, r.sentiment_n, r.pain);
      if (ct) ct->add(r.interactions, r.with_pain, r.sentiment_sum, r.sentiment_n, r.pain);
      // Customers linked since the rollup was written count as the customer they turned out to be.
      for (const uint32_t raw : r.customers) {
        const uint32_t c = customers_.merged() ? customers_.canonical(raw) : raw;
        st.mark(c);
        if (tt) tt->mark(c);
        if (ct) ct->mark(c);
      }
    }
  }

  json out = json::object();
  out["from"] = q.from_ms;
  out["to"] = q.to_ms;
  out["persona"] = q.persona.empty() ? json(nullptr) : json(q.persona);
  // Conversion, drop-off, time to next and where drop-offs went, in one pass over the window's customers
  // (the union of the stages' bitmaps): each customer's row of first-at-stage times is read once for all
  // the stages they appear at, not once per stage; the rows are far apart in memory, so that is what counts.
  struct Flow {
    uint64_t converted = 0, dropped = 0;
    std::vector<double> gaps;
    std::vector<uint64_t> next_touchpoint, next_stage;  // by index; the last slot is "(none)"
  };
  std::vector<Flow> flows(n_stages);
  for (auto& f : flows) {
    f.next_touchpoint.assign(n_touch + 1, 0);
    f.next_stage.assign(n_stages + 1, 0);
  }
  for (auto& t : stages) t.finish();
  std::vector<int64_t> later(n_stages + 1);
  for (size_t w = 0; w < words; ++w) {
    uint64_t any = 0;
    for (const auto& t : stages)
      if (!t.bits.empty()) any |= t.bits[w];
    for (uint64_t x = any; x; x &= x - 1) {
      const uint32_t bit = static_cast<uint32_t>(__builtin_ctzll(x));
      const uint32_t c = static_cast<uint32_t>(w * 64 + bit);
      const int64_t* firsts = &firsts_[static_cast<size_t>(c) * n_stages];
      // later[s]: the earliest first interaction at any stage after s (0: none).
      later[n_stages] = 0;
      for (size_t l = n_stages; l-- > 0;) {
        const int64_t f = l + 1 < n_stages ? firsts[l + 1] : 0;
        later[l] = f != 0 && (later[l + 1] == 0 || f < later[l + 1]) ? f : later[l + 1];
      }
      for (size_t s = 0; s < n_stages; ++s) {
        if (stages[s].bits.empty() || !(stages[s].bits[w] >> bit & 1)) continue;
        Flow& f = flows[s];
        if (later[s] == 0) {
          ++f.dropped;
          const uint32_t next = next_where_[static_cast<size_t>(c) * n_stages + s];
          if (next == 0) continue;
          const int ns = next_stage_of(next), nt = next_touchpoint_of(next);
          ++f.next_touchpoint[nt >= 0 ? static_cast<size_t>(nt) : n_touch];
          ++f.next_stage[ns >= 0 ? static_cast<size_t>(ns) : n_stages];
        } else if (later[s] > firsts[s]) {
          ++f.converted;
          f.gaps.push_back(static_cast<double>(later[s] - firsts[s]) / 1000.0);
        }
      }
    }
  }

  json stage_list = json::array();
  for (size_t s = 0; s < n_stages; ++s) {
    Totals& t = stages[s];
    Flow& f = flows[s];
    const size_t customers = t.distinct;
    auto counts = [](const std::vector<uint64_t>& by_index, const std::vector<std::string>& ids) {
      json o = json::object();
      for (size_t i = 0; i < by_index.size(); ++i)
        if (by_index[i]) o[i < ids.size() ? ids[i] : std::string("(none)")] = by_index[i];
      return o;
    };
    stage_list.push_back({
        {"id", stage_ids_[s]},
        {"name", journey_.stages[s].name},
        {"customers", customers},
        {"interactions", t.interactions},
        {"sentiment", t.sentiment_json()},
        {"conversion_to_next",
         customers ? json(static_cast<double>(f.converted) / static_cast<double>(customers)) : json(nullptr)},
        {"dropoff", f.dropped},
        {"time_to_next_s",
         f.gaps.empty() ? json({{"median", nullptr}, {"p90", nullptr}})
                        : json({{"median", percentile(f.gaps, 0.5)}, {"p90", percentile(f.gaps, 0.9)}})},
        {"pain", t.pain_json()},
        {"after_dropoff",
         {{"touchpoints", counts(f.next_touchpoint, touchpoint_ids_)},
          {"stages", counts(f.next_stage, stage_ids_)}}},
    });
  }
  out["stages"] = std::move(stage_list);

  json tp_list = json::array();
  for (size_t i = 0; i < n_touch; ++i) {
    Totals& t = touchpoints[i];
    t.finish();
    tp_list.push_back({{"id", touchpoint_ids_[i]},
                       {"name", journey_.touchpoints[i].name},
                       {"interactions", t.interactions},
                       {"customers", t.distinct},
                       {"sentiment", t.sentiment_json()},
                       {"pain", t.pain_json()}});
  }
  out["touchpoints"] = std::move(tp_list);

  json cell_list = json::array();
  for (size_t s = 0; s < n_stages; ++s) {
    for (size_t i = 0; i < n_touch; ++i) {
      Totals& t = cells[s * n_touch + i];
      if (t.interactions == 0) continue;
      t.finish();
      cell_list.push_back({{"stage", stage_ids_[s]},
                           {"touchpoint", touchpoint_ids_[i]},
                           {"interactions", t.interactions},
                           {"customers", t.distinct},
                           {"sentiment", t.sentiment_json()},
                           {"pain", t.pain_json(3)}});
    }
  }
  out["cells"] = std::move(cell_list);
  unstaged.finish();
  out["unstaged"] = {{"interactions", unstaged.interactions}, {"customers", unstaged.distinct}};
  return out;
}

void JourneyMap::save(BinaryWriter& out) const {
  std::shared_lock lock(mu_);
  save_journey_ids(out, stage_ids_, touchpoint_ids_, persona_ids_);
  customers_.save(out);
  for (size_t c = 0; c < progress_.size(); ++c) {
    out.u64(progress_[c].visits.size());
    for (const StageVisit& v : progress_[c].visits) {
      out.i64(v.stage);
      out.i64(v.first_touchpoint);
      out.i64(v.first);
      out.i64(v.next.ts);
      out.i64(v.next.stage);
      out.i64(v.next.touchpoint);
    }
  }
  for (const int64_t f : firsts_) out.i64(f);
  save_hours(out, hours_, [&](const CellKey& k) {
    const Rollup& r = cells_.at(k);
    save_position(out, k.persona, k.stage, k.touchpoint);
    out.u64(r.interactions);
    out.u64(r.with_pain);
    out.u64(r.sentiment_n);
    out.f64(r.sentiment_sum);
    out.u64(r.pain.size());
    for (const auto& [reason, n] : r.pain) {
      out.str(reason);
      out.u64(n);
    }
    save_sorted(out, r.customers);
  });
}

bool JourneyMap::load(BinaryReader& in) {
  if (!same_journey_ids(in, stage_ids_, touchpoint_ids_, persona_ids_)) return false;
  const auto in_range = [](int64_t v, size_t n) { return v >= -1 && v < static_cast<int64_t>(n); };
  CustomerIndex index;
  if (!index.load(in)) return false;
  const size_t customers = index.size();
  std::vector<Progress> progress(customers);
  for (size_t c = 0; c < customers && in.ok(); ++c) {
    const size_t visits = in.count(6);
    for (size_t i = 0; i < visits && in.ok(); ++i) {
      StageVisit v;
      const int64_t stage = in.i64(), first_touchpoint = in.i64();
      v.first = in.i64();
      v.next.ts = in.i64();
      const int64_t next_stage = in.i64(), next_touchpoint = in.i64();
      if (!in_range(stage, stage_ids_.size()) || stage < 0 ||
          !in_range(first_touchpoint, touchpoint_ids_.size()) || !in_range(next_stage, stage_ids_.size()) ||
          !in_range(next_touchpoint, touchpoint_ids_.size()))
        return false;
      v.stage = static_cast<int16_t>(stage);
      v.first_touchpoint = static_cast<int16_t>(first_touchpoint);
      v.next.stage = static_cast<int16_t>(next_stage);
      v.next.touchpoint = static_cast<int16_t>(next_touchpoint);
      progress[c].visits.push_back(v);
    }
  }
  if (!in.ok()) return false;
  std::vector<int64_t> firsts(customers * stage_ids_.size());
  for (auto& f : firsts) f = in.i64();
  std::unordered_map<CellKey, Rollup, CellKeyHash> cells;
  std::map<int64_t, std::vector<CellKey>> hours;
  const JourneyDims dims{persona_ids_.size(), stage_ids_.size(), touchpoint_ids_.size()};
  const bool rollups_ok = load_hours(in, 8, [&](int64_t hour) {
    CellKey key{hour, -1, -1, -1};
    if (!load_position(in, dims, key.persona, key.stage, key.touchpoint)) return false;
    auto [it, fresh] = cells.try_emplace(key);
    if (!fresh) return false;
    Rollup& r = it->second;
    r.interactions = in.u64();
    r.with_pain = in.u64();
    r.sentiment_n = in.u64();
    r.sentiment_sum = in.f64();
    const size_t reasons = in.count(2);
    for (size_t i = 0; i < reasons && in.ok(); ++i) {
      std::string reason = in.str();
      r.pain[std::move(reason)] = in.u64();
    }
    if (!load_sorted(in, r.customers, customers)) return false;
    hours[hour].push_back(key);
    return true;
  });
  if (!rollups_ok) return false;
  if (!in.ok()) return false;
  std::unique_lock lock(mu_);
  customers_ = std::move(index);
  progress_ = std::move(progress);
  firsts_ = std::move(firsts);
  next_where_.assign(firsts_.size(), 0);
  for (uint32_t c = 0; c < progress_.size(); ++c) sync_next(c);
  cells_ = std::move(cells);
  hours_ = std::move(hours);
  return true;
}

}  // namespace tp
