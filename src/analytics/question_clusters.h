// Grouping customers' questions into clusters of the same question, incrementally and without a network
// model: text is folded (Unicode normalisation, case folding, accents removed: engine/text_fold.h), cut
// into character 3-grams (language- and script-agnostic: works for Latvian inflections, Cyrillic,
// typos), summarised by a 32-value MinHash signature, and looked up in an LSH index (16 bands of 2),
// so a new question is compared only with clusters that probably match. The bot's intent, when present,
// is a strong signal: all questions with one intent form one cluster (joining phrasings across
// languages); questions without an intent (fallbacks) join by similarity, to an intent's cluster too.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/binary_io.h"

namespace tp {

class QuestionClusters {
 public:
  static constexpr int kHashes = 32;
  static constexpr int kBands = 16;
  using Signature = std::array<uint64_t, kHashes>;

  struct Options {
    double join_similarity = 0.42;  // estimated Jaccard of 3-gram sets to join a cluster
    size_t members_indexed = 24;    // distinct phrasings per cluster kept in the index
  };

  QuestionClusters();
  explicit QuestionClusters(Options options);

  // Returns the cluster id of the question (a new one when nothing is similar enough).
  uint32_t assign(std::string_view text, std::string_view intent, bool fallback);

  size_t size() const { return clusters_.size(); }
  const std::string& intent(uint32_t cluster) const { return clusters_[cluster].intent; }

  // The whole index, for snapshots; load() returns false (and leaves this untouched) on damaged input.
  void save(BinaryWriter& out) const;
  bool load(BinaryReader& in);

  static Signature signature(std::string_view folded);
  static double similarity(const Signature& a, const Signature& b);

 private:
  struct Cluster {
    std::string intent;
    std::vector<Signature> members;      // signatures of distinct phrasings (bounded)
    std::vector<std::string> phrasings;  // folded forms of those
  };
  void index(uint32_t cluster, const Signature& sig);

  Options options_;
  std::vector<Cluster> clusters_;
  std::unordered_map<std::string, uint32_t> by_intent_;
  std::unordered_map<std::string, uint32_t> by_phrasing_;      // exact folded text -> cluster
  std::unordered_map<uint64_t, std::vector<uint32_t>> bands_;  // band bucket -> clusters
};

}  // namespace tp
