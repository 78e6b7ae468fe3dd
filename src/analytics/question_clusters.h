// Grouping customers' questions into clusters of the same question, incrementally, without a network
// model, in English, Latvian, Russian, Norwegian and Finnish (and, less well, other languages).
//
// A question becomes a set of terms (question_terms.h: function words dropped, stems cut to five
// letters). A term seen only once or twice that is one typo away from a frequent term of the corpus
// (refnd, pasword, dostavka/dostafka) is read as that term. Terms are weighted by how rare they are
// among the distinct questions seen so far (IDF), so "refund" counts and "where", "status" hardly do.
//
// Each cluster keeps a profile: how many of its first kProfileMembers distinct phrasings hold each term.
// A question joins the cluster whose profile it is most similar to (cosine of the IDF-weighted vectors:
// the question's terms against the profile's term frequencies), when that similarity reaches
// join_similarity; else it starts a cluster. Comparing with the profile rather than with the nearest
// member is the guard against chaining: one shared common word between a question and one member does
// not pull it in, the terms most of the cluster shares do. Candidates come from an inverted index
// (term -> clusters whose profile has it), so a question is compared with a handful of clusters.
//
// The bot's intent is a strong join: every question with an intent goes to that intent's cluster; a
// question without one (a fallback) joins any cluster by its words, an intent's too; a question with a
// new intent may claim a cluster without an intent that it matches.
//
// Fragments of one question grow apart when their first phrasings share too little ("forgot my password"
// and "reset password"). A cluster that just grew to two phrasings or more is compared with the clusters
// sharing its strongest terms (lone phrasings too), profile against profile; at merge_similarity the smaller
// is absorbed by the larger (never two clusters of different intents). A cluster's id never changes while it
// grows; an absorbed id stays valid as an alias: canonical() tells where it went, members() every id
// that went into a cluster, so links and stored ids keep finding the question.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analytics/question_terms.h"
#include "util/binary_io.h"

namespace tp {

class QuestionClusters {
 public:
  struct Options {
    double join_similarity = 0.45;  // cosine of a question with a cluster's profile to join it
    double merge_similarity = 0.5;  // cosine of two clusters' profiles to merge them
    size_t members_indexed = 24;    // distinct phrasings per cluster remembered for exact repeats
  };
  static constexpr uint32_t kProfileMembers = 48;  // phrasings that shape a profile (then it is fixed)

  QuestionClusters();
  explicit QuestionClusters(Options options);

  // Returns the cluster id of the question (a new one when nothing is similar enough), canonical.
  // `key` is phrasing_key(text) when the caller has it already.
  uint32_t assign(std::string_view text, std::string_view intent, bool fallback, std::string key = {});
  // The normalised phrasing: questions with one key are one phrasing (QuestionTerms::key).
  static std::string phrasing_key(std::string_view text) { return QuestionTerms::key(text); }

  size_t size() const { return clusters_.size(); }
  const std::string& intent(uint32_t cluster) const { return clusters_[canonical(cluster)].intent; }
  // Where an id went: itself, or the cluster that absorbed it (through any number of merges).
  uint32_t canonical(uint32_t cluster) const;
  // Every id that went into `cluster` (its own first), for finding what was stored under the old ids.
  std::vector<uint32_t> members(uint32_t cluster) const;
  // The merges since the last call, (absorbed, survivor) in order: the owner moves what it keeps per id.
  std::vector<std::pair<uint32_t, uint32_t>> take_merges();

  // How well a phrasing (its phrasing_key) stands for its cluster: the cosine of its terms
  // with the cluster's profile, 0 for a phrasing not remembered. For choosing a cluster's label.
  double representativeness(uint32_t cluster, const std::string& folded) const;

  // The whole index, for snapshots; load() returns false (and leaves this untouched) on damaged input.
  void save(BinaryWriter& out) const;
  bool load(BinaryReader& in);

 private:
  struct Cluster {
    std::string intent;
    uint32_t members = 0;                                // phrasings in the profile
    std::vector<std::pair<uint32_t, uint32_t>> profile;  // term -> phrasings holding it, sorted by term
    size_t phrasings = 0;                                // remembered in by_phrasing_
    // The profile's norm under the IDF of `norm_at` distinct questions (recomputed as the corpus grows).
    mutable double norm = 0;
    mutable uint64_t norm_at = 0;
  };
  struct Phrasing {
    uint32_t cluster;
    std::vector<uint32_t> terms;
  };

  std::vector<uint32_t> term_ids(std::string_view text, std::string_view key);  // typo-repaired, counted
  uint32_t intern(const std::string& term);
  const std::string* correction(uint32_t term, const std::string& spelling) const;
  void add_spelling(uint32_t term, const std::string& spelling);
  void index_deletions(uint32_t term);
  double idf(uint32_t term) const;
  double norm(const Cluster& c) const;
  double cosine(const std::vector<uint32_t>& terms, const Cluster& c) const;
  void add_to_profile(uint32_t cluster, const std::vector<uint32_t>& terms);
  double profile_cosine(const Cluster& a, const Cluster& b) const;
  void maybe_merge(uint32_t cluster);
  void absorb(uint32_t survivor, uint32_t absorbed);
  void rebuild_indexes();

  Options options_;
  QuestionTerms extractor_;
  std::vector<Cluster> clusters_;
  std::vector<uint32_t> parent_;  // cluster -> the cluster that absorbed it (itself if none)
  std::vector<std::pair<uint32_t, uint32_t>> merges_;  // not yet taken
  std::unordered_map<std::string, uint32_t> by_intent_;
  std::unordered_map<std::string, Phrasing> by_phrasing_;  // exact folded text -> cluster and terms
  // The corpus: every term seen, and in how many distinct questions.
  std::vector<std::string> terms_;
  std::vector<uint32_t> df_;
  // The forms customers typed for each term before synonyms joined them (a few each), for typo repair.
  std::vector<std::vector<std::string>> spellings_;
  std::vector<double> log_df_;  // log(df + 1) for small df, so a weight costs one log per question
  mutable uint64_t log_n_at_ = ~uint64_t{0};  // log_n_ = log(questions_ + 10) at this questions_
  mutable double log_n_ = 0;
  std::unordered_map<std::string, uint32_t> term_index_;
  uint64_t questions_ = 0;  // distinct questions counted in df_
  // Derived (rebuilt on load): term -> clusters whose profile holds it; one-deletion variants of the
  // frequent terms -> those terms, for typo repair.
  std::unordered_map<uint32_t, std::vector<uint32_t>> postings_;
  std::unordered_map<std::string, std::vector<uint32_t>> deletions_;
  // Scratch for assign()'s candidate scores (flat, reused: no allocation per question).
  std::vector<double> acc_;
  std::vector<uint32_t> touched_;
};

}  // namespace tp
