// Text normalisation for matching, the same for rule keywords and for received text: Unicode
// compatibility decomposition (NFKD), full case folding, combining marks removed, and every run of
// characters that are not letters or digits collapsed into one space, with a space at both ends.
// So "REFUND!", "Refund" and "refúnd" all become " refund ", "Atmaksā" becomes " atmaksa ", "ВОЗВРАТ"
// becomes " возврат ", and a whole-word match is a plain substring search for " word ".
//
// The per-character mapping of the Basic Multilingual Plane is computed once from ICU and kept in a
// table; folding a text is then one table lookup per character.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/text.h"  // next_code_point, append_utf8

namespace tp {

class TextFolder {
 public:
  // The process-wide folder (built on first use, thread-safe; about 10 ms).
  static const TextFolder& instance();

  // Appends the folded form of `utf8` to `out`: " " + words separated by single spaces + " ".
  // Text without any letter or digit folds to " ". Invalid UTF-8 bytes count as separators.
  void fold(std::string_view utf8, std::string& out) const;
  std::string fold(std::string_view utf8) const;

  // True when the code point belongs to a script written without spaces between words (Han, Hiragana,
  // Katakana, Thai, Lao, Khmer, Myanmar): keywords in those scripts match anywhere, not as whole words.
  static bool unspaced_script(char32_t cp);

 private:
  TextFolder();
  struct Entry {
    uint32_t offset;  // into blob_
    uint8_t length;   // bytes of the folded form; 0 with kind Word means "removed" (a combining mark)
    uint8_t kind;     // 0 separator, 1 word characters
  };
  std::vector<Entry> bmp_;  // 0x10000 entries
  std::string blob_;
};

}  // namespace tp
