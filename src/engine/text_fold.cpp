#include "engine/text_fold.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>

#include <stdexcept>

namespace tp {

namespace {

bool is_word_char(UChar32 c) {
  // Letters and digits, plus spacing marks of Indic scripts, which are parts of words.
  return u_isalnum(c) || u_charType(c) == U_COMBINING_SPACING_MARK;
}

// Folds one code point through ICU: NFKD, case fold, NFKD again (folding can compose), marks removed.
// Returns false when the character is a separator.
bool fold_code_point(const icu::Normalizer2& nfkd, UChar32 cp, std::string& out) {
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString s(cp);
  icu::UnicodeString d = nfkd.normalize(s, status);
  if (U_FAILURE(status)) return false;
  d.foldCase();
  d = nfkd.normalize(d, status);
  if (U_FAILURE(status)) return false;
  bool any_word = false, any_separator = false;
  for (int32_t k = 0; k < d.length();) {
    const UChar32 c = d.char32At(k);
    k += U16_LENGTH(c);
    if (u_charType(c) == U_NON_SPACING_MARK || u_charType(c) == U_ENCLOSING_MARK) continue;
    if (is_word_char(c)) {
      append_utf8(static_cast<char32_t>(c), out);
      any_word = true;
    } else {
      any_separator = true;
    }
  }
  // A compatibility character that decomposes into letters and punctuation ("¼" -> "1⁄4") keeps
  // its letters; one that is only punctuation or space is a separator.
  if (!any_word) out.clear();
  return any_word || !any_separator;
}

}  // namespace

TextFolder::TextFolder() : bmp_(0x10000) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkd = icu::Normalizer2::getNFKDInstance(status);
  if (U_FAILURE(status) || !nfkd) throw std::runtime_error("ICU NFKD normaliser unavailable");
  std::string folded;
  for (UChar32 cp = 0; cp < 0x10000; ++cp) {
    Entry& e = bmp_[static_cast<size_t>(cp)];
    e.offset = static_cast<uint32_t>(blob_.size());
    e.length = 0;
    e.kind = 0;
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    folded.clear();
    const bool word = fold_code_point(*nfkd, cp, folded);
    if (!word) continue;
    e.kind = 1;
    // Pure combining marks fold to nothing and stay "word" so they do not split the word they sit in.
    e.length = static_cast<uint8_t>(std::min<size_t>(folded.size(), 255));
    blob_.append(folded, 0, e.length);
  }
}

const TextFolder& TextFolder::instance() {
  static const TextFolder folder;
  return folder;
}

bool TextFolder::unspaced_script(char32_t cp) {
  UErrorCode status = U_ZERO_ERROR;
  switch (uscript_getScript(static_cast<UChar32>(cp), &status)) {
    case USCRIPT_HAN:
    case USCRIPT_HIRAGANA:
    case USCRIPT_KATAKANA:
    case USCRIPT_THAI:
    case USCRIPT_LAO:
    case USCRIPT_KHMER:
    case USCRIPT_MYANMAR:
      return true;
    default:
      return false;
  }
}

void TextFolder::fold(std::string_view utf8, std::string& out) const {
  out.reserve(out.size() + utf8.size() + 2);
  out.push_back(' ');
  bool pending_space = false;  // a separator seen since the last word character
  size_t i = 0;
  while (i < utf8.size()) {
    const auto b = static_cast<unsigned char>(utf8[i]);
    const char* piece;
    size_t length;
    bool word;
    char32_t cp;
    std::string wide;
    if (b < 0x80) {
      ++i;
      cp = b;
    } else {
      cp = next_code_point(utf8, i);
    }
    if (cp < 0x10000) {
      const Entry& e = bmp_[cp];
      word = e.kind == 1;
      piece = blob_.data() + e.offset;
      length = e.length;
    } else {
      // Outside the BMP (emoji, historic scripts, rare CJK): simple folding through ICU directly.
      word = is_word_char(static_cast<UChar32>(cp));
      if (word)
        append_utf8(static_cast<char32_t>(u_foldCase(static_cast<UChar32>(cp), U_FOLD_CASE_DEFAULT)), wide);
      piece = wide.data();
      length = wide.size();
    }
    if (!word) {
      pending_space = true;
      continue;
    }
    if (length == 0) continue;  // a combining mark: dropped, the word goes on
    if (pending_space && out.back() != ' ') out.push_back(' ');
    pending_space = false;
    out.append(piece, length);
  }
  if (out.back() != ' ') out.push_back(' ');
}

std::string TextFolder::fold(std::string_view utf8) const {
  std::string out;
  fold(utf8, out);
  return out;
}

}  // namespace tp
