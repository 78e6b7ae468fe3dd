#include "engine/keyword_automaton.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace tp {
namespace {

std::map<uint32_t, int> scan_counts(const KeywordAutomaton& a, std::string_view text) {
  std::map<uint32_t, int> hits;
  a.scan(text, [&](uint32_t id) { ++hits[id]; });
  return hits;
}

TEST(KeywordAutomaton, FindsOverlappingAndNestedPatterns) {
  KeywordAutomaton a;
  const uint32_t he = a.add("he"), she = a.add("she"), his = a.add("his"), hers = a.add("hers");
  a.build();
  const auto hits = scan_counts(a, "ushers");
  EXPECT_EQ(hits.count(he), 1u);
  EXPECT_EQ(hits.count(she), 1u);
  EXPECT_EQ(hits.count(hers), 1u);
  EXPECT_EQ(hits.count(his), 0u);
}

TEST(KeywordAutomaton, SamePatternSameId) {
  KeywordAutomaton a;
  EXPECT_EQ(a.add(" refund "), a.add(" refund "));
  EXPECT_EQ(a.patterns(), 1u);
}

TEST(KeywordAutomaton, AgreesWithNaiveSearchOnRandomText) {
  std::mt19937 rng(7);
  const std::string alphabet = "ab c";
  std::vector<std::string> patterns;
  KeywordAutomaton a;
  for (int i = 0; i < 60; ++i) {
    std::string p;
    const int len = 1 + static_cast<int>(rng() % 5);
    for (int k = 0; k < len; ++k) p.push_back(alphabet[rng() % alphabet.size()]);
    if (a.add(p) == patterns.size()) patterns.push_back(p);
  }
  a.build();
  for (int t = 0; t < 200; ++t) {
    std::string text;
    for (int k = 0; k < 40; ++k) text.push_back(alphabet[rng() % alphabet.size()]);
    const auto hits = scan_counts(a, text);
    for (uint32_t id = 0; id < patterns.size(); ++id) {
      int expected = 0;
      for (size_t at = text.find(patterns[id]); at != std::string::npos; at = text.find(patterns[id], at + 1))
        ++expected;
      const auto it = hits.find(id);
      EXPECT_EQ(it == hits.end() ? 0 : it->second, expected)
          << "pattern '" << patterns[id] << "' in '" << text << "'";
    }
  }
}

TEST(KeywordAutomaton, MultiByteUtf8Patterns) {
  KeywordAutomaton a;
  const uint32_t ru = a.add(" возврат "), lv = a.add(" atmaksa ");
  a.build();
  auto hits = scan_counts(a, " хочу возврат денег ");
  EXPECT_EQ(hits.count(ru), 1u);
  EXPECT_EQ(hits.count(lv), 0u);
}

}  // namespace
}  // namespace tp
