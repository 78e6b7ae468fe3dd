// The whole tagging of one interaction: preset tags, stickiness, built-in signals, the default
// touchpoint, memory across interactions and identity links.
#include "engine/tagger.h"

#include <gtest/gtest.h>

#include "rule_test_support.h"

namespace tp {
namespace {

using namespace tp::testing_support;

std::shared_ptr<const RuleSet> pack(const std::string& text) {
  auto load = compile(text);
  EXPECT_TRUE(load.ok()) << all_diagnostics(load);
  return load.rules;
}

const std::string kPack = R"({"rules": [
  { "id": "checkout", "description": "d", "when": {"field": "path", "glob": "/checkout*"}, "then": {"stage": "purchase"} },
  { "id": "refund", "description": "d", "when": {"field": "text", "keywords": ["refund*"]}, "then": {"stage": "support"} },
  { "id": "biz", "description": "d", "when": {"field": "traits.plan", "eq": "business"}, "then": {"persona": "business-account"} },
  { "id": "buyer", "description": "d", "when": {"field": "channel", "eq": "chatbot"}, "then": {"persona": "first-time-buyer"} },
  { "id": "after-purchase", "description": "d", "priority": -1,
    "when": {"all": [{"reached_stage": "purchase"}, {"field": "role", "eq": "user"}]}, "then": {"pain": ["post_purchase_question"]} }
]})";

Interaction page(const std::string& anon, const std::string& url) {
  Interaction in;
  in.id = "p";
  in.type = EventType::Page;
  in.anonymous_id = anon;
  in.url = url;
  in.channel = "website";
  return in;
}

TEST(Tagger, DefaultTouchpointFromTheChannelHint) {
  Tagger tagger(pack(kPack), demo_journey());
  JourneyMemory memory;
  EXPECT_EQ(tagger.tag(chat("hello"), "events", memory).touchpoint, "chatbot");
  Interaction email = chat("hello");
  email.channel = "email";
  EXPECT_EQ(tagger.tag(email, "events", memory).touchpoint, "email");
  email.channel = "carrier pigeon";
  EXPECT_EQ(tagger.tag(email, "events", memory).touchpoint, "");
}

TEST(Tagger, BuiltInSignals) {
  Tagger tagger(pack(R"({"rules": []})"), demo_journey());
  JourneyMemory memory;
  Interaction in = chat("what?");
  in.fallback = true;
  EXPECT_TRUE(tagger.tag(in, "events", memory).has_pain(pain::kUnanswered));
  in = chat("what?");
  in.intent = "shipping";
  in.confidence = 0.2;
  EXPECT_TRUE(tagger.tag(in, "events", memory).has_pain(pain::kUnanswered));
  in.confidence = 0.9;
  EXPECT_FALSE(tagger.tag(in, "events", memory).has_pain(pain::kUnanswered));
  in = chat("human please");
  in.escalated = true;
  EXPECT_TRUE(tagger.tag(in, "events", memory).has_pain(pain::kEscalated));
  in = chat("");
  in.type = EventType::Handoff;
  EXPECT_TRUE(tagger.tag(in, "events", memory).has_pain(pain::kEscalated));
  in = chat("meh");
  in.type = EventType::Feedback;
  in.rating = 2;
  EXPECT_TRUE(tagger.tag(in, "events", memory).has_pain(pain::kLowRating));
  in.rating = 3;
  EXPECT_FALSE(tagger.tag(in, "events", memory).has_pain(pain::kLowRating));
  in = chat("this is awful");
  in.sentiment = -0.7;
  const TagSet t = tagger.tag(in, "events", memory);
  EXPECT_TRUE(t.has_pain(pain::kNegative));
  EXPECT_DOUBLE_EQ(*t.sentiment, -0.7);
}

TEST(Tagger, RepeatedQuestionWithinASession) {
  Tagger tagger(pack(R"({"rules": []})"), demo_journey());
  JourneyMemory memory;
  Interaction first = chat("Where is my order?");
  first.session_id = "s1";
  Interaction again = chat("where is my ORDER");
  again.session_id = "s1";
  Interaction other_session = again;
  other_session.session_id = "s2";
  Interaction different = chat("can I pay by invoice");
  different.session_id = "s1";
  EXPECT_FALSE(tagger.tag(first, "events", memory).has_pain(pain::kRepeatedQuestion));
  EXPECT_TRUE(tagger.tag(again, "events", memory).has_pain(pain::kRepeatedQuestion));
  EXPECT_FALSE(tagger.tag(other_session, "events", memory).has_pain(pain::kRepeatedQuestion));
  EXPECT_FALSE(tagger.tag(different, "events", memory).has_pain(pain::kRepeatedQuestion));
}

TEST(Tagger, SlowResponseWhenTheBotAnswersLate) {
  SignalOptions signals;
  signals.slow_response_ms = 30000;
  Tagger tagger(pack(R"({"rules": []})"), demo_journey(), signals);
  JourneyMemory memory;
  Interaction q = chat("hello?");
  q.session_id = "s";
  q.timestamp_ms = 1000;
  Interaction late = chat("Hi! How can I help?");
  late.session_id = "s";
  late.role = Role::Bot;
  late.timestamp_ms = 1000 + 45000;
  tagger.tag(q, "events", memory);
  EXPECT_TRUE(tagger.tag(late, "events", memory).has_pain(pain::kSlowResponse));
  q.timestamp_ms = 100000;
  late.timestamp_ms = 100000 + 2000;
  tagger.tag(q, "events", memory);
  EXPECT_FALSE(tagger.tag(late, "events", memory).has_pain(pain::kSlowResponse));
}

TEST(Tagger, PresetTagsWinAndPersonaSticks) {
  Tagger tagger(pack(kPack), demo_journey());
  JourneyMemory memory;
  Interaction in = chat("I want a refund");
  in.preset_tags.stage = "onboarding";
  TagSet t = tagger.tag(in, "events", memory);
  EXPECT_EQ(t.stage, "onboarding");
  EXPECT_EQ(t.persona, "first-time-buyer");
  // The same customer later shows business traits: the persona stays (no override in the rule).
  Interaction biz = chat("hello");
  biz.traits_json = R"({"plan": "business"})";
  t = tagger.tag(biz, "events", memory);
  EXPECT_EQ(t.persona, "first-time-buyer");
  EXPECT_EQ(t.persona_origin, TagOrigin::Sticky);
  // A preset persona from the sender replaces the sticky one, and sticks in turn.
  Interaction preset = chat("hello");
  preset.preset_tags.persona = "returning-customer";
  EXPECT_EQ(tagger.tag(preset, "events", memory).persona, "returning-customer");
  EXPECT_EQ(tagger.tag(chat("hello"), "events", memory).persona, "returning-customer");
}

TEST(Tagger, APluginsPersonaGuessIsRememberedButALaterGuessReplacesIt) {
  // A plugin guessing from traits, as persona_traits does: only when the event carries traits.
  PluginHook hook = [](const TagInput& input, TagSet& tags) {
    if (input.interaction.traits_json.find("\"orders\": 0") != std::string::npos)
      tags.persona = "first-time-buyer";
    else if (input.interaction.traits_json.find("\"orders\"") != std::string::npos)
      tags.persona = "returning-customer";
    else
      return;
    tags.persona_origin = TagOrigin::Plugin;
  };
  Tagger tagger(pack(R"({"rules": []})"), demo_journey(), {}, hook);
  JourneyMemory memory;
  Interaction first = chat("hi");
  first.traits_json = R"({"orders": 0})";
  EXPECT_EQ(tagger.tag(first, "events", memory).persona, "first-time-buyer");
  EXPECT_EQ(tagger.tag(chat("no traits here"), "events", memory).persona, "first-time-buyer");  // remembered
  Interaction later = chat("hello again");
  later.traits_json = R"({"orders": 3})";
  EXPECT_EQ(tagger.tag(later, "events", memory).persona, "returning-customer");  // a better guess replaces it
  EXPECT_EQ(tagger.tag(chat("and again"), "events", memory).persona, "returning-customer");
  EXPECT_TRUE(memory.customer("c-1").persona_from_plugin);
}

TEST(Tagger, StagesReachedFollowTheCustomerAcrossIdentification) {
  Tagger tagger(pack(kPack), demo_journey());
  JourneyMemory memory;
  // An anonymous visitor reaches checkout...
  EXPECT_EQ(tagger.tag(page("anon-1", "https://shop.example/checkout/pay"), "segment", memory).stage,
            "purchase");
  // ...then identifies in the chatbot; the earlier purchase counts for the customer.
  Interaction identified = chat("hi there");
  identified.customer_id = "cust-1";
  identified.anonymous_id = "anon-1";
  EXPECT_TRUE(tagger.tag(identified, "events", memory).has_pain("post_purchase_question"));
  Interaction later = chat("another question");
  later.customer_id = "cust-1";
  EXPECT_TRUE(tagger.tag(later, "events", memory).has_pain("post_purchase_question"));
  // A customer who never reached purchase does not get it.
  Interaction stranger = chat("hello");
  stranger.customer_id = "cust-2";
  EXPECT_FALSE(tagger.tag(stranger, "events", memory).has_pain("post_purchase_question"));
  EXPECT_EQ(memory.customer_key(later), "cust-1");
  EXPECT_TRUE(memory.customer("cust-1").reached(demo_journey().stage_index("purchase")));
}

// The pipeline writes a customer's memory back only when tag() says it changed: a new stage, a persona, or
// a visitor's memory merged into a customer's by an identification.
TEST(Tagger, SaysWhetherTheCustomersMemoryChanged) {
  Tagger tagger(pack(kPack), demo_journey());
  JourneyMemory memory;
  bool changed = false;
  tagger.tag(page("anon-1", "https://shop.example/checkout/pay"), "segment", memory, nullptr, &changed);
  EXPECT_TRUE(changed) << "reached purchase";
  tagger.tag(page("anon-1", "https://shop.example/checkout/again"), "segment", memory, nullptr, &changed);
  EXPECT_FALSE(changed) << "nothing new";
  Interaction identified = page("anon-1", "https://shop.example/about");
  identified.customer_id = "cust-1";
  tagger.tag(identified, "segment", memory, nullptr, &changed);
  EXPECT_TRUE(changed) << "the visitor's memory went to the customer";
  EXPECT_TRUE(memory.customer("cust-1").reached(demo_journey().stage_index("purchase")));
  tagger.tag(identified, "segment", memory, nullptr, &changed);
  EXPECT_FALSE(changed) << "linked already";
  tagger.tag(chat("hello"), "events", memory, nullptr, &changed);
  EXPECT_TRUE(changed) << "a persona from the chatbot rule";
}

TEST(Tagger, QuestionTokensAndSimilarity) {
  EXPECT_EQ(question_tokens("Where is my ORDER? where!"),
            (std::vector<std::string>{"is", "my", "order", "where"}));
  EXPECT_DOUBLE_EQ(jaccard({"a", "b"}, {"a", "b"}), 1.0);
  EXPECT_DOUBLE_EQ(jaccard({"a", "b"}, {"b", "c"}), 1.0 / 3.0);
}

TEST(JourneyMemory, SessionsAreBoundedLeastRecentlyUsedFirst) {
  JourneyMemory memory(2);
  memory.session("a").last_customer_turn_ms = 1;
  memory.session("b").last_customer_turn_ms = 2;
  memory.session("a");                            // a is now the most recent
  memory.session("c").last_customer_turn_ms = 3;  // evicts b
  EXPECT_EQ(memory.session("a").last_customer_turn_ms, 1);
  EXPECT_EQ(memory.session("b").last_customer_turn_ms, 0);  // forgotten, fresh
}

}  // namespace
}  // namespace tp
