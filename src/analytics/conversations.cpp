#include "analytics/conversations.h"

#include <algorithm>
#include <mutex>
#include <queue>

#include "analytics/journey_ids.h"
#include "analytics/snapshot_codec.h"

namespace tp {

ConversationIndex::ConversationIndex(const Journey& journey) : journey_(journey) {
  stage_ids_ = ids_of(journey.stages);
  touchpoint_ids_ = ids_of(journey.touchpoints);
  persona_ids_ = ids_of(journey.personas);
}

void ConversationIndex::clear() {
  std::unique_lock lock(mu_);
  conversations_.clear();
  ended_.clear();
  by_session_.clear();
  by_customer_.clear();
  links_.clear();
  pain_names_.clear();
  pain_index_.clear();
  hours_.clear();
  merged_ = 0;
}

size_t ConversationIndex::conversations() const {
  std::shared_lock lock(mu_);
  return conversations_.size() - merged_;
}

void ConversationIndex::link(const std::string& alias, const std::string& customer) {
  if (alias.empty() || customer.empty() || alias == customer) return;
  std::unique_lock lock(mu_);
  links_[alias] = customer;
}

std::string ConversationIndex::resolved(const std::string& customer) const {
  std::string c = customer;
  for (int hops = 0; hops < 8; ++hops) {  // links form chains only through re-identification; bounded
    auto it = links_.find(c);
    if (it == links_.end()) break;
    c = it->second;
  }
  return c;
}

uint32_t ConversationIndex::conversation_for(const ConversationRecord& r) {
  if (!r.session.empty()) {
    auto [it, fresh] = by_session_.try_emplace(r.session, static_cast<uint32_t>(conversations_.size()));
    if (fresh) {
      Conversation c;
      c.id = r.session;
      c.started = c.ended = r.ts_ms;
      conversations_.push_back(std::move(c));
      ended_.push_back(r.ts_ms);
    }
    return it->second;
  }
  // Without a session: the customer's conversation within the gap of this time, else a new one. A late
  // interaction can bridge two of them, which then become one (the earlier keeps its id).
  auto& list = by_customer_[r.customer];
  const auto after = list.upper_bound(r.ts_ms + kGapMs - 1);  // the first that starts too late to include ts
  uint32_t found = kNone;
  if (after != list.begin() && r.ts_ms - conversations_[std::prev(after)->second].ended < kGapMs)
    found = std::prev(after)->second;
  if (found == kNone) {
    found = static_cast<uint32_t>(conversations_.size());
    Conversation c;
    c.id = r.customer + "@" + std::to_string(r.seq);
    c.sessionless = true;
    c.customer = r.customer;
    c.started = c.ended = r.ts_ms;
    conversations_.push_back(std::move(c));
    ended_.push_back(r.ts_ms);
    list.emplace(r.ts_ms, found);
  } else if (r.ts_ms < conversations_[found].started) {
    list.erase(conversations_[found].started);
    conversations_[found].started = r.ts_ms;
    list.emplace(r.ts_ms, found);
  }
  conversations_[found].ended = std::max(conversations_[found].ended, r.ts_ms);
  // It may now reach back to the one before, and forward to those after.
  auto self = list.find(conversations_[found].started);
  if (self != list.begin()) {
    const auto before = std::prev(self);
    if (conversations_[found].started - conversations_[before->second].ended < kGapMs) {
      absorb(before->second, found);
      list.erase(self);
      found = before->second;
    }
  }
  for (auto next = list.upper_bound(conversations_[found].started);
       next != list.end() && next->first - conversations_[found].ended < kGapMs;) {
    absorb(found, next->second);
    next = list.erase(next);
  }
  return found;
}

// `gone` becomes part of `into` (which starts no later): its entries, seqs and clusters move over.
void ConversationIndex::absorb(uint32_t into, uint32_t gone) {
  Conversation& c = conversations_[into];
  Conversation& g = conversations_[gone];
  for (auto h = hours_.lower_bound(hour_of(g.started)); h != hours_.end() && h->first <= hour_of(g.ended);
       ++h)
    for (auto& slot : h->second)
      for (Entry& e : slot)
        if (e.conversation == gone) e.conversation = into;
  c.started = std::min(c.started, g.started);
  c.ended = std::max(c.ended, g.ended);
  c.seqs.insert(c.seqs.end(), g.seqs.begin(), g.seqs.end());
  std::sort(c.seqs.begin(), c.seqs.end());
  for (const uint32_t k : g.clusters)
    if (std::find(c.clusters.begin(), c.clusters.end(), k) == c.clusters.end()) c.clusters.push_back(k);
  for (const uint16_t p : g.rare_pain)
    if (std::find(c.rare_pain.begin(), c.rare_pain.end(), p) == c.rare_pain.end()) c.rare_pain.push_back(p);
  g = Conversation{};  // empty id: merged away, never listed
  ended_[into] = c.ended;
  ended_[gone] = 0;
  ++merged_;
}

uint32_t ConversationIndex::pain_bit_mask(const std::vector<std::string>& pain, Conversation& c) {
  uint32_t mask = 0;
  for (const auto& reason : pain) {
    auto [it, fresh] = pain_index_.try_emplace(reason, static_cast<uint16_t>(pain_names_.size()));
    if (fresh) pain_names_.push_back(reason);
    const uint16_t i = it->second;
    if (i < kPainBits - 1) {
      mask |= uint32_t{1} << i;
    } else {
      mask |= uint32_t{1} << (kPainBits - 1);
      if (std::find(c.rare_pain.begin(), c.rare_pain.end(), i) == c.rare_pain.end()) c.rare_pain.push_back(i);
    }
  }
  return mask;
}

void ConversationIndex::add(const ConversationRecord& r) {
  if (r.session.empty() && r.customer.empty()) return;  // nothing to group it by
  const int stage = index_of(stage_ids_, r.stage);
  std::unique_lock lock(mu_);
  const uint32_t conv = conversation_for(r);
  Conversation& c = conversations_[conv];
  if (c.customer.empty() || (!r.customer.empty() && r.ts_ms >= c.ended)) c.customer = r.customer;
  c.started = std::min(c.started, r.ts_ms);
  c.ended = std::max(c.ended, r.ts_ms);
  ended_[conv] = c.ended;
  if (c.seqs.empty() || c.seqs.back() < r.seq)
    c.seqs.push_back(r.seq);
  else
    c.seqs.insert(std::lower_bound(c.seqs.begin(), c.seqs.end(), r.seq), r.seq);
  if (r.cluster && std::find(c.clusters.begin(), c.clusters.end(), *r.cluster) == c.clusters.end())
    c.clusters.push_back(*r.cluster);

  Entry e{};
  const int64_t hour = hour_of(r.ts_ms);
  e.ms_in_hour = static_cast<uint32_t>(r.ts_ms - hour * kHourMs);
  e.conversation = conv;
  e.cluster = r.cluster ? *r.cluster : kNone;
  e.pain = pain_bit_mask(r.pain, c);
  e.touchpoint = static_cast<int16_t>(index_of(touchpoint_ids_, r.touchpoint));
  e.persona = static_cast<int16_t>(index_of(persona_ids_, r.persona));
  HourBucket& bucket = hours_[hour];
  if (bucket.empty()) bucket.resize(stage_ids_.size() + 1);
  bucket[static_cast<size_t>(stage) + 1].push_back(e);  // stage -1 (none) is slot 0
}

ConversationPage ConversationIndex::query(const ConversationQuery& q) const {
  ConversationPage page;
  const bool any_stage = q.stage.empty(), any_touchpoint = q.touchpoint.empty(),
             any_persona = q.persona.empty();
  const int stage = index_of(stage_ids_, q.stage), touchpoint = index_of(touchpoint_ids_, q.touchpoint),
            persona = index_of(persona_ids_, q.persona);
  // An id the journey does not know matches nothing (the web layer refuses them before).
  if ((!any_stage && stage < 0) || (!any_touchpoint && touchpoint < 0) || (!any_persona && persona < 0))
    return page;

  std::shared_lock lock(mu_);
  uint32_t pain_mask = 0;
  int rare_reason = -1;
  if (q.pain == kAnyPain) {
    pain_mask = ~uint32_t{0};
  } else if (!q.pain.empty()) {
    auto it = pain_index_.find(q.pain);
    if (it == pain_index_.end()) return page;  // never seen: nothing matches
    if (it->second < kPainBits - 1) {
      pain_mask = uint32_t{1} << it->second;
    } else {
      pain_mask = uint32_t{1} << (kPainBits - 1);
      rare_reason = it->second;
    }
  }
  const bool pain_filter = !q.pain.empty();

  std::vector<uint64_t> matched((conversations_.size() + 63) / 64, 0);
  const int64_t from_hour = hour_of(q.from_ms), to_hour = hour_of(q.to_ms - 1);
  for (auto h = hours_.lower_bound(from_hour); h != hours_.end() && h->first <= to_hour; ++h) {
    const int64_t base = h->first * kHourMs;
    // Only the hours at the window's edges need the time of each entry checked.
    const bool whole_hour = base >= q.from_ms && base + kHourMs <= q.to_ms;
    const int64_t lo = whole_hour ? 0 : std::max<int64_t>(0, q.from_ms - base);
    const int64_t hi = whole_hour ? kHourMs : std::min<int64_t>(kHourMs, q.to_ms - base);
    const size_t first_slot = any_stage ? 0 : static_cast<size_t>(stage + 1);
    const size_t last_slot = any_stage ? h->second.size() : first_slot + 1;
    for (size_t slot = first_slot; slot < last_slot; ++slot) {
      for (const Entry& e : h->second[slot]) {
        if (!whole_hour && (e.ms_in_hour < lo || e.ms_in_hour >= hi)) continue;
        if (!any_touchpoint && e.touchpoint != touchpoint) continue;
        if (!any_persona && e.persona != persona) continue;
        if (!q.clusters.empty() &&
            std::find(q.clusters.begin(), q.clusters.end(), e.cluster) == q.clusters.end())
          continue;
        if (pain_filter && !(e.pain & pain_mask)) continue;
        if (rare_reason >= 0) {
          const auto& rare = conversations_[e.conversation].rare_pain;
          if (std::find(rare.begin(), rare.end(), rare_reason) == rare.end()) continue;
        }
        matched[e.conversation >> 6] |= uint64_t{1} << (e.conversation & 63);
      }
    }
  }

  // The page: the first `limit` matches after the cursor, in listing order (newest end first, then the
  // id descending), kept in a bounded heap whose
  // top is the last of those kept so far.
  const auto later_in_list = [this](uint32_t a, uint32_t b) {
    if (ended_[a] != ended_[b]) return ended_[a] > ended_[b];
    return conversations_[a].id > conversations_[b].id;
  };
  std::priority_queue<uint32_t, std::vector<uint32_t>, decltype(later_in_list)> heap(later_in_list);
  const size_t keep = q.limit + 1;  // one more tells whether a next page exists
  // Newest conversations first (indexes grow with time, roughly): the heap fills with the page at once and
  // the older matches after it are turned away by one comparison with its top.
  for (size_t w = matched.size(); w-- > 0;) {
    page.total += static_cast<uint64_t>(__builtin_popcountll(matched[w]));
    for (uint64_t x = matched[w]; x;) {
      const int bit = 63 - __builtin_clzll(x);
      x &= ~(uint64_t{1} << bit);
      const uint32_t c = static_cast<uint32_t>(w * 64 + static_cast<size_t>(bit));
      if (heap.size() == keep && ended_[c] < ended_[heap.top()]) continue;  // older than the whole page
      if (q.after && (ended_[c] > q.after->ended_ms ||
                      (ended_[c] == q.after->ended_ms && conversations_[c].id >= q.after->id)))
        continue;  // on an earlier page
      if (heap.size() < keep) {
        heap.push(c);
      } else if (later_in_list(c, heap.top())) {
        heap.pop();
        heap.push(c);
      }
    }
  }
  std::vector<uint32_t> chosen;
  while (!heap.empty()) {
    chosen.push_back(heap.top());
    heap.pop();
  }
  std::reverse(chosen.begin(), chosen.end());
  const bool more = chosen.size() > q.limit;
  if (more) chosen.resize(q.limit);
  for (const uint32_t c : chosen) {
    const Conversation& conv = conversations_[c];
    page.conversations.push_back(
        {conv.id, resolved(conv.customer), conv.started, conv.ended, conv.clusters, conv.seqs});
  }
  if (more && !chosen.empty())
    page.next = ConversationCursor{conversations_[chosen.back()].ended, conversations_[chosen.back()].id};
  return page;
}

void ConversationIndex::save(BinaryWriter& out) const {
  std::shared_lock lock(mu_);
  save_journey_ids(out, stage_ids_, touchpoint_ids_, persona_ids_);
  out.u64(pain_names_.size());
  for (const auto& p : pain_names_) out.str(p);
  out.u64(conversations_.size());
  for (const Conversation& c : conversations_) {
    out.str(c.id);
    out.boolean(c.sessionless);
    out.str(c.customer);
    out.i64(c.started);
    out.i64(c.ended);
    out.u64(c.clusters.size());
    for (const uint32_t k : c.clusters) out.u64(k);
    out.u64(c.seqs.size());
    int64_t previous = 0;
    for (const int64_t s : c.seqs) {  // ascending: deltas stay small
      out.i64(s - previous);
      previous = s;
    }
    out.u64(c.rare_pain.size());
    for (const uint16_t p : c.rare_pain) out.u64(p);
  }
  out.u64(links_.size());
  for (const auto& [alias, customer] : links_) {
    out.str(alias);
    out.str(customer);
  }
  out.u64(hours_.size());
  for (const auto& [hour, slots] : hours_) {
    out.i64(hour);
    out.u64(slots.size());
    for (const auto& entries : slots) {
      out.u64(entries.size());
      for (const Entry& e : entries) {
        out.u64(e.ms_in_hour);
        out.u64(e.conversation);
        out.u64(e.cluster);
        out.u64(e.pain);
        out.i64(e.touchpoint);
        out.i64(e.persona);
      }
    }
  }
}

bool ConversationIndex::load(BinaryReader& in) {
  if (!same_journey_ids(in, stage_ids_, touchpoint_ids_, persona_ids_)) return false;
  std::vector<std::string> pain_names(in.count());
  std::unordered_map<std::string, uint16_t> pain_index;
  if (pain_names.size() > 0xffff) return false;
  for (size_t i = 0; i < pain_names.size() && in.ok(); ++i) {
    pain_names[i] = in.str();
    if (!pain_index.emplace(pain_names[i], static_cast<uint16_t>(i)).second) return false;
  }
  std::vector<Conversation> conversations(in.count(7));
  size_t merged = 0;
  std::unordered_map<std::string, uint32_t> by_session;
  std::unordered_map<std::string, std::map<int64_t, uint32_t>> by_customer;
  for (uint32_t i = 0; i < conversations.size() && in.ok(); ++i) {
    Conversation& c = conversations[i];
    c.id = in.str();
    c.sessionless = in.boolean();
    c.customer = in.str();
    c.started = in.i64();
    c.ended = in.i64();
    c.clusters.resize(in.count());
    for (auto& k : c.clusters) k = static_cast<uint32_t>(in.u64());
    c.seqs.resize(in.count());
    int64_t previous = 0;
    for (auto& s : c.seqs) s = previous += in.i64();
    c.rare_pain.resize(in.count());
    for (auto& p : c.rare_pain) {
      const uint64_t v = in.u64();
      if (v >= pain_names.size()) return false;
      p = static_cast<uint16_t>(v);
    }
    if (c.id.empty()) {
      ++merged;
      continue;
    }
    const bool fresh = c.sessionless ? by_customer[c.customer].emplace(c.started, i).second
                                     : by_session.emplace(c.id, i).second;
    if (!fresh) return false;
  }
  std::unordered_map<std::string, std::string> links;
  const size_t n_links = in.count(2);
  for (size_t i = 0; i < n_links && in.ok(); ++i) {
    std::string alias = in.str();
    links[std::move(alias)] = in.str();
  }
  std::map<int64_t, HourBucket> hours;
  const size_t n_hours = in.count(2);
  for (size_t i = 0; i < n_hours && in.ok(); ++i) {
    HourBucket& bucket = hours[in.i64()];
    if (in.u64() != stage_ids_.size() + 1) return false;
    bucket.resize(stage_ids_.size() + 1);
    for (auto& entries : bucket) {
      entries.resize(in.count(6));
      for (Entry& e : entries) {
        const uint64_t ms = in.u64(), conv = in.u64(), cluster = in.u64(), pain = in.u64();
        const int64_t touchpoint = in.i64(), persona = in.i64();
        if (ms >= static_cast<uint64_t>(kHourMs) || conv >= conversations.size() || pain > 0xffffffffu ||
            cluster > kNone || touchpoint < -1 ||
            touchpoint >= static_cast<int64_t>(touchpoint_ids_.size()) || persona < -1 ||
            persona >= static_cast<int64_t>(persona_ids_.size()))
          return false;
        e = Entry{static_cast<uint32_t>(ms),        static_cast<uint32_t>(conv),
                  static_cast<uint32_t>(cluster),   static_cast<uint32_t>(pain),
                  static_cast<int16_t>(touchpoint), static_cast<int16_t>(persona)};
      }
    }
  }
  if (!in.ok()) return false;
  std::unique_lock lock(mu_);
  conversations_ = std::move(conversations);
  ended_.resize(conversations_.size());
  for (size_t i = 0; i < conversations_.size(); ++i) ended_[i] = conversations_[i].ended;
  merged_ = merged;
  by_session_ = std::move(by_session);
  by_customer_ = std::move(by_customer);
  links_ = std::move(links);
  pain_names_ = std::move(pain_names);
  pain_index_ = std::move(pain_index);
  hours_ = std::move(hours);
  return true;
}

}  // namespace tp
