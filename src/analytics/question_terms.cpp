#include "analytics/question_terms.h"

#include <libstemmer.h>
#include <unicode/uchar.h>

#include <algorithm>
#include <array>
#include <unordered_set>

#include "engine/text_fold.h"
#include "util/text.h"

namespace tp {

namespace {

enum Lang { kEn, kLv, kNo, kFi, kRu, kLangs };

struct StemmerDeleter {
  void operator()(sb_stemmer* s) const { sb_stemmer_delete(s); }
};
using Stemmer = std::unique_ptr<sb_stemmer, StemmerDeleter>;

bool word_char(char32_t c) {
  if (u_isalnum(static_cast<UChar32>(c))) return true;
  const int8_t type = u_charType(static_cast<UChar32>(c));
  return type == U_NON_SPACING_MARK || type == U_COMBINING_SPACING_MARK || type == U_ENCLOSING_MARK;
}

bool apostrophe(char32_t c) {
  return c == U'\'' || c == U'\u2019' || c == U'\u02bc' || c == U'`';
}

bool cyrillic(char32_t c) {
  return c >= 0x0400 && c <= 0x052f;
}

// The folded form of one word: no accents, case folded, no spaces.
std::string fold_word(std::string_view word) {
  std::string f = TextFolder::instance().fold(word);
  f.erase(std::remove(f.begin(), f.end(), ' '), f.end());
  return f;
}

std::string first_code_points(const std::string& s, size_t n) {
  size_t i = 0;
  for (size_t k = 0; k < n && i < s.size(); ++k) next_code_point(s, i);
  return s.substr(0, i);
}

size_t code_points(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++n) next_code_point(s, i);
  return n;
}

bool ends_with(const std::string& s, std::string_view tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// Latvian has no Snowball stemmer: the common noun, adjective and verb endings (on the folded word, so
// ā and a are one) are cut while at least three letters stay.
std::string latvian_stem(std::string w) {
  static constexpr std::string_view kEndings[] = {
      "ajiem", "ajam", "ajai", "ajas", "ajos", "iem", "ies", "ais", "ajs", "am", "as", "ai", "es", "em", "ei",
      "os",    "us",   "is",   "im",   "ij",   "ot",  "at",  "et",  "it",  "a",  "e",  "i",  "u",  "s",  "o"};
  for (const auto ending : kEndings)
    if (w.size() >= ending.size() + 3 && ends_with(w, ending)) return w.substr(0, w.size() - ending.size());
  return w;
}

// Letters that only (or mostly) one of the Latin-script languages uses.
int letter_cue(char32_t c) {
  switch (c) {
    case U'ā':
    case U'ē':
    case U'ī':
    case U'ū':
    case U'č':
    case U'ģ':
    case U'ķ':
    case U'ļ':
    case U'ņ':
    case U'š':
    case U'ž':
      return kLv;
    case U'æ':
    case U'ø':
    case U'å':
      return kNo;
    case U'ä':
    case U'ö':
      return kFi;
    default:
      return -1;
  }
}

struct Word {
  std::string lower;   // case folded, accents kept (the stemmers' input)
  std::string folded;  // accents removed too
  bool cyrillic = false;
};

}  // namespace

struct QuestionTerms::Impl {
  std::array<Stemmer, kLangs> stemmers;                           // kLv stays empty
  std::array<std::unordered_set<std::string>, kLangs> stopwords;  // folded
  std::unordered_set<std::string> any_stopword;

  Impl() {
    stemmers[kEn].reset(sb_stemmer_new("english", "UTF_8"));
    stemmers[kNo].reset(sb_stemmer_new("norwegian", "UTF_8"));
    stemmers[kFi].reset(sb_stemmer_new("finnish", "UTF_8"));
    stemmers[kRu].reset(sb_stemmer_new("russian", "UTF_8"));
#include "analytics/question_stopwords.inc"
    const auto load = [&](Lang lang, const auto& list) {
      for (const char* w : list) {
        // The same normalisation as received words: apostrophes dropped, then folded.
        std::string s;
        for (size_t i = 0; w[i]; ++i)
          if (w[i] != '\'') s += w[i];
        const std::string f = fold_word(s);
        if (f.empty()) continue;
        stopwords[lang].insert(f);
        any_stopword.insert(f);
      }
    };
    load(kEn, kEnglish);
    load(kLv, kLatvian);
    load(kRu, kRussian);
    load(kNo, kNorwegian);
    load(kFi, kFinnish);
  }

  std::string stem(Lang lang, const Word& w) {
    if (lang == kLv) return latvian_stem(w.folded);
    sb_stemmer* s = stemmers[lang].get();
    if (!s) return w.folded;
    std::string input = w.lower;
    if (lang == kRu) {  // ё is written е as often as not
      for (size_t pos; (pos = input.find("ё")) != std::string::npos;) input.replace(pos, 2, "е");
    }
    const sb_symbol* out =
        sb_stemmer_stem(s, reinterpret_cast<const sb_symbol*>(input.data()), static_cast<int>(input.size()));
    if (!out) return w.folded;
    return fold_word(
        std::string(reinterpret_cast<const char*>(out), static_cast<size_t>(sb_stemmer_length(s))));
  }
};

QuestionTerms::QuestionTerms() : impl_(std::make_unique<Impl>()) {}
QuestionTerms::~QuestionTerms() = default;
QuestionTerms::QuestionTerms(QuestionTerms&&) noexcept = default;
QuestionTerms& QuestionTerms::operator=(QuestionTerms&&) noexcept = default;

bool QuestionTerms::stopword(std::string_view word) const {
  return impl_->any_stopword.count(fold_word(word)) > 0;
}

std::vector<std::string> QuestionTerms::terms(std::string_view text) {
  // Words: runs of letters, digits and marks; an apostrophe inside a word is dropped (don't -> dont).
  std::vector<Word> words;
  std::array<int, kLangs> votes{};
  std::string current;
  bool has_digit = false, is_cyrillic = false;
  const auto finish = [&] {
    if (!current.empty() && !has_digit) {
      Word w;
      w.folded = fold_word(current);
      w.cyrillic = is_cyrillic;
      w.lower = std::move(current);
      if (!w.folded.empty()) words.push_back(std::move(w));
    }
    current.clear();
    has_digit = is_cyrillic = false;
  };
  for (size_t i = 0; i < text.size();) {
    const char32_t c = next_code_point(text, i);
    if (word_char(c)) {
      const char32_t lower = static_cast<char32_t>(u_foldCase(static_cast<UChar32>(c), U_FOLD_CASE_DEFAULT));
      append_utf8(lower, current);
      has_digit |= u_isdigit(static_cast<UChar32>(c)) != 0;
      is_cyrillic |= cyrillic(c);
      const int cue = letter_cue(lower);
      if (cue >= 0) votes[static_cast<size_t>(cue)] += 2;
    } else if (apostrophe(c) && !current.empty()) {
      continue;
    } else {
      finish();
    }
  }
  finish();

  // The language of the Latin-script words: function words and letters vote; English when nothing does.
  for (const Word& w : words)
    if (!w.cyrillic)
      for (int lang : {kEn, kLv, kNo, kFi})
        if (impl_->stopwords[static_cast<size_t>(lang)].count(w.folded)) ++votes[static_cast<size_t>(lang)];
  Lang latin = kEn;
  for (int lang : {kLv, kNo, kFi})
    if (votes[static_cast<size_t>(lang)] > votes[static_cast<size_t>(latin)]) latin = static_cast<Lang>(lang);

  std::vector<std::string> out;
  for (const Word& w : words) {
    if (code_points(w.folded) < 2 || impl_->any_stopword.count(w.folded)) continue;
    const std::string stem = impl_->stem(w.cyrillic ? kRu : latin, w);
    if (impl_->any_stopword.count(stem)) continue;  // where's -> wheres -> where
    std::string term = first_code_points(stem, kPrefix);
    if (term.empty()) continue;
    if (std::find(out.begin(), out.end(), term) == out.end()) out.push_back(std::move(term));
  }
  return out;
}

}  // namespace tp
