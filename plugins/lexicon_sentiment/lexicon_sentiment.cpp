// lexicon_sentiment: a sentiment score (-1..1) for what a customer wrote, from small hand-written
// lexicons, one file per language (config/lexicons/<lang>.txt; the format is described in each file).
//
// How a text is scored:
//   1. It is split into words on everything that is not a letter (an apostrophe between letters joins:
//      "don't" is "dont"); each word is case-folded, decomposed (NFKD) and stripped of accents with ICU,
//      so "GOOD", "good" and "göod" are one word, Latvian "ļoti" is "loti" and Russian "ещё" is "еще".
//      Lexicon entries are folded the same way. . , ; : ! ? end a clause.
//   2. Each configured language scores the words on its own: a sentiment word adds its score (-3..3); an
//      intensifier multiplies the next sentiment word within 2 words ("very good", "slightly slow"); a
//      negation multiplies the first sentiment word within the next 3 words by -0.74 ("not good",
//      "nav labi", "не хорошо", "ei ole hyvä") and, in languages that put the negation after the verb
//      (Norwegian "fungerer ikke"), also a sentiment word right before it. A clause end stops both.
//      Negations do not cancel each other ("not, never" is one negation). Latvian and Russian pair their
//      negative pronouns with a negated verb ("nekas nestrādā", "ничего не работает"), so only the verb's
//      negation is listed in those lexicons; the pronoun would otherwise flip "nestrādā" to positive.
//      Entries ending in '*' match every word starting with that stem (the longest stem wins, an exact
//      entry beats any stem), which is how Finnish, Latvian and Russian inflections are covered.
//   3. The language that recognises most words wins (a crude language guess; ties go to the order of
//      "languages" in the config); its sum s becomes s / sqrt(s^2 + 15), as VADER does.
//   4. Nothing is set when no sentiment word was found: "no opinion" rather than a made-up neutral 0.
// Only messages with text from the customer (role "user" or no role) are scored, and only when the
// interaction has no sentiment yet (the chatbot's own score wins).
//
// Config: {"lexicon_dir": "config/lexicons", "languages": ["en", "lv", "ru", "no", "fi"]}; the directory
// is used as given (absolute, or relative to the daemon's working directory).
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <touchpoint/plugin_sdk.hpp>
#include <unordered_map>
#include <vector>

namespace {

using touchpoint::plugin::Interaction;
using touchpoint::plugin::Logger;
using touchpoint::plugin::Tags;

constexpr size_t kMaxTextBytes = size_t{64} * 1024;  // longer texts are scored on their beginning
constexpr int kIntensifierWindow = 2;
constexpr double kNormalizeAlpha = 15.0;

// ---- Folding and words
// -------------------------------------------------------------------------------------

class Folder {
 public:
  Folder() {
    UErrorCode status = U_ZERO_ERROR;
    nfkd_ = icu::Normalizer2::getNFKDInstance(status);
    if (U_FAILURE(status) || nfkd_ == nullptr)
      throw std::runtime_error(std::string("ICU NFKD normaliser unavailable: ") + u_errorName(status));
  }

  // The folded words of `text`; an empty string marks the end of a clause.
  std::vector<std::string> words(std::string_view text) const {
    std::vector<std::string> out;
    std::string word;
    bool apostrophe = false;  // an apostrophe right after a letter: dropped if a letter follows
    const auto flush = [&] {
      if (!word.empty()) out.push_back(fold(word));
      word.clear();
      apostrophe = false;
    };
    const auto* s = reinterpret_cast<const uint8_t*>(text.data());
    const auto n = static_cast<int32_t>(text.size() < kMaxTextBytes ? text.size() : kMaxTextBytes);
    int32_t i = 0;
    while (i < n) {
      const int32_t start = i;
      UChar32 c = 0;
      U8_NEXT(s, i, n, c);
      if (c >= 0 && (u_hasBinaryProperty(c, UCHAR_ALPHABETIC) || is_mark(c))) {
        apostrophe = false;
        word.append(text.substr(static_cast<size_t>(start), static_cast<size_t>(i - start)));
        continue;
      }
      if ((c == '\'' || c == 0x2019) && !word.empty() && !apostrophe) {
        apostrophe = true;
        continue;
      }
      flush();
      const bool clause_end = c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' ||
                              c == 0x2026 /* … */ || c == 0x3002 /* 。 */;
      if (clause_end && !out.empty() && !out.back().empty()) out.emplace_back();
    }
    flush();
    return out;
  }

 private:
  static bool is_mark(UChar32 c) {
    const int8_t t = u_charType(c);
    return t == U_NON_SPACING_MARK || t == U_COMBINING_SPACING_MARK || t == U_ENCLOSING_MARK;
  }

  std::string fold(const std::string& word) const {
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(word);
    u.foldCase(U_FOLD_CASE_DEFAULT);
    UErrorCode status = U_ZERO_ERROR;
    const icu::UnicodeString d = nfkd_->normalize(u, status);
    if (U_FAILURE(status)) return word;
    icu::UnicodeString kept;
    for (int32_t i = 0; i < d.length();) {
      const UChar32 c = d.char32At(i);
      if (!is_mark(c)) kept.append(c);
      i += U16_LENGTH(c);
    }
    std::string out;
    kept.toUTF8String(out);
    return out;
  }

  const icu::Normalizer2* nfkd_ = nullptr;  // owned by ICU
};

// ---- Lexicons
// ----------------------------------------------------------------------------------------------

enum class Kind { Sentiment, Negation, Intensifier, Common };

struct Entry {
  Kind kind = Kind::Common;
  double value = 0;  // sentiment score or intensifier factor
  int line = 0;
};

struct Lexicon {
  std::string language;
  std::unordered_map<std::string, Entry> exact, stems;
  size_t longest_stem = 0;
  double negation_factor = -0.74;
  int negation_window = 3;
  bool negation_after_verb = false;
  size_t entries = 0;

  const Entry* find(const std::string& word) const {
    if (auto it = exact.find(word); it != exact.end()) return &it->second;
    for (size_t len = word.size() < longest_stem ? word.size() : longest_stem; len > 0; --len) {
      if (len < word.size() && (static_cast<unsigned char>(word[len]) & 0xC0) == 0x80)
        continue;  // mid-character
      if (auto it = stems.find(word.substr(0, len)); it != stems.end()) return &it->second;
    }
    return nullptr;
  }
};

std::string trim(std::string s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.back())) s.pop_back();
  size_t i = 0;
  while (i < s.size() && blank(s[i])) ++i;
  return s.substr(i);
}

std::vector<std::string> fields(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string f; in >> f;) out.push_back(f);
  return out;
}

bool parse_number(const std::string& s, double& out) {
  try {
    size_t used = 0;
    out = std::stod(s, &used);
    return used == s.size() && std::isfinite(out);
  } catch (...) {
    return false;
  }
}

Lexicon load_lexicon(const std::string& path, const std::string& language, const Folder& folder) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot read lexicon " + path);
  Lexicon lx;
  lx.language = language;
  std::vector<std::string> errors;
  const auto error = [&](int line, const std::string& what) {
    errors.push_back(path + ":" + std::to_string(line) + ": " + what);
  };
  std::string section;
  std::string raw;
  int line_no = 0;
  while (std::getline(file, raw)) {
    ++line_no;
    if (line_no == 1 && raw.rfind("\xEF\xBB\xBF", 0) == 0) raw.erase(0, 3);  // UTF-8 byte order mark
    const std::string line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    if (line.front() == '[') {
      section = line;
      if (section != "[sentiment]" && section != "[negation]" && section != "[intensifier]" &&
          section != "[common]" && section != "[settings]") {
        error(line_no, "unknown section " + section +
                           " (expected [sentiment], [negation], [intensifier], [common] or [settings])");
        section = "?";  // its entries are skipped: one error for the section is enough
      }
      continue;
    }
    if (section == "?") continue;
    const auto f = fields(line);
    if (section.empty()) {
      error(line_no, "entry before the first [section]");
      continue;
    }
    if (section == "[settings]") {
      double v = 0;
      if (f.size() != 2 || !parse_number(f[1], v)) {
        error(line_no, "expected: <setting> <number>");
      } else if (f[0] == "negation_factor" && v >= -1 && v <= 0) {
        lx.negation_factor = v;
      } else if (f[0] == "negation_window" && v >= 1 && v <= 10) {
        lx.negation_window = static_cast<int>(v);
      } else if (f[0] == "negation_after_verb" && (v == 0 || v == 1)) {
        lx.negation_after_verb = v == 1;
      } else {
        error(line_no, "unknown setting or value out of range: " + line +
                           " (negation_factor -1..0, negation_window 1..10, negation_after_verb 0|1)");
      }
      continue;
    }
    Entry e;
    e.line = line_no;
    const bool scored = section == "[sentiment]" || section == "[intensifier]";
    if (f.size() != (scored ? 2u : 1u)) {
      error(line_no, scored ? "expected: <word> <number>" : "expected one word");
      continue;
    }
    if (section == "[sentiment]") {
      e.kind = Kind::Sentiment;
      if (!parse_number(f[1], e.value) || e.value < -3 || e.value > 3) {
        error(line_no, "the score must be a number in -3..3, got " + f[1]);
        continue;
      }
    } else if (section == "[intensifier]") {
      e.kind = Kind::Intensifier;
      if (!parse_number(f[1], e.value) || e.value <= 0 || e.value > 3) {
        error(line_no, "the factor must be a number in 0..3 (above 0), got " + f[1]);
        continue;
      }
    } else {
      e.kind = section == "[negation]" ? Kind::Negation : Kind::Common;
    }
    std::string word = f[0];
    const bool stem = word.size() > 1 && word.back() == '*';
    if (stem) word.pop_back();
    const auto folded = folder.words(word);
    if (folded.size() != 1 || folded[0].empty()) {
      error(line_no, "\"" + f[0] + "\" is not a single word (letters only; '*' only at the end)");
      continue;
    }
    auto& map = stem ? lx.stems : lx.exact;
    auto [it, inserted] = map.emplace(folded[0], e);
    if (!inserted) {
      error(line_no, "\"" + f[0] + "\" repeats line " + std::to_string(it->second.line) +
                         (folded[0] != word ? " (the same word once folded: \"" + folded[0] + "\")" : ""));
      continue;
    }
    if (stem && folded[0].size() > lx.longest_stem) lx.longest_stem = folded[0].size();
    ++lx.entries;
  }
  if (!errors.empty()) {
    // One line (the host flattens line breaks in errors anyway): "N error(s) in lexicon F: F:3: ...; F:9:
    // ..."
    std::string all = std::to_string(errors.size()) + " error(s) in lexicon " + path + ": ";
    for (size_t i = 0; i < errors.size() && i < 10; ++i) all += (i > 0 ? "; " : "") + errors[i];
    if (errors.size() > 10) all += "; ...";
    throw std::runtime_error(all);
  }
  return lx;
}

// ---- Scoring
// -----------------------------------------------------------------------------------------------

struct Score {
  int known = 0;  // words the lexicon knows (of any kind): the language guess
  int hits = 0;   // sentiment words
  double sum = 0;
};

Score score(const Lexicon& lx, const std::vector<std::string>& words) {
  Score r;
  int negation_left = 0;  // words still in a negation's scope
  double boost = 1.0;
  int boost_left = 0;
  bool previous_hit = false;  // the previous word was a sentiment word not yet negated
  double previous_value = 0;
  for (const auto& w : words) {
    if (w.empty()) {  // end of a clause
      negation_left = boost_left = 0;
      boost = 1.0;
      previous_hit = false;
      continue;
    }
    const Entry* e = lx.find(w);
    if (e != nullptr) ++r.known;
    if (e != nullptr && e->kind == Kind::Negation) {
      if (lx.negation_after_verb && previous_hit) {  // "fungerer ikke": the verb before is negated
        r.sum += previous_value * lx.negation_factor - previous_value;
      }
      negation_left = lx.negation_window;
      previous_hit = false;
      continue;
    }
    if (e != nullptr && e->kind == Kind::Sentiment && e->value != 0) {
      double v = e->value * boost;
      const bool negated = negation_left > 0;
      if (negated) v *= lx.negation_factor;
      r.sum += v;
      ++r.hits;
      negation_left = boost_left = 0;
      boost = 1.0;
      previous_hit = !negated;
      previous_value = v;
      continue;
    }
    if (e != nullptr && e->kind == Kind::Intensifier) {
      boost *= e->value;
      boost_left = kIntensifierWindow + 1;  // counted down below, so it reaches the next 2 words
    }
    if (negation_left > 0) --negation_left;
    if (boost_left > 0 && --boost_left == 0) boost = 1.0;
    previous_hit = false;
  }
  return r;
}

// ---- The plugin
// --------------------------------------------------------------------------------------------

class LexiconSentiment {
 public:
  void init(const std::string& config_json, Logger& log) {
    const auto config = nlohmann::json::parse(config_json);
    if (!config.is_object()) throw std::runtime_error("the config must be a JSON object");
    std::string dir = "config/lexicons";
    std::vector<std::string> languages = {"en", "lv", "ru", "no", "fi"};
    for (const auto& [key, value] : config.items()) {
      if (key == "lexicon_dir") {
        if (!value.is_string() || value.get<std::string>().empty())
          throw std::runtime_error("\"lexicon_dir\" must be a non-empty string");
        dir = value.get<std::string>();
      } else if (key == "languages") {
        if (!value.is_array() || value.empty())
          throw std::runtime_error("\"languages\" must be a non-empty array of language codes");
        languages.clear();
        for (const auto& l : value) {
          const std::string code = l.is_string() ? l.get<std::string>() : "";
          const bool ok = code.size() >= 2 && code.size() <= 8 &&
                          code.find_first_not_of("abcdefghijklmnopqrstuvwxyz_-") == std::string::npos;
          if (!ok)
            throw std::runtime_error("\"languages\": " + l.dump() + " is not a language code like \"en\"");
          languages.push_back(code);
        }
      } else {
        throw std::runtime_error("unknown config key \"" + key + "\" (known: lexicon_dir, languages)");
      }
    }
    std::string summary;
    for (const auto& lang : languages) {
      lexicons_.push_back(load_lexicon(dir + "/" + lang + ".txt", lang, folder_));
      summary += (summary.empty() ? "" : ", ") + lang + " (" + std::to_string(lexicons_.back().entries) + ")";
    }
    log.info("lexicons loaded from " + dir + ": " + summary);
  }

  void tag(const Interaction& in, Tags& out) {
    if (in.text.empty() || in.sentiment) return;
    if (!in.role.empty() && in.role != "user") return;
    const auto words = folder_.words(in.text);
    const Lexicon* best = nullptr;
    Score best_score;
    for (const auto& lx : lexicons_) {
      const Score s = score(lx, words);
      if (best == nullptr || s.known > best_score.known ||
          (s.known == best_score.known && s.hits > best_score.hits)) {
        best = &lx;
        best_score = s;
      }
    }
    if (best == nullptr || best_score.hits == 0) return;
    const double s = best_score.sum;
    double v = s / std::sqrt(s * s + kNormalizeAlpha);
    if (v > 1) v = 1;
    if (v < -1) v = -1;
    out.sentiment = v;
  }

 private:
  Folder folder_;
  std::vector<Lexicon> lexicons_;
};

}  // namespace

TP_PLUGIN(LexiconSentiment, "lexicon_sentiment", "1.0.0",
          "Sentiment (-1..1) of customer messages from per-language lexicons with negation and intensifiers");
