// What the host makes of a plugin's answer, without loading a plugin: the bounded copy out of the
// plugin's memory, the checks on every value, and the precedence of the merge into the tags.
#include "engine/plugin_output.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

namespace tp {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A journey small enough to read at a glance.
Journey tiny_journey() {
  Journey j;
  j.stages = {{"awareness", "Awareness", ""}, {"purchase", "Purchase", ""}};
  j.touchpoints = {{"chatbot", "Chatbot", "chat"}};
  j.personas = {{"business-account", "Business account", ""}};
  return j;
}

tp_tags_out empty_out() {
  tp_tags_out out;
  std::memset(&out, 0, sizeof out);
  out.struct_size = sizeof out;
  return out;
}

TEST(CopyPluginAnswer, ReadsEachStringWithABoundThatShowsItWasTooLong) {
  const std::string too_long(300, 'x');
  const std::string longest_pain(kMaxPluginPainBytes, 'p');
  tp_tags_out out = empty_out();
  out.persona = too_long.c_str();
  out.stage = "awareness";
  out.touchpoint = nullptr;
  out.pain_count = 2;
  out.pain[0] = too_long.c_str();
  out.pain[1] = longest_pain.c_str();

  const PluginAnswer a = copy_plugin_answer(out);
  ASSERT_TRUE(a.persona);
  EXPECT_EQ(a.persona->size(), kMaxPluginIdBytes + 1);  // one past the limit: refused later, not cut
  EXPECT_EQ(a.stage, "awareness");
  EXPECT_FALSE(a.touchpoint);
  ASSERT_EQ(a.pain.size(), 2u);
  EXPECT_EQ(a.pain[0].size(), kMaxPluginPainBytes + 1);
  EXPECT_EQ(a.pain[1], longest_pain);
}

TEST(CopyPluginAnswer, ReadsNoMorePainThanTheArrayHoldsAndSentimentOnlyWhenGiven) {
  tp_tags_out out = empty_out();
  out.pain_count = 1000;  // a lie: the array has TP_PLUGIN_MAX_PAIN entries
  for (uint32_t i = 0; i < TP_PLUGIN_MAX_PAIN; ++i) out.pain[i] = "p";
  out.pain[2] = nullptr;
  out.sentiment = 0.7;  // has_sentiment stays 0

  const PluginAnswer a = copy_plugin_answer(out);
  EXPECT_EQ(a.pain_count, 1000u);
  ASSERT_EQ(a.pain.size(), static_cast<size_t>(TP_PLUGIN_MAX_PAIN));
  EXPECT_EQ(a.pain[2], "");  // a NULL entry, later refused as an invalid reason
  EXPECT_FALSE(a.sentiment);

  out.has_sentiment = 1;
  EXPECT_EQ(copy_plugin_answer(out).sentiment, 0.7);
}

TEST(PluginIdOk, NeedsCleanTextOfBoundedLengthThatTheValidatorKnows) {
  const PluginIdValidator any;  // empty: only length and clean text are checked
  EXPECT_TRUE(plugin_id_ok(PluginTagKind::Persona, "anything-at-all", any));
  EXPECT_TRUE(plugin_id_ok(PluginTagKind::Persona, std::string(kMaxPluginIdBytes, 'a'), any));
  EXPECT_FALSE(plugin_id_ok(PluginTagKind::Persona, std::string(kMaxPluginIdBytes + 1, 'a'), any));
  EXPECT_FALSE(plugin_id_ok(PluginTagKind::Persona, "", any));
  EXPECT_FALSE(plugin_id_ok(PluginTagKind::Persona,
                            "a\x01"
                            "b",
                            any));
  EXPECT_FALSE(plugin_id_ok(PluginTagKind::Persona, "bad \xc0\xaf utf8", any));

  const PluginIdValidator journey = journey_id_validator(tiny_journey());
  EXPECT_TRUE(plugin_id_ok(PluginTagKind::Stage, "purchase", journey));
  EXPECT_FALSE(plugin_id_ok(PluginTagKind::Touchpoint, "purchase", journey));  // a stage, not a touchpoint
  EXPECT_TRUE(plugin_id_ok(PluginTagKind::Touchpoint, "chatbot", journey));
  EXPECT_TRUE(plugin_id_ok(PluginTagKind::Persona, "business-account", journey));
  EXPECT_FALSE(plugin_id_ok(PluginTagKind::Persona, "no-such-persona", journey));
}

TEST(ValidPluginPainReason, AcceptsOnlyShortLowerCaseWords) {
  EXPECT_TRUE(valid_plugin_pain_reason("slow_delivery"));
  EXPECT_TRUE(valid_plugin_pain_reason("error_404"));
  EXPECT_TRUE(valid_plugin_pain_reason(std::string(kMaxPluginPainBytes, 'a')));
  EXPECT_FALSE(valid_plugin_pain_reason(std::string(kMaxPluginPainBytes + 1, 'a')));
  EXPECT_FALSE(valid_plugin_pain_reason(""));
  EXPECT_FALSE(valid_plugin_pain_reason("Slow_delivery"));
  EXPECT_FALSE(valid_plugin_pain_reason("slow-delivery"));
  EXPECT_FALSE(valid_plugin_pain_reason("slow delivery"));
}

TEST(MergePluginAnswer, FillsOnlyTagsNobodyDecidedAndAddsPain) {
  PluginAnswer a;
  a.persona = "business-account";
  a.stage = "awareness";
  a.touchpoint = "chatbot";
  a.sentiment = -0.5;
  a.pain_count = 2;
  a.pain = {"slow_delivery", "escalated"};
  TagSet tags;
  tags.stage = "purchase";
  tags.stage_origin = TagOrigin::Rule;
  tags.pain = {"escalated"};

  const PluginRefusals refused =
      merge_plugin_answer(a, std::nullopt, journey_id_validator(tiny_journey()), tags);
  EXPECT_EQ(refused.count, 0u);
  EXPECT_EQ(refused.description, "");
  EXPECT_EQ(tags.persona, "business-account");
  EXPECT_EQ(tags.persona_origin, TagOrigin::Plugin);
  EXPECT_EQ(tags.stage, "purchase");  // a rule decided it
  EXPECT_EQ(tags.stage_origin, TagOrigin::Rule);
  EXPECT_EQ(tags.touchpoint, "chatbot");
  EXPECT_EQ(tags.touchpoint_origin, TagOrigin::Plugin);
  EXPECT_EQ(tags.sentiment, -0.5);
  EXPECT_EQ(tags.sentiment_origin, TagOrigin::Plugin);
  EXPECT_THAT(tags.pain, ElementsAre("escalated", "slow_delivery"));
}

TEST(MergePluginAnswer, NeverReplacesASentimentAlreadyKnown) {
  PluginAnswer a;
  a.sentiment = -0.5;
  TagSet decided;
  decided.sentiment = 0.9;
  decided.sentiment_origin = TagOrigin::Preset;
  EXPECT_EQ(merge_plugin_answer(a, std::nullopt, {}, decided).count, 0u);
  EXPECT_EQ(decided.sentiment, 0.9);
  EXPECT_EQ(decided.sentiment_origin, TagOrigin::Preset);

  TagSet tags;  // the sender's own score is not in the tags, yet it wins
  EXPECT_EQ(merge_plugin_answer(a, 0.3, {}, tags).count, 0u);
  EXPECT_FALSE(tags.sentiment);
  EXPECT_EQ(current_sentiment(0.3, tags), 0.3);
}

TEST(MergePluginAnswer, RefusesCountsAndDescribesEveryInvalidValue) {
  PluginAnswer a;
  a.persona = "no-such-persona";
  a.stage = "awa\x1b[31mreness";  // an escape sequence must not reach the log
  a.touchpoint = "chatbot";       // valid: still applied
  a.sentiment = std::numeric_limits<double>::quiet_NaN();
  a.pain_count = 9;
  a.pain = {"Bad-Reason", "ok_reason", ""};
  TagSet tags;

  const PluginRefusals refused =
      merge_plugin_answer(a, std::nullopt, journey_id_validator(tiny_journey()), tags);
  EXPECT_EQ(refused.count, 6u);
  EXPECT_EQ(tags.persona, "");
  EXPECT_EQ(tags.persona_origin, TagOrigin::None);
  EXPECT_EQ(tags.stage, "");
  EXPECT_EQ(tags.touchpoint, "chatbot");
  EXPECT_FALSE(tags.sentiment);
  EXPECT_THAT(tags.pain, ElementsAre("ok_reason"));
  EXPECT_THAT(refused.description, HasSubstr("unknown persona id \"no-such-persona\"; "
                                             "unknown stage id \"awa?[31mreness\"; sentiment "));
  EXPECT_THAT(refused.description, HasSubstr("is outside -1..1; 9 pain reasons (at most 8 are read); "
                                             "invalid pain reason \"Bad-Reason\" (a-z, 0-9 and '_', at most "
                                             "64 bytes); invalid pain reason \"\""));
  for (const unsigned char c : refused.description) EXPECT_TRUE(c >= 0x20 && c != 0x7F) << int(c);
}

TEST(MergePluginAnswer, RefusesSentimentOutsideTheRange) {
  for (const double v : {1.0000001, -1.5, std::numeric_limits<double>::infinity()}) {
    PluginAnswer a;
    a.sentiment = v;
    TagSet tags;
    EXPECT_EQ(merge_plugin_answer(a, std::nullopt, {}, tags).count, 1u) << v;
    EXPECT_FALSE(tags.sentiment) << v;
  }
  for (const double v : {-1.0, 0.0, 1.0}) {
    PluginAnswer a;
    a.sentiment = v;
    TagSet tags;
    EXPECT_EQ(merge_plugin_answer(a, std::nullopt, {}, tags).count, 0u) << v;
    EXPECT_EQ(tags.sentiment, v);
  }
}

}  // namespace
}  // namespace tp
