// The content terms of a customer's question, the units the FAQ clusters compare (question_clusters.h).
//
// What paraphrases share is one or two informative words, in whatever form the customer typed them. So a
// question is cut into words (case folded, accents removed, apostrophes dropped, numbers such as order ids
// left out), the function words of English, Latvian, Russian, Norwegian and Finnish are dropped, and each
// remaining word becomes a term:
//   - Cyrillic words go through the Russian Snowball stemmer;
//   - Latin words through the Snowball stemmer of the language the question looks like (its function
//     words and letters: ā/š/ž.. Latvian, æ/ø/å Norwegian, ä/ö Finnish, else English); Latvian, which
//     Snowball lacks, has its common case endings stripped instead;
//   - the stem is cut to its first five letters, which joins what stemmers leave apart (deliver /
//     delivery, toimitus / toimituksen / toimitusaika) and costs little precision.
// Typos are repaired later, against the corpus's vocabulary (QuestionClusters).
// Not thread-safe (Snowball stemmers keep state): one instance per thread or per owner.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tp {

class QuestionTerms {
 public:
  static constexpr size_t kPrefix = 5;  // code points of a stem kept as the term

  QuestionTerms();
  ~QuestionTerms();
  QuestionTerms(QuestionTerms&&) noexcept;
  QuestionTerms& operator=(QuestionTerms&&) noexcept;

  // The question's terms, each once, in order of first appearance. `key` is key(text), when the caller
  // has it already.
  std::vector<std::string> terms(std::string_view text);
  // `spellings`, when given, receives for each term the form it had before synonyms made it the group's
  // term ("payme" for "pay"): typos are repaired against what customers typed, not against the group.
  std::vector<std::string> terms(std::string_view text, std::string_view key,
                                 std::vector<std::string>* spellings = nullptr);

  // A question's phrasing, normalised: folded (engine/text_fold.h), apostrophes between letters dropped.
  // Phrasings with one key are the same phrasing.
  static std::string key(std::string_view text);

  // True for a function word of one of the five languages (any case, with or without accents).
  bool stopword(std::string_view word) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tp
