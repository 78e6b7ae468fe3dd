// The fast parser may decline anything, but what it accepts nlohmann must accept too, with the same
// document: same types (unsigned, signed, float), same numbers to the bit, same strings, same members.
#include "util/fast_json.h"

#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "support/json_same.h"

namespace tp {
namespace {

using json = nlohmann::json;

// Checks the contract on one text; returns whether the fast path accepted it.
bool check(const std::string& text) {
  json fast;
  const bool accepted = fast_json_parse(text, fast);
  json reference;
  bool reference_ok = true;
  try {
    reference = json::parse(text);
  } catch (const json::exception&) {  // parse_error, and out_of_range for a number past a double
    reference_ok = false;
  }
  if (accepted) {
    EXPECT_TRUE(reference_ok) << "accepted what nlohmann refuses: " << text;
    EXPECT_TRUE(!reference_ok || tp::testing::json_same(fast, reference))
        << text << "\nfast: " << fast.dump() << "\nnlohmann: " << reference.dump();
  }
  return accepted;
}

TEST(FastJson, AcceptsWhatRequestsCarry) {
  const std::vector<std::string> texts = {
      R"({"batch":[{"type":"track","messageId":"m-1","userId":"u-1","event":"Order Completed",)"
      R"("properties":{"total":42.5,"currency":"EUR"},"timestamp":"2026-11-23T10:00:00Z"}]})",
      R"([{"id":"e-1","type":"message","text":"where is my order?","confidence":0.87,"fallback":false}])",
      " \t\r\n{ \"a\" : [ 1 , -2 , 3.5e2 , true , false , null , { } , [ ] ] } \n",
      R"({"text":"Grüß Gott — 电话 😀 \u00e9\u20AC\ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t \u0000"})",
      R"({"dup":1,"dup":"last"})",
      R"([0,-0,1,18446744073709551615,-9223372036854775808,0.5,-0.0,1E5,1e-5,2.2250738585072014e-308])",
      R"("just a string")",
      "42",
      "true",
      "null",
  };
  for (const auto& text : texts) EXPECT_TRUE(check(text)) << text;
}

TEST(FastJson, DeclinesWhatItIsNotSureOf) {
  const std::vector<std::string> texts = {
      "",
      "\xEF\xBB\xBF{}",        // a byte order mark: nlohmann skips it
      "18446744073709551616",  // past 64 bits: nlohmann makes it a float
      "-9223372036854775809",
      "1e400",
      "1e-400",
      "{\"a\":1,}",
      "[1,]",
      "[01]",
      "[1.]",
      "[.5]",
      "[+1]",
      "[1e]",
      "[--1]",
      "{'a':1}",
      "{\"a\" 1}",
      "\"unterminated",
      "\"bad \\x escape\"",
      "\"\\u12\"",
      "\"\\ud800\"",
      "\"\\udc00\"",
      "\"\\ud800\\u0041\"",
      "\"control \x01 char\"",
      "\"\xC0\xAF\"",
      "\"\xED\xA0\x80\"",
      "\"\xF4\x90\x80\x80\"",
      "\"\x80\"",
      "\"\xE2\x82\"",
      "[1] [2]",
      "{} x",
      "tru",
      "nul",
      "[true false]",
  };
  for (const auto& text : texts) EXPECT_FALSE(check(text)) << text;
}

TEST(FastJson, NestingPastTheLimitIsDeclined) {
  json out;
  EXPECT_TRUE(fast_json_parse(std::string(64, '[') + std::string(64, ']'), out, 64));
  EXPECT_FALSE(fast_json_parse(std::string(65, '[') + std::string(65, ']'), out, 64));
  EXPECT_FALSE(fast_json_parse(std::string(100000, '['), out, 64));
}

json random_value(std::mt19937_64& rng, int depth) {
  static const std::vector<std::string> words = {"",
                                                 "a",
                                                 "order",
                                                 "Grüß",
                                                 "电话",
                                                 "😀",
                                                 "quote\"",
                                                 "back\\slash",
                                                 "line\nbreak",
                                                 "tab\t",
                                                 std::string("nul\0byte", 8),
                                                 "\x7f",
                                                 "\xe2\x80\xa8",
                                                 "ctrl\x01"};
  switch (rng() % (depth > 3 ? 8 : 10)) {
    case 0:
      return nullptr;
    case 1:
      return rng() % 2 == 0;
    case 2:
      return static_cast<int64_t>(rng());
    case 3:
      return static_cast<uint64_t>(rng());
    case 4:
      return static_cast<int64_t>(rng() % 2000) - 1000;
    case 5: {
      double d;
      const uint64_t bits = rng();
      std::memcpy(&d, &bits, sizeof d);
      return std::isfinite(d) ? d : 0.25;
    }
    case 6:
      return static_cast<double>(static_cast<int64_t>(rng() % 100000) - 50000) / 64.0;
    case 7:
      return words[rng() % words.size()] + words[rng() % words.size()];
    case 8: {
      json o = json::object();
      for (int n = rng() % 5; n > 0; --n) o[words[rng() % words.size()]] = random_value(rng, depth + 1);
      return o;
    }
    default: {
      json a = json::array();
      for (int n = rng() % 5; n > 0; --n) a.push_back(random_value(rng, depth + 1));
      return a;
    }
  }
}

// Documents nlohmann wrote (compact, indented, ASCII-only with \u escapes): all accepted, all the same.
TEST(FastJson, ReadsGeneratedDocumentsExactlyAsNlohmannDoes) {
  std::mt19937_64 rng(20261206);
  for (int round = 0; round < 3000; ++round) {
    const json doc = random_value(rng, 0);
    const std::string text = round % 3 == 0   ? doc.dump()
                             : round % 3 == 1 ? doc.dump(2)
                                              : doc.dump(-1, ' ', /*ensure_ascii=*/true);
    EXPECT_TRUE(check(text)) << text;
  }
}

// Mutated documents and random bytes: whatever the fast path accepts, nlohmann reads the same way.
TEST(FastJson, MutatedInputNeverGetsAcceptedDifferently) {
  std::mt19937_64 rng(7);
  const std::string alphabet = "{}[]\":,\\ \t\n0123456789-+.eEtrufalsn\x01\x7f\x80\xbf\xc3\xa9\xed\xf0\xff";
  size_t accepted = 0, total = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string text = random_value(rng, 0).dump(-1, ' ', rng() % 2 == 0);
    for (int edits = 1 + rng() % 3; edits > 0; --edits) {
      const size_t at = text.empty() ? 0 : rng() % (text.size() + 1);
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), c);
          break;
        case 1:
          if (at < text.size()) text.erase(at, 1);
          break;
        default:
          if (at < text.size()) text[at] = c;
          break;
      }
    }
    ++total;
    if (check(text)) ++accepted;
    if (::testing::Test::HasFailure()) return;
  }
  // Some mutations leave valid JSON (a digit changed, a space added): the accepting side is exercised.
  EXPECT_GT(accepted, total / 20);
}

}  // namespace
}  // namespace tp
