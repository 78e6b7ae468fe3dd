#include "engine/glob.h"

#include <gtest/gtest.h>

namespace tp {
namespace {

TEST(Glob, StarsQuestionMarksAndClasses) {
  EXPECT_TRUE(glob_match("*/checkout*", "https://shop.example/checkout/step-2"));
  EXPECT_FALSE(glob_match("*/checkout*", "https://shop.example/cart"));
  EXPECT_TRUE(glob_match("/help/?", "/help/a"));
  EXPECT_FALSE(glob_match("/help/?", "/help/ab"));
  EXPECT_TRUE(glob_match("/v[0-9]/*", "/v2/x"));
  EXPECT_FALSE(glob_match("/v[!0-9]/*", "/v2/x"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("exact", "exact"));
  EXPECT_FALSE(glob_match("exact", "exactly"));
}

TEST(Glob, ManyStarsDoNotExplode) {
  const std::string text(5000, 'a');
  EXPECT_FALSE(glob_match("*a*a*a*a*a*a*a*a*a*b", text));
}

}  // namespace
}  // namespace tp
