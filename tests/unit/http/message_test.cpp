// Request helpers: form bodies and media types, as platforms send them.
#include "http/message.h"

#include <gtest/gtest.h>

namespace tp::http {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

// Twilio posts application/x-www-form-urlencoded
// (https://www.twilio.com/docs/usage/webhooks/webhooks-security:
// '+' is a space, %2B a plus), in any parameter order.
TEST(ParseForm, DecodesPairsInOrder) {
  EXPECT_EQ(parse_form("Body=Hello+there%21&Author=whatsapp%3A%2B15551234567&Index=0"),
            (Params{{"Body", "Hello there!"}, {"Author", "whatsapp:+15551234567"}, {"Index", "0"}}));
  EXPECT_EQ(parse_form("a=1&&b&=2&c=%zz&d=%E2%82%AC"),
            (Params{{"a", "1"}, {"b", ""}, {"", "2"}, {"c", "%zz"}, {"d", "\xE2\x82\xAC"}}));
  EXPECT_TRUE(parse_form("").empty());
  EXPECT_TRUE(parse_form("&&&").empty());
  EXPECT_EQ(parse_form("x=a=b"), (Params{{"x", "a=b"}}));  // only the first '=' splits
}

TEST(IsMediaType, IgnoresCaseParametersAndSpaces) {
  EXPECT_TRUE(is_media_type("application/x-www-form-urlencoded", "application/x-www-form-urlencoded"));
  EXPECT_TRUE(
      is_media_type("Application/X-WWW-Form-UrlEncoded; charset=UTF-8", "application/x-www-form-urlencoded"));
  EXPECT_TRUE(is_media_type(" application/json ;charset=utf-8", "application/json"));
  EXPECT_FALSE(is_media_type("application/json", "application/x-www-form-urlencoded"));
  EXPECT_FALSE(is_media_type("application/x-www-form-urlencoded-extra", "application/x-www-form-urlencoded"));
  EXPECT_FALSE(is_media_type("", "application/json"));
}

}  // namespace
}  // namespace tp::http
