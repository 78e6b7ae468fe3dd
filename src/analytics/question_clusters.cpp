#include "analytics/question_clusters.h"

#include <algorithm>
#include <limits>
#include <random>

#include "engine/text_fold.h"

namespace tp {
namespace {

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

uint64_t mix(uint64_t x) {  // splitmix64 finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

struct HashFamily {
  std::array<uint64_t, QuestionClusters::kHashes> a{}, b{};
  HashFamily() {
    std::mt19937_64 rng(0x70756368706f696eULL);  // fixed: signatures must be stable across restarts
    for (int i = 0; i < QuestionClusters::kHashes; ++i) {
      a[i] = rng() | 1;
      b[i] = rng();
    }
  }
};

const HashFamily& family() {
  static const HashFamily f;
  return f;
}

// The folded text's character 3-grams (on UTF-8 characters, spaces included so word edges count).
std::vector<uint64_t> shingles(std::string_view folded) {
  std::vector<size_t> starts;
  for (size_t i = 0; i < folded.size();) {
    starts.push_back(i);
    next_code_point(folded, i);
  }
  starts.push_back(folded.size());
  std::vector<uint64_t> out;
  const size_t chars = starts.size() - 1;
  if (chars < 3) {
    out.push_back(fnv1a(folded));
    return out;
  }
  for (size_t k = 0; k + 3 <= chars; ++k)
    out.push_back(fnv1a(folded.substr(starts[k], starts[k + 3] - starts[k])));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

QuestionClusters::QuestionClusters() : QuestionClusters(Options{}) {}
QuestionClusters::QuestionClusters(Options options) : options_(options) {}

QuestionClusters::Signature QuestionClusters::signature(std::string_view folded) {
  Signature sig;
  sig.fill(std::numeric_limits<uint64_t>::max());
  const auto& f = family();
  for (const uint64_t s : shingles(folded))
    for (int i = 0; i < kHashes; ++i) sig[i] = std::min(sig[i], mix(f.a[i] * s + f.b[i]));
  return sig;
}

double QuestionClusters::similarity(const Signature& a, const Signature& b) {
  int same = 0;
  for (int i = 0; i < kHashes; ++i) same += a[i] == b[i];
  return static_cast<double>(same) / kHashes;
}

void QuestionClusters::index(uint32_t cluster, const Signature& sig) {
  constexpr int rows = kHashes / kBands;
  for (int band = 0; band < kBands; ++band) {
    uint64_t h = mix(static_cast<uint64_t>(band) + 0x9e3779b97f4a7c15ULL);
    for (int r = 0; r < rows; ++r) h = mix(h ^ sig[band * rows + r]);
    auto& list = bands_[h];
    if (std::find(list.begin(), list.end(), cluster) == list.end()) list.push_back(cluster);
  }
}

uint32_t QuestionClusters::assign(std::string_view text, std::string_view intent, bool fallback) {
  const std::string folded = TextFolder::instance().fold(text);
  const bool has_intent = !intent.empty() && !fallback;

  uint32_t chosen = std::numeric_limits<uint32_t>::max();
  if (has_intent) {
    if (auto it = by_intent_.find(std::string(intent)); it != by_intent_.end()) chosen = it->second;
  }
  if (chosen == std::numeric_limits<uint32_t>::max()) {
    if (auto it = by_phrasing_.find(folded);
        it != by_phrasing_.end() && (!has_intent || clusters_[it->second].intent.empty()))
      chosen = it->second;
  }
  Signature sig{};
  bool have_sig = false;
  if (chosen == std::numeric_limits<uint32_t>::max()) {
    sig = signature(folded);
    have_sig = true;
    // Candidates from the LSH buckets, verified by their estimated similarity.
    constexpr int rows = kHashes / kBands;
    double best = options_.join_similarity;
    for (int band = 0; band < kBands; ++band) {
      uint64_t h = mix(static_cast<uint64_t>(band) + 0x9e3779b97f4a7c15ULL);
      for (int r = 0; r < rows; ++r) h = mix(h ^ sig[band * rows + r]);
      auto it = bands_.find(h);
      if (it == bands_.end()) continue;
      for (const uint32_t c : it->second) {
        // A question with an intent joins only its intent's cluster or an intent-less one.
        if (has_intent && !clusters_[c].intent.empty() && clusters_[c].intent != intent) continue;
        for (const auto& m : clusters_[c].members) {
          const double s = similarity(sig, m);
          if (s >= best) {
            best = s;
            chosen = c;
          }
        }
      }
    }
  }
  if (chosen == std::numeric_limits<uint32_t>::max()) {
    chosen = static_cast<uint32_t>(clusters_.size());
    clusters_.push_back({});
  }
  Cluster& cluster = clusters_[chosen];
  if (has_intent && cluster.intent.empty()) {
    cluster.intent = std::string(intent);
    by_intent_.emplace(cluster.intent, chosen);
  }
  if (!by_phrasing_.count(folded) && cluster.phrasings.size() < options_.members_indexed) {
    if (!have_sig) sig = signature(folded);
    cluster.phrasings.push_back(folded);
    cluster.members.push_back(sig);
    by_phrasing_.emplace(folded, chosen);
    index(chosen, sig);
  }
  return chosen;
}

// The LSH buckets are saved as they are (not rebuilt from the members) so that candidates are visited
// in the same order after a restart and ties go the same way.
void QuestionClusters::save(BinaryWriter& out) const {
  out.u64(clusters_.size());
  for (const Cluster& c : clusters_) {
    out.str(c.intent);
    out.u64(c.phrasings.size());
    for (size_t i = 0; i < c.phrasings.size(); ++i) {
      out.str(c.phrasings[i]);
      for (const uint64_t h : c.members[i]) out.u64(h);
    }
  }
  out.u64(bands_.size());
  for (const auto& [bucket, list] : bands_) {
    out.u64(bucket);
    out.u64(list.size());
    for (const uint32_t c : list) out.u64(c);
  }
}

bool QuestionClusters::load(BinaryReader& in) {
  std::vector<Cluster> clusters(in.count(2));
  std::unordered_map<std::string, uint32_t> by_intent, by_phrasing;
  for (uint32_t id = 0; id < clusters.size() && in.ok(); ++id) {
    Cluster& c = clusters[id];
    c.intent = in.str();
    if (!c.intent.empty() && !by_intent.emplace(c.intent, id).second) return false;
    const size_t n = in.count(1 + kHashes);
    for (size_t i = 0; i < n && in.ok(); ++i) {
      c.phrasings.push_back(in.str());
      Signature sig;
      for (auto& h : sig) h = in.u64();
      c.members.push_back(sig);
      by_phrasing.emplace(c.phrasings.back(), id);
    }
  }
  std::unordered_map<uint64_t, std::vector<uint32_t>> bands;
  const size_t buckets = in.count(3);
  for (size_t b = 0; b < buckets && in.ok(); ++b) {
    auto& list = bands[in.u64()];
    const size_t n = in.count();
    for (size_t i = 0; i < n && in.ok(); ++i) {
      const uint64_t c = in.u64();
      if (c >= clusters.size()) return false;
      list.push_back(static_cast<uint32_t>(c));
    }
  }
  if (!in.ok()) return false;
  clusters_ = std::move(clusters);
  by_intent_ = std::move(by_intent);
  by_phrasing_ = std::move(by_phrasing);
  bands_ = std::move(bands);
  return true;
}

}  // namespace tp
