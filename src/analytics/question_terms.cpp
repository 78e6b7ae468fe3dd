#include "analytics/question_terms.h"

#include <libstemmer.h>
#include <unicode/uchar.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <functional>
#include <string>
#include <unordered_map>

#include "engine/text_fold.h"
#include "util/text.h"

namespace tp {

namespace {

enum Lang { kEn, kLv, kNo, kFi, kRu, kLangs };

struct StemmerDeleter {
  void operator()(sb_stemmer* s) const { sb_stemmer_delete(s); }
};
using Stemmer = std::unique_ptr<sb_stemmer, StemmerDeleter>;

// "don't" -> "dont": an apostrophe (' or a typographic one) between two letters is dropped, so that
// contractions stay one word; the text is copied only when it has one.
std::string without_apostrophes(std::string_view text) {
  static constexpr std::string_view kCurly = "\u2019";
  if (text.find('\'') == std::string_view::npos && text.find(kCurly) == std::string_view::npos)
    return std::string(text);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t len = text[i] == '\'' ? 1 : text.substr(i, kCurly.size()) == kCurly ? kCurly.size() : 0;
    const auto letterish = [](char ch) {
      const auto u = static_cast<unsigned char>(ch);
      return u >= 0x80 || std::isalpha(u);  // any UTF-8 byte of a non-ASCII letter counts
    };
    if (len && !out.empty() && i + len < text.size() && letterish(out.back()) && letterish(text[i + len])) {
      i += len;
      continue;
    }
    out += text[i++];
  }
  return out;
}

bool is_cyrillic_word(std::string_view w) {
  // Cyrillic letters (U+0400..U+04FF) start with the bytes D0..D3 in UTF-8.
  const auto first = static_cast<unsigned char>(w[0]);
  return first >= 0xD0 && first <= 0xD3;
}

std::string_view first_code_points(std::string_view s, size_t n) {
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

}  // namespace

// Heterogeneous lookup: a word of the folded text is looked up as a string_view, without a copy.
struct ViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

struct QuestionTerms::Impl {
  std::array<Stemmer, kLangs> stemmers;  // kLv stays empty
  // Folded function word -> the languages (bit per Lang) it is one of.
  std::unordered_map<std::string, uint8_t, ViewHash, std::equal_to<>> stopwords;
  std::string stem_buffer;  // reused per question
  // Per language: term -> the term of its synonym group's first word (question_synonyms.inc). Per
  // language, because a word of one is another's synonym for something else (Norwegian "ordre").
  std::array<std::unordered_map<std::string, std::string, ViewHash, std::equal_to<>>, kLangs> synonyms;

  Impl() {
    stemmers[kEn].reset(sb_stemmer_new("english", "UTF_8"));
    stemmers[kNo].reset(sb_stemmer_new("norwegian", "UTF_8"));
    stemmers[kFi].reset(sb_stemmer_new("finnish", "UTF_8"));
    stemmers[kRu].reset(sb_stemmer_new("russian", "UTF_8"));
#include "analytics/question_stopwords.inc"
    const auto load = [&](Lang lang, const auto& list) {
      for (const char* w : list) {
        // The same normalisation as received words: apostrophes between letters dropped, then folded
        // (a word the folding splits, such as "don't" listed with its apostrophe, adds its parts).
        std::string f = TextFolder::instance().fold(without_apostrophes(w));
        for (size_t b = 1; b < f.size();) {
          const size_t e = f.find(' ', b);
          if (e == std::string::npos) break;
          if (e > b) stopwords[f.substr(b, e - b)] |= static_cast<uint8_t>(1u << lang);
          b = e + 1;
        }
      }
    };
    load(kEn, kEnglish);
    load(kLv, kLatvian);
    load(kRu, kRussian);
    load(kNo, kNorwegian);
    load(kFi, kFinnish);
#include "analytics/question_synonyms.inc"
    const auto load_synonyms = [&](Lang lang, const auto& groups) {
      for (const char* group : groups) {
        std::string first;
        const std::string f = TextFolder::instance().fold(group);
        for (size_t b = 1; b < f.size();) {
          const size_t e = f.find(' ', b);
          if (e == std::string::npos) break;
          const std::string term(
              first_code_points(stem(lang, std::string_view(f).substr(b, e - b)), kPrefix));
          b = e + 1;
          if (first.empty()) {
            first = term;
            synonyms[lang].emplace(term, term);  // a group's head is found as itself
          } else if (term != first) {
            synonyms[lang].emplace(term, first);  // a term in two groups keeps the first
          }
        }
      }
    };
    load_synonyms(kEn, kEnglishSynonyms);
    load_synonyms(kLv, kLatvianSynonyms);
    load_synonyms(kRu, kRussianSynonyms);
    load_synonyms(kNo, kNorwegianSynonyms);
    load_synonyms(kFi, kFinnishSynonyms);
  }

  uint8_t stop_mask(std::string_view word) const {
    auto it = stopwords.find(word);
    return it == stopwords.end() ? 0 : it->second;
  }

  // The stem of a folded word (Snowball works on the folded form too: customers type without accents
  // as often as with them, and one form for both is what matters here).
  std::string_view stem(Lang lang, std::string_view word) {
    if (lang == kLv) {
      stem_buffer = latvian_stem(std::string(word));
      return stem_buffer;
    }
    sb_stemmer* s = stemmers[lang].get();
    const sb_symbol* out =
        s ? sb_stemmer_stem(s, reinterpret_cast<const sb_symbol*>(word.data()), static_cast<int>(word.size()))
          : nullptr;
    if (!out) return word;
    return {reinterpret_cast<const char*>(out), static_cast<size_t>(sb_stemmer_length(s))};
  }
};

QuestionTerms::QuestionTerms() : impl_(std::make_unique<Impl>()) {}
QuestionTerms::~QuestionTerms() = default;
QuestionTerms::QuestionTerms(QuestionTerms&&) noexcept = default;
QuestionTerms& QuestionTerms::operator=(QuestionTerms&&) noexcept = default;

bool QuestionTerms::stopword(std::string_view word) const {
  const std::string f = TextFolder::instance().fold(without_apostrophes(word));
  return f.size() > 2 && f.find(' ', 1) == f.size() - 1 &&
         impl_->stop_mask(std::string_view(f).substr(1, f.size() - 2));
}

std::string QuestionTerms::key(std::string_view text) {
  return TextFolder::instance().fold(without_apostrophes(text));
}

std::vector<std::string> QuestionTerms::terms(std::string_view text) {
  return terms(text, key(text));
}

std::vector<std::string> QuestionTerms::terms(std::string_view text, std::string_view folded,
                                              std::vector<std::string>* spellings) {
  // Letters that point to a language, read from the text as typed (folding removes them).
  std::array<int, kLangs> votes{};
  for (size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const char32_t c = next_code_point(text, i);
    const int cue = letter_cue(static_cast<char32_t>(u_tolower(static_cast<UChar32>(c))));
    if (cue >= 0) votes[static_cast<size_t>(cue)] += 2;
  }
  // Words of the folded text (" w1 w2 "), numbers left out.
  std::vector<std::string_view> words;
  for (size_t b = 1; b < folded.size();) {
    const size_t e = folded.find(' ', b);
    if (e == std::string::npos) break;
    const std::string_view w(folded.data() + b, e - b);
    b = e + 1;
    if (w.empty() || std::any_of(w.begin(), w.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
      continue;
    words.push_back(w);
  }
  // The language of the Latin-script words: function words and letters vote; English when nothing does.
  for (const std::string_view w : words) {
    const uint8_t mask = impl_->stop_mask(w);
    if (mask && !is_cyrillic_word(w))
      for (int lang : {kEn, kLv, kNo, kFi})
        if (mask & (1u << lang)) ++votes[static_cast<size_t>(lang)];
  }
  Lang latin = kEn;
  const bool undecided = std::all_of(votes.begin(), votes.end(), [](int v) { return v == 0; });
  for (int lang : {kLv, kNo, kFi})
    if (votes[static_cast<size_t>(lang)] > votes[static_cast<size_t>(latin)]) latin = static_cast<Lang>(lang);

  std::vector<std::string> out;
  for (const std::string_view w : words) {
    if (code_points(w) < 2 || impl_->stop_mask(w)) continue;
    const Lang lang = is_cyrillic_word(w) ? kRu : latin;
    const std::string_view stem = impl_->stem(lang, w);
    if (impl_->stop_mask(stem)) continue;  // where's -> wheres -> where
    std::string term(first_code_points(stem, kPrefix));
    if (term.empty()) continue;
    const std::string spelling = spellings ? term : std::string();
    // The language's synonyms; a Latin-script question with nothing that tells its language ("glemt
    // passord") tries English first, then the others.
    for (const int l : {static_cast<int>(lang), static_cast<int>(kEn), static_cast<int>(kNo),
                        static_cast<int>(kFi), static_cast<int>(kLv)}) {
      const auto& synonyms = impl_->synonyms[static_cast<size_t>(l)];
      if (auto syn = synonyms.find(std::string_view(term)); syn != synonyms.end()) {
        term = syn->second;
        break;
      }
      if (lang == kRu || !undecided) break;
    }
    if (std::find(out.begin(), out.end(), term) == out.end()) {
      out.push_back(std::move(term));
      if (spellings) spellings->push_back(spelling);
    }
  }
  return out;
}

}  // namespace tp
