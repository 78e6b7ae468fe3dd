#include "util/text.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>

namespace tp {
namespace {

// A strict UTF-8 validator, written for the test (no overlongs, no surrogates, at most U+10FFFF).
bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // the character is cut off
    for (size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

TEST(TruncateUtf8, ShortTextIsReturnedWhole) {
  EXPECT_EQ(truncate_utf8("", 0), "");
  EXPECT_EQ(truncate_utf8("abc", 3), "abc");
  EXPECT_EQ(truncate_utf8("abc", 100), "abc");
  EXPECT_EQ(truncate_utf8("Rīga", 5), "Rīga");
}

TEST(OneLineExcerpt, ControlCharactersBecomeQuestionMarksAndLengthIsCapped) {
  EXPECT_EQ(one_line_excerpt("a\nb\r\tc\x01\x1b[31m\x7f", 100), "a?b??c??[31m?");
  EXPECT_EQ(one_line_excerpt("R\xC4\xABga\nx", 2), "R");           // not cut inside the ī
  EXPECT_EQ(one_line_excerpt("R\xC4\xABga", 100), "R\xC4\xABga");  // UTF-8 is kept
}

TEST(TruncateUtf8, AsciiIsCutExactly) {
  EXPECT_EQ(truncate_utf8("abcdef", 4), "abcd");
  EXPECT_EQ(truncate_utf8("abcdef", 0), "");
}

TEST(TruncateUtf8, NeverSplitsACharacter) {
  // Latvian (2-byte letters), Russian (2-byte), CJK (3-byte) and emoji (4-byte, and a ZWJ sequence).
  const std::string samples[] = {
      "Ķēķis ar ļoti garšīgu ābolu pīrāgu",
      "Съешь же ещё этих мягких французских булок",
      "顾客旅程地图",
      "ok 😀👍🏽 👩‍👩‍👧 done",
      "aé€😀",  // 1, 2, 3 and 4 bytes in a row
  };
  for (const std::string& text : samples) {
    ASSERT_TRUE(valid_utf8(text)) << "the sample itself must be valid: " << text;
    for (size_t max = 0; max <= text.size() + 1; ++max) {
      const std::string cut = truncate_utf8(text, max);
      EXPECT_LE(cut.size(), max) << text << " @" << max;
      EXPECT_EQ(text.compare(0, cut.size(), cut), 0) << "not a prefix: " << text << " @" << max;
      EXPECT_TRUE(valid_utf8(cut)) << text << " @" << max;
      // As long as possible: only a partial character (at most 3 bytes) may be dropped.
      EXPECT_GE(cut.size() + 3, std::min(max, text.size())) << text << " @" << max;
    }
  }
}

TEST(TruncateUtf8, CutsBeforeTheCharacterThatWouldNotFit) {
  // "Ж" is D0 96; with room for one of its two bytes the whole letter goes.
  EXPECT_EQ(truncate_utf8("aЖ", 2), "a");
  EXPECT_EQ(truncate_utf8("aЖ", 3), "aЖ");
  // "😀" is F0 9F 98 80.
  EXPECT_EQ(truncate_utf8("ab😀", 3), "ab");
  EXPECT_EQ(truncate_utf8("ab😀", 4), "ab");
  EXPECT_EQ(truncate_utf8("ab😀", 5), "ab");
  EXPECT_EQ(truncate_utf8("ab😀c", 6), "ab😀");
}

TEST(TruncateUtf8, CutsInsideTwoThreeAndFourByteCharactersBeforeThem) {
  EXPECT_EQ(truncate_utf8("a\u00e9z", 2), "a");  // é: C3 A9
  EXPECT_EQ(truncate_utf8("a\u00e9z", 3), "a\u00e9");
  EXPECT_EQ(truncate_utf8("a\u20acz", 2), "a");  // €: E2 82 AC
  EXPECT_EQ(truncate_utf8("a\u20acz", 3), "a");
  EXPECT_EQ(truncate_utf8("a\u20acz", 4), "a\u20ac");
  for (size_t max = 2; max <= 4; ++max) EXPECT_EQ(truncate_utf8("a😀z", max), "a") << max;  // F0 9F 98 80
  EXPECT_EQ(truncate_utf8("a😀z", 5), "a😀");
  EXPECT_EQ(utf8_prefix_bytes("a\u20acz", 3), 1u);
  EXPECT_EQ(utf8_prefix_bytes("a\u20acz", 100), 5u);
}

// The text of a Segment "type" that was cut at 32 bytes in the middle of a character: the error message
// quoting it made nlohmann's strict dump() throw, and the whole batch was answered 500.
TEST(TruncateUtf8, EveryCutOfValidTextDumpsAsStrictJson) {
  std::string long_type;
  for (int i = 0; i < 40; ++i) long_type += "\u0161";  // š, C5 A1
  const std::string samples[] = {"ĀĒĪŪ€€€😀😀ЖЖЖ顾客旅程", long_type};
  for (const std::string& sample : samples)
    for (size_t max = 0; max <= sample.size(); ++max)
      EXPECT_NO_THROW((void)nlohmann::json("'" + truncate_utf8(sample, max) + "'").dump()) << max;
}

// Invalid input is not repaired (that is not a cut's job) and not made worse: a cut never looks further
// back than one character, so stray continuation bytes are cut where asked, not emptied.
TEST(TruncateUtf8, InvalidInputIsCutWhereAskedOrBeforeALeadByte) {
  EXPECT_EQ(truncate_utf8(std::string(10, '\x80'), 4), std::string(4, '\x80'));
  EXPECT_EQ(truncate_utf8("\xFF\xFE\xFD\xFC", 2), "\xFF\xFE");
  EXPECT_EQ(truncate_utf8("ab\xE2"
                          "cd",
                          3),
            "ab");  // a lead byte whose sequence the cut would split
  EXPECT_EQ(truncate_utf8("a\xE2\x82"
                          "bcd",
                          4),
            "a\xE2\x82"
            "b");  // an unfinished sequence before: kept as it was
  EXPECT_EQ(truncate_utf8("abc\xC3", 3), "abc");
  EXPECT_EQ(truncate_utf8("abc\xC3", 4), "abc\xC3");  // short enough: returned whole
  // Whatever the bytes, the result is a prefix of at most max bytes, and at most 3 bytes shorter.
  uint32_t state = 12345;
  for (int round = 0; round < 2000; ++round) {
    std::string bytes;
    for (int i = 0; i < 24; ++i) {
      state = state * 1664525u + 1013904223u;
      bytes.push_back(static_cast<char>(state >> 24));
    }
    for (size_t max = 0; max <= bytes.size(); ++max) {
      const std::string cut = truncate_utf8(bytes, max);
      ASSERT_LE(cut.size(), max);
      ASSERT_GE(cut.size() + 3, max);
      ASSERT_EQ(bytes.compare(0, cut.size(), cut), 0);
    }
  }
}

TEST(ConstantTimeEquals, ComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equals("", ""));
  EXPECT_TRUE(constant_time_equals("s3cret-token", "s3cret-token"));
  EXPECT_FALSE(constant_time_equals("s3cret-token", "s3cret-tokeN"));
  EXPECT_FALSE(constant_time_equals("s3cret-token", "X3cret-token"));
  EXPECT_FALSE(constant_time_equals("s3cret", "s3cret-token"));  // a prefix is not equal
  EXPECT_FALSE(constant_time_equals("s3cret-token", "s3cret"));
  EXPECT_FALSE(constant_time_equals("", "a"));
  EXPECT_FALSE(constant_time_equals("a", ""));
  // Bytes after an embedded NUL still count.
  EXPECT_FALSE(constant_time_equals(std::string_view("ab\0c", 4), std::string_view("ab\0d", 4)));
  EXPECT_TRUE(constant_time_equals(std::string_view("ab\0c", 4), std::string_view("ab\0c", 4)));
}

TEST(Base64, KnownVectorsFromRfc4648) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded) << plain;
    EXPECT_EQ(base64_decode(encoded), plain) << encoded;
  }
}

TEST(Base64, RoundTripsEveryByteValueAtEveryLength) {
  std::string data;
  for (int i = 0; i < 256; ++i) data.push_back(static_cast<char>(i));
  for (size_t len = 0; len <= data.size(); ++len) {
    const std::string plain = data.substr(data.size() - len);
    const std::string encoded = base64_encode(plain);
    EXPECT_EQ(encoded.size() % 4, 0u);
    const auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded) << "length " << len;
    EXPECT_EQ(*decoded, plain) << "length " << len;
  }
}

TEST(Base64, DecodesWithoutPaddingAndTheUrlSafeAlphabet) {
  EXPECT_EQ(base64_decode("Zg"), "f");
  EXPECT_EQ(base64_decode("Zm8"), "fo");
  // 0xFB 0xFF 0xBF is "+/+/" in the standard alphabet and "-_-_" in the URL-safe one.
  EXPECT_EQ(base64_decode("+/+/"), std::string("\xFB\xFF\xBF"));
  EXPECT_EQ(base64_decode("-_-_"), std::string("\xFB\xFF\xBF"));
  EXPECT_EQ(base64_encode(std::string("\xFB\xFF\xBF")), "+/+/");
}

TEST(Base64, RejectsInvalidInput) {
  EXPECT_FALSE(base64_decode("Zm9v!"));     // not in the alphabet
  EXPECT_FALSE(base64_decode("Zm 9v"));     // whitespace
  EXPECT_FALSE(base64_decode("Zg==Zg=="));  // padding in the middle
  EXPECT_FALSE(base64_decode("Z"));         // a lone sextet cannot make a byte
  EXPECT_FALSE(base64_decode("Zm9vY"));
  EXPECT_FALSE(base64_decode("\xC3\xA9"));  // non-ASCII
}

TEST(JsonNestingDepth, CountsArraysAndObjects) {
  EXPECT_EQ(json_nesting_depth("", 64), 0u);
  EXPECT_EQ(json_nesting_depth("42", 64), 0u);
  EXPECT_EQ(json_nesting_depth("{}", 64), 1u);
  EXPECT_EQ(json_nesting_depth("[[[]]]", 64), 3u);
  EXPECT_EQ(json_nesting_depth(R"({"a":[{"b":{}}],"c":[]})", 64), 4u);
  // The deepest point counts, not the sum of siblings.
  EXPECT_EQ(json_nesting_depth("[[],[],[[]],[]]", 64), 3u);
}

TEST(JsonNestingDepth, IgnoresBracketsInsideStrings) {
  EXPECT_EQ(json_nesting_depth(R"("[[[[{{{{")", 64), 0u);
  EXPECT_EQ(json_nesting_depth(R"({"a":"]]]}}}","b":"[[[{{{"})", 64), 1u);
  // An escaped quote does not end the string; an escaped backslash before a quote does.
  EXPECT_EQ(json_nesting_depth(R"(["a\"[[[[", 1])", 64), 1u);
  EXPECT_EQ(json_nesting_depth(R"(["a\\", [[1]]])", 64), 3u);
}

// The plain reading, one byte at a time: the scan above jumps through strings with memchr and must agree.
size_t depth_byte_by_byte(std::string_view json, size_t limit) {
  size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (const char c : json) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

TEST(JsonNestingDepth, AgreesWithAByteByByteReadingOnRandomText) {
  const std::string alphabet = "[]{}\"\\\\a:, ";
  uint64_t state = 88172645463325252ULL;
  auto next = [&] {  // xorshift: a fixed sequence, the same on every run
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    for (size_t n = next() % 64; n > 0; --n) text += alphabet[next() % alphabet.size()];
    const size_t limit = next() % 8;
    ASSERT_EQ(json_nesting_depth(text, limit), depth_byte_by_byte(text, limit)) << text << " limit " << limit;
  }
}

TEST(JsonNestingDepth, StopsOnceTheLimitIsExceeded) {
  const std::string deep(100000, '[');
  // Early stop: the answer is the first depth past the limit, not the full 100000.
  EXPECT_EQ(json_nesting_depth(deep, 64), 65u);
  EXPECT_EQ(json_nesting_depth(deep, 3), 4u);
  // Exactly at the limit is not past it.
  EXPECT_EQ(json_nesting_depth(std::string(64, '[') + std::string(64, ']'), 64), 64u);
}

TEST(AsciiLower, LowersOnlyAsciiLetters) {
  EXPECT_EQ(ascii_lower("Content-Length"), "content-length");
  EXPECT_EQ(ascii_lower("BEARER 123_@[`{"), "bearer 123_@[`{");
  EXPECT_EQ(ascii_lower("ĀŽ"), "ĀŽ");  // multi-byte letters are left alone
}

}  // namespace
}  // namespace tp
