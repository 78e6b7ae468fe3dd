#include "engine/text_fold.h"

#include <gtest/gtest.h>

namespace tp {
namespace {

const TextFolder& folder() {
  return TextFolder::instance();
}

TEST(TextFold, CaseAndAccentsFoldTogether) {
  EXPECT_EQ(folder().fold("Refund"), " refund ");
  EXPECT_EQ(folder().fold("REFUND"), " refund ");
  EXPECT_EQ(folder().fold("refúnd"), " refund ");
  EXPECT_EQ(folder().fold("Straße"), " strasse ");
}

TEST(TextFold, PunctuationAndSpacesCollapseToSingleSeparators) {
  EXPECT_EQ(folder().fold("  Where is   my order?!  "), " where is my order ");
  EXPECT_EQ(folder().fold("order#A-1001"), " order a 1001 ");
  EXPECT_EQ(folder().fold("!!!"), " ");
  EXPECT_EQ(folder().fold(""), " ");
}

TEST(TextFold, LatvianRussianNorwegianFinnish) {
  EXPECT_EQ(folder().fold("Naudas ATMAKSA, lūdzu"), " naudas atmaksa ludzu ");
  EXPECT_EQ(folder().fold("Kur ir mans pasūtījums?"), " kur ir mans pasutijums ");
  EXPECT_EQ(folder().fold("ВОЗВРАТ денег"), " возврат денег ");
  EXPECT_EQ(folder().fold("Ёлка"), " елка ");  // ё and е are one letter for matching
  EXPECT_EQ(folder().fold("Refusjon på bestillingen"), " refusjon pa bestillingen ");
  EXPECT_EQ(folder().fold("Hyvitys tilauksesta ÄÖ"), " hyvitys tilauksesta ao ");
}

TEST(TextFold, CompatibilityFormsFold) {
  EXPECT_EQ(folder().fold("ﬁnd"), " find ");             // ligature
  EXPECT_EQ(folder().fold("ＲＥＦＵＮＤ"), " refund ");  // full-width
}

TEST(TextFold, InvalidUtf8IsASeparatorNotACrash) {
  EXPECT_EQ(folder().fold(std::string("ab\xff\xfe"
                                      "cd")),
            " ab cd ");
  EXPECT_EQ(folder().fold(std::string("\xe2\x82")), " ");  // truncated sequence
  EXPECT_EQ(folder().fold(std::string("\xc0\xaf")), " ");  // overlong '/'
}

TEST(TextFold, EmojiSeparateWords) {
  EXPECT_EQ(folder().fold("great👍service"), " great service ");
}

TEST(TextFold, UnspacedScripts) {
  size_t i = 0;
  EXPECT_TRUE(TextFolder::unspaced_script(next_code_point("退款", i)));
  i = 0;
  EXPECT_FALSE(TextFolder::unspaced_script(next_code_point("refund", i)));
}

}  // namespace
}  // namespace tp
