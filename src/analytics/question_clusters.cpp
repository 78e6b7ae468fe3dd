#include "analytics/question_clusters.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "util/text.h"

namespace tp {
namespace {

constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
// A term seen in at most this many distinct questions may be a typo of a frequent one...
constexpr uint32_t kRareDf = 1;
// ...one that is in at least this many, and kTypoRatio times as many as the rare one.
constexpr uint32_t kFrequentDf = 2, kTypoRatio = 2;
// Candidate clusters come from the postings of the question's rarest terms; a posting list this long (a
// term in thousands of profiles) is read only up to here: such a term joins nothing on its own.
constexpr size_t kMaxPostingScan = 512;
constexpr size_t kMaxCandidates = 16;  // scored fully, by their partial dot product

size_t code_points(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++n) next_code_point(s, i);
  return n;
}

// Every string that one code point less makes of `s` (the one-deletion neighbourhood), with `s` itself.
std::vector<std::string> deletions(const std::string& s) {
  std::vector<size_t> starts;
  for (size_t i = 0; i < s.size();) {
    starts.push_back(i);
    next_code_point(s, i);
  }
  starts.push_back(s.size());
  std::vector<std::string> out{s};
  for (size_t k = 0; k + 1 < starts.size(); ++k)
    out.push_back(s.substr(0, starts[k]) + s.substr(starts[k + 1]));
  return out;
}

}  // namespace

QuestionClusters::QuestionClusters() : QuestionClusters(Options{}) {}
QuestionClusters::QuestionClusters(Options options) : options_(options) {
  log_df_.resize(4096);
  for (size_t d = 0; d < log_df_.size(); ++d) log_df_[d] = std::log(static_cast<double>(d) + 1.0);
}

uint32_t QuestionClusters::intern(const std::string& term) {
  auto [it, fresh] = term_index_.try_emplace(term, static_cast<uint32_t>(terms_.size()));
  if (fresh) {
    terms_.push_back(term);
    df_.push_back(0);
    spellings_.emplace_back();
  }
  return it->second;
}

// One deletion on either side covers a substitution, an insertion, a deletion and a swap of neighbours.
// Each spelling of the term is indexed (short ones have too many neighbours and are left out).
void QuestionClusters::index_deletions(uint32_t term) {
  for (const std::string& spelling : spellings_[term]) {
    if (code_points(spelling) < QuestionTerms::kPrefix) continue;
    for (auto& d : deletions(spelling)) {
      auto& list = deletions_[std::move(d)];
      if (list.empty() || list.back() != term) list.push_back(term);
    }
  }
}

void QuestionClusters::add_spelling(uint32_t term, const std::string& spelling) {
  constexpr size_t kMaxSpellings = 4;
  auto& list = spellings_[term];
  if (std::find(list.begin(), list.end(), spelling) != list.end() || list.size() >= kMaxSpellings) return;
  list.push_back(spelling);
  if (df_[term] >= kFrequentDf && code_points(spelling) >= QuestionTerms::kPrefix)
    for (auto& d : deletions(spelling)) {
      auto& ids = deletions_[std::move(d)];
      if (std::find(ids.begin(), ids.end(), term) == ids.end()) ids.push_back(term);
    }
}

// The frequent term a rare one is a typo of, if any: the most frequent one whose one-deletion variants
// meet the rare one's (one edit on the word, which after the cut to five letters can look like two:
// "refnd" for "refun(d)").
const std::string* QuestionClusters::correction(uint32_t term, const std::string& spelling) const {
  const std::string& t = spelling;
  if (df_[term] > kRareDf || code_points(t) + 1 < QuestionTerms::kPrefix) return nullptr;
  uint32_t best = kNone;
  for (const auto& d : deletions(t)) {
    auto it = deletions_.find(d);
    if (it == deletions_.end()) continue;
    for (const uint32_t other : it->second) {
      if (other == term || df_[other] < kFrequentDf || df_[other] < kTypoRatio * (df_[term] + 1)) continue;
      if (best != kNone && (df_[other] < df_[best] || (df_[other] == df_[best] && other > best))) continue;
      best = other;
    }
  }
  return best == kNone ? nullptr : &terms_[best];
}

std::vector<uint32_t> QuestionClusters::term_ids(std::string_view text, std::string_view key) {
  std::vector<uint32_t> ids;
  std::vector<std::string> spellings;
  const std::vector<std::string> terms = extractor_.terms(text, key, &spellings);
  for (size_t i = 0; i < terms.size(); ++i) {
    uint32_t id = intern(terms[i]);
    if (const std::string* fixed = correction(id, spellings[i]))
      id = term_index_.at(*fixed);
    else
      add_spelling(id, spellings[i]);  // a typo's spelling is not one of the word's
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  // Counted in the corpus once per distinct question.
  ++questions_;
  for (const uint32_t id : ids)
    if (++df_[id] == kFrequentDf) index_deletions(id);
  return ids;
}

// Smoothed so that a young corpus (a few dozen questions) does not treat every word as rare or common.
// A term's weight: its IDF, smoothed so that a young corpus (a few dozen questions) does not treat every
// word as rare or common, times the evidence behind it, df / (df + 1): a word seen once (typically an
// incidental one, "processed", "yet") weighs half as much as its rarity says, so that it does not outvote
// the word a question shares with its cluster, which is frequent exactly because it is the topic.
double QuestionClusters::idf(uint32_t term) const {
  const uint32_t n = df_[term];
  const double df = static_cast<double>(n);
  if (questions_ != log_n_at_) {
    log_n_at_ = questions_;
    log_n_ = std::log(static_cast<double>(questions_) + 10.0);
  }
  const double log_df = n < log_df_.size() ? log_df_[n] : std::log(df + 1.0);
  return (log_n_ - log_df) * (df / (df + 1.0));
}

double QuestionClusters::norm(const Cluster& c) const {
  // The IDF drifts slowly as the corpus grows: recomputed when it grew by an eighth since.
  if (c.norm_at == 0 || questions_ > c.norm_at + c.norm_at / 8) {
    double sum = 0;
    for (const auto& [term, n] : c.profile) {
      const double w = idf(term) * static_cast<double>(n) / static_cast<double>(c.members);
      sum += w * w;
    }
    c.norm = std::sqrt(sum);
    c.norm_at = std::max<uint64_t>(questions_, 1);
  }
  return c.norm;
}

double QuestionClusters::cosine(const std::vector<uint32_t>& terms, const Cluster& c) const {
  if (terms.empty() || c.members == 0) return 0;
  double dot = 0, q = 0;
  for (const uint32_t t : terms) {
    const double w = idf(t);
    q += w * w;
    auto it = std::lower_bound(c.profile.begin(), c.profile.end(), std::make_pair(t, uint32_t{0}));
    if (it != c.profile.end() && it->first == t)
      dot += w * w * static_cast<double>(it->second) / static_cast<double>(c.members);
  }
  const double n = norm(c);
  return q > 0 && n > 0 ? dot / (std::sqrt(q) * n) : 0;
}

void QuestionClusters::add_to_profile(uint32_t cluster, const std::vector<uint32_t>& terms) {
  Cluster& c = clusters_[cluster];
  if (c.members >= kProfileMembers || terms.empty()) return;
  ++c.members;
  for (const uint32_t t : terms) {
    auto it = std::lower_bound(c.profile.begin(), c.profile.end(), std::make_pair(t, uint32_t{0}));
    if (it != c.profile.end() && it->first == t) {
      ++it->second;
    } else {
      c.profile.insert(it, {t, 1});
      postings_[t].push_back(cluster);
    }
  }
  c.norm_at = 0;  // recomputed when next needed
}

uint32_t QuestionClusters::assign(std::string_view text, std::string_view intent, bool fallback,
                                  std::string key) {
  std::string folded = key.empty() ? QuestionTerms::key(text) : std::move(key);
  const bool has_intent = !intent.empty() && !fallback;
  uint32_t chosen = kNone;
  if (has_intent) {
    if (auto it = by_intent_.find(std::string(intent)); it != by_intent_.end())
      chosen = canonical(it->second);
  }
  // A phrasing seen before goes where it went (unless its intent says otherwise).
  auto known = by_phrasing_.find(folded);
  if (known != by_phrasing_.end()) {
    const uint32_t before = canonical(known->second.cluster);
    if (chosen == kNone && (!has_intent || clusters_[before].intent.empty())) chosen = before;
    if (chosen != kNone) {
      if (has_intent && clusters_[chosen].intent.empty()) {
        clusters_[chosen].intent = std::string(intent);
        by_intent_.emplace(clusters_[chosen].intent, chosen);
      }
      return chosen;
    }
  }

  const std::vector<uint32_t> terms =
      known != by_phrasing_.end() ? known->second.terms : term_ids(text, folded);
  if (chosen == kNone) {
    // Candidates: clusters sharing the question's rarer terms, ranked by the dot product with them.
    std::vector<uint32_t> order(terms);
    std::sort(order.begin(), order.end(),
              [&](uint32_t a, uint32_t b) { return df_[a] != df_[b] ? df_[a] < df_[b] : a < b; });
    // Partial dot products in a flat scratch array (no allocation per question). A term in many
    // profiles (a common word) only adds to the candidates the rarer terms found, looked up in their
    // profiles, instead of walking its whole posting list.
    if (acc_.size() < clusters_.size()) acc_.resize(clusters_.size(), 0.0);
    touched_.clear();
    const auto eligible = [&](uint32_t c) {
      return parent_[c] == c && (!has_intent || clusters_[c].intent.empty() || clusters_[c].intent == intent);
    };
    for (const uint32_t t : order) {
      auto it = postings_.find(t);
      if (it == postings_.end()) continue;
      const double w2 = idf(t) * idf(t);
      const auto& list = it->second;
      if (!touched_.empty() && list.size() > 8 * touched_.size()) {
        for (const uint32_t c : touched_) {
          const auto& prof = clusters_[c].profile;
          auto p = std::lower_bound(prof.begin(), prof.end(), std::make_pair(t, uint32_t{0}));
          if (p != prof.end() && p->first == t) acc_[c] += w2;
        }
        continue;
      }
      for (size_t k = 0; k < list.size() && k < kMaxPostingScan; ++k) {
        const uint32_t c = list[k];
        if (!eligible(c)) continue;
        if (acc_[c] == 0) touched_.push_back(c);
        acc_[c] += w2;
      }
    }
    std::vector<std::pair<double, uint32_t>> ranked;
    ranked.reserve(touched_.size());
    for (const uint32_t c : touched_) {
      ranked.emplace_back(acc_[c], c);
      acc_[c] = 0;
    }
    const size_t keep = std::min(ranked.size(), kMaxCandidates);
    std::partial_sort(ranked.begin(), ranked.begin() + static_cast<long>(keep), ranked.end(),
                      [](const auto& a, const auto& b) {
                        return a.first != b.first ? a.first > b.first : a.second < b.second;
                      });
    double best = -1;
    for (size_t k = 0; k < keep; ++k) {
      const uint32_t c = ranked[k].second;
      const double s = cosine(terms, clusters_[c]);
      if (s >= options_.join_similarity && (s > best || (s == best && c < chosen))) {
        best = s;
        chosen = c;
      }
    }
  }
  if (chosen == kNone) {
    chosen = static_cast<uint32_t>(clusters_.size());
    clusters_.emplace_back();
    parent_.push_back(chosen);
  }
  Cluster& cluster = clusters_[chosen];
  if (has_intent && cluster.intent.empty()) {
    cluster.intent = std::string(intent);
    by_intent_.emplace(cluster.intent, chosen);
  }
  const bool grew = known == by_phrasing_.end() && cluster.members < kProfileMembers && !terms.empty();
  add_to_profile(chosen, terms);
  if (known == by_phrasing_.end() && cluster.phrasings < options_.members_indexed) {
    ++cluster.phrasings;
    by_phrasing_.emplace(std::move(folded), Phrasing{chosen, terms});
  }
  if (grew) maybe_merge(chosen);
  return canonical(chosen);
}

uint32_t QuestionClusters::canonical(uint32_t cluster) const {
  while (cluster < parent_.size() && parent_[cluster] != cluster) cluster = parent_[cluster];
  return cluster;
}

std::vector<uint32_t> QuestionClusters::members(uint32_t cluster) const {
  cluster = canonical(cluster);
  std::vector<uint32_t> out{cluster};
  for (uint32_t c = 0; c < parent_.size(); ++c)
    if (c != cluster && parent_[c] != c && canonical(c) == cluster) out.push_back(c);
  return out;
}

std::vector<std::pair<uint32_t, uint32_t>> QuestionClusters::take_merges() {
  return std::exchange(merges_, {});
}

double QuestionClusters::profile_cosine(const Cluster& a, const Cluster& b) const {
  double dot = 0;
  auto i = a.profile.begin(), j = b.profile.begin();
  while (i != a.profile.end() && j != b.profile.end()) {
    if (i->first < j->first) {
      ++i;
    } else if (j->first < i->first) {
      ++j;
    } else {
      const double w = idf(i->first);
      dot +=
          w * w * (static_cast<double>(i->second) / a.members) * (static_cast<double>(j->second) / b.members);
      ++i;
      ++j;
    }
  }
  const double n = norm(a) * norm(b);
  return n > 0 ? dot / n : 0;
}

// The clusters sharing the grown cluster's strongest terms, profile against profile.
void QuestionClusters::maybe_merge(uint32_t cluster) {
  constexpr size_t kTerms = 3, kMaxCompared = 32;
  // A cluster that grows to two phrasings or more looks for fragments of its question, lone phrasings
  // that joined nothing when they came (the corpus was younger then) included.
  constexpr uint32_t kMinSelf = 2, kMinOther = 1;
  const Cluster& c = clusters_[cluster];
  if (c.members < kMinSelf) return;
  std::vector<std::pair<double, uint32_t>> strongest;
  for (const auto& [term, n] : c.profile) strongest.emplace_back(idf(term) * n, term);
  const size_t top = std::min(strongest.size(), kTerms);
  std::partial_sort(strongest.begin(), strongest.begin() + static_cast<std::ptrdiff_t>(top), strongest.end(),
                    [](const auto& a, const auto& b) {
                      return a.first != b.first ? a.first > b.first : a.second < b.second;
                    });
  uint32_t best = kNone;
  double best_score = options_.merge_similarity;
  size_t compared = 0;
  std::vector<uint32_t> seen;
  for (size_t k = 0; k < top && compared < kMaxCompared; ++k) {
    auto it = postings_.find(strongest[k].second);
    if (it == postings_.end()) continue;
    for (const uint32_t other : it->second) {
      if (other == cluster || parent_[other] != other || clusters_[other].members < kMinOther) continue;
      if (std::find(seen.begin(), seen.end(), other) != seen.end()) continue;
      seen.push_back(other);
      const Cluster& o = clusters_[other];
      if (!c.intent.empty() && !o.intent.empty() && c.intent != o.intent) continue;
      const double s = profile_cosine(c, o);
      if (s >= best_score && (s > best_score || best == kNone || other < best)) {
        best_score = s;
        best = other;
      }
      if (++compared >= kMaxCompared) break;
    }
  }
  if (best == kNone) return;
  // The larger one stays (its id is the one seen most); on a tie the older.
  const Cluster& b = clusters_[best];
  const bool keep_other = b.members > c.members || (b.members == c.members && best < cluster);
  if (keep_other)
    absorb(best, cluster);
  else
    absorb(cluster, best);
}

void QuestionClusters::absorb(uint32_t survivor, uint32_t absorbed) {
  Cluster& s = clusters_[survivor];
  Cluster& a = clusters_[absorbed];
  // Profiles add up; above kProfileMembers the counts are scaled down to it (the mix is kept).
  std::vector<std::pair<uint32_t, uint32_t>> profile;
  const uint32_t total = s.members + a.members, kept = std::min(total, kProfileMembers);
  auto i = s.profile.begin(), j = a.profile.begin();
  const auto scaled = [&](uint32_t n) {
    return static_cast<uint32_t>((static_cast<uint64_t>(n) * kept + total / 2) / total);
  };
  while (i != s.profile.end() || j != a.profile.end()) {
    uint32_t term, n;
    if (j == a.profile.end() || (i != s.profile.end() && i->first < j->first)) {
      term = i->first;
      n = (i++)->second;
    } else if (i == s.profile.end() || j->first < i->first) {
      term = j->first;
      n = (j++)->second;
      postings_[term].push_back(survivor);
    } else {
      term = i->first;
      n = (i++)->second + (j++)->second;
    }
    if (const uint32_t m = scaled(n); m > 0) profile.emplace_back(term, m);
  }
  s.profile = std::move(profile);
  s.members = kept;
  s.norm_at = 0;
  if (s.intent.empty() && !a.intent.empty()) {
    s.intent = a.intent;
    by_intent_[s.intent] = survivor;
  }
  s.phrasings += a.phrasings;
  a = Cluster{};
  parent_[absorbed] = survivor;
  merges_.emplace_back(absorbed, survivor);
}

double QuestionClusters::representativeness(uint32_t cluster, const std::string& folded) const {
  auto it = by_phrasing_.find(folded);
  if (it == by_phrasing_.end() || cluster >= clusters_.size() ||
      canonical(it->second.cluster) != canonical(cluster))
    return 0;
  return cosine(it->second.terms, clusters_[canonical(cluster)]);
}

void QuestionClusters::rebuild_indexes() {
  postings_.clear();
  deletions_.clear();
  for (uint32_t c = 0; c < clusters_.size(); ++c)
    if (parent_[c] == c)
      for (const auto& [term, n] : clusters_[c].profile) postings_[term].push_back(c);
  for (uint32_t t = 0; t < terms_.size(); ++t)
    if (df_[t] >= kFrequentDf) index_deletions(t);
}

void QuestionClusters::save(BinaryWriter& out) const {
  out.u64(questions_);
  out.u64(terms_.size());
  for (size_t t = 0; t < terms_.size(); ++t) {
    out.str(terms_[t]);
    out.u64(df_[t]);
    out.u64(spellings_[t].size());
    for (const auto& spelling : spellings_[t]) out.str(spelling);
  }
  out.u64(clusters_.size());
  for (size_t id = 0; id < clusters_.size(); ++id) {
    const Cluster& c = clusters_[id];
    out.u64(parent_[id]);
    out.str(c.intent);
    out.u64(c.members);
    out.u64(c.profile.size());
    for (const auto& [term, n] : c.profile) {
      out.u64(term);
      out.u64(n);
    }
  }
  out.u64(by_phrasing_.size());
  for (const auto& [folded, p] : by_phrasing_) {
    out.str(folded);
    out.u64(p.cluster);
    out.u64(p.terms.size());
    for (const uint32_t t : p.terms) out.u64(t);
  }
}

bool QuestionClusters::load(BinaryReader& in) {
  QuestionClusters loaded(options_);
  loaded.questions_ = in.u64();
  const size_t n_terms = in.count(3);
  for (size_t t = 0; t < n_terms && in.ok(); ++t) {
    std::string term = in.str();
    const uint64_t df = in.u64();
    if (df > loaded.questions_ || !loaded.term_index_.emplace(term, static_cast<uint32_t>(t)).second)
      return false;
    loaded.terms_.push_back(std::move(term));
    loaded.df_.push_back(static_cast<uint32_t>(df));
    auto& spellings = loaded.spellings_.emplace_back(in.count());
    if (spellings.size() > 4) return false;
    for (auto& spelling : spellings) spelling = in.str();
  }
  const size_t n_clusters = in.count(3);
  for (uint32_t id = 0; id < n_clusters && in.ok(); ++id) {
    Cluster c;
    const uint64_t parent = in.u64();
    if (parent >= n_clusters) return false;
    loaded.parent_.push_back(static_cast<uint32_t>(parent));
    c.intent = in.str();
    c.members = static_cast<uint32_t>(in.u64());
    if (c.members > kProfileMembers) return false;
    const size_t n = in.count(2);
    for (size_t i = 0; i < n && in.ok(); ++i) {
      const uint64_t term = in.u64(), count = in.u64();
      if (term >= n_terms || count == 0 || count > c.members ||
          (!c.profile.empty() && term <= c.profile.back().first))
        return false;
      c.profile.emplace_back(static_cast<uint32_t>(term), static_cast<uint32_t>(count));
    }
    if (!c.intent.empty() && !loaded.by_intent_.emplace(c.intent, id).second) return false;
    loaded.clusters_.push_back(std::move(c));
  }
  const size_t n_phrasings = in.count(3);
  for (size_t i = 0; i < n_phrasings && in.ok(); ++i) {
    std::string folded = in.str();
    Phrasing p;
    const uint64_t cluster = in.u64();
    if (cluster >= loaded.clusters_.size()) return false;
    p.cluster = static_cast<uint32_t>(cluster);
    p.terms.resize(in.count());
    for (auto& t : p.terms) {
      const uint64_t v = in.u64();
      if (v >= n_terms) return false;
      t = static_cast<uint32_t>(v);
    }
    ++loaded.clusters_[p.cluster].phrasings;
    if (!loaded.by_phrasing_.emplace(std::move(folded), std::move(p)).second) return false;
  }
  if (!in.ok()) return false;
  // Every alias chain ends at a cluster of its own (no cycles).
  for (uint32_t c = 0; c < loaded.parent_.size(); ++c) {
    uint32_t x = c;
    for (size_t hops = 0; loaded.parent_[x] != x; ++hops) {
      if (hops > loaded.parent_.size()) return false;
      x = loaded.parent_[x];
    }
  }
  loaded.rebuild_indexes();
  *this = std::move(loaded);
  return true;
}

}  // namespace tp
