// Evaluating rules: every condition kind, precedence, stickiness, explanations; and the fast path
// agreeing with the naive one (checked inside tag() for every case here, and on random input below).
#include <gtest/gtest.h>

#include <random>

#include "rule_test_support.h"

namespace tp {
namespace {

using namespace tp::testing_support;

std::shared_ptr<const RuleSet> rules(const std::string& text) {
  auto load = compile(text);
  EXPECT_TRUE(load.ok()) << all_diagnostics(load);
  return load.rules;
}

std::string one_rule(const std::string& when, const std::string& then = R"({"stage": "support"})") {
  return R"({"rules": [{"id": "r", "description": "d", "when": )" + when + R"(, "then": )" + then + "}]}";
}

bool matches(const std::string& when, const Interaction& in, const CustomerView& customer = {},
             TagSet start = {}) {
  auto rs = rules(one_rule(when));
  if (!rs) return false;
  const TagSet t = tag(*rs, in, customer, start);
  return !t.rules.empty();
}

TEST(RuleEval, KeywordsAreCaseAndAccentInsensitiveWholeWords) {
  const std::string when = R"({"field": "text", "keywords": ["refund"]})";
  EXPECT_TRUE(matches(when, chat("I want a Refund")));
  EXPECT_TRUE(matches(when, chat("REFUND NOW")));
  EXPECT_TRUE(matches(when, chat("refúnd?")));
  EXPECT_FALSE(matches(when, chat("refunds")));  // whole words
  EXPECT_FALSE(matches(when, chat("nonrefund")));
  EXPECT_TRUE(matches(R"({"field": "text", "keywords": ["refund*"]})", chat("two refunds")));
}

TEST(RuleEval, KeywordsInOtherLanguagesAndScripts) {
  EXPECT_TRUE(matches(R"({"field": "text", "keywords": ["atmaksa"]})", chat("Kur ir mana ATMAKSĀ?")));
  EXPECT_TRUE(matches(R"({"field": "text", "keywords": ["возврат"]})", chat("Где мой ВОЗВРАТ?")));
  EXPECT_TRUE(matches(R"({"field": "text", "keywords": ["refusjon"]})", chat("Når kommer refusjon?")));
  EXPECT_TRUE(matches(R"({"field": "text", "keywords": ["hyvitys"]})", chat("Milloin HYVITYS tulee?")));
  EXPECT_TRUE(matches(R"({"field": "text", "keywords": ["money back"]})", chat("I want my money  back!")));
  EXPECT_TRUE(
      matches(R"({"field": "text", "keywords": ["退款"]})", chat("我想要退款谢谢")));  // no spaces in Chinese
}

TEST(RuleEval, EqualityAndMembership) {
  Interaction in = chat("hi");
  in.intent = "order_status";
  EXPECT_TRUE(matches(R"({"field": "channel", "eq": "chatbot"})", in));
  EXPECT_FALSE(matches(R"({"field": "channel", "eq": "email"})", in));
  EXPECT_TRUE(matches(R"({"field": "intent", "in": ["refund", "order_status"]})", in));
  EXPECT_TRUE(matches(R"({"field": "role", "eq": "user"})", in));
  EXPECT_TRUE(matches(R"({"field": "type", "eq": "message"})", in));
  EXPECT_TRUE(matches(R"({"field": "source", "eq": "events"})", in));
  in.fallback = true;
  EXPECT_TRUE(matches(R"({"field": "fallback", "eq": true})", in));
  EXPECT_FALSE(matches(R"({"field": "escalated", "eq": true})", in));
}

TEST(RuleEval, PropertiesAndTraits) {
  Interaction in = chat("hi");
  in.properties_json = R"({"cart": {"total": 120.5, "currency": "EUR"}, "vip": true})";
  in.traits_json = R"({"plan": "business"})";
  EXPECT_TRUE(matches(R"({"field": "properties.cart.currency", "eq": "EUR"})", in));
  EXPECT_TRUE(matches(R"({"field": "properties.cart.total", "gt": 100})", in));
  EXPECT_FALSE(matches(R"({"field": "properties.cart.total", "gt": 200})", in));
  EXPECT_TRUE(matches(R"({"field": "properties.vip", "eq": true})", in));
  EXPECT_TRUE(matches(R"({"field": "traits.plan", "in": ["business", "enterprise"]})", in));
  EXPECT_TRUE(matches(R"({"field": "properties.cart", "exists": true})", in));
  EXPECT_TRUE(matches(R"({"field": "properties.coupon", "exists": false})", in));
}

TEST(RuleEval, GlobsOnUrlAndPath) {
  Interaction in;
  in.id = "p";
  in.type = EventType::Page;
  in.customer_id = "c";
  in.url = "https://shop.example/checkout/payment?step=2#top";
  EXPECT_TRUE(matches(R"({"field": "url", "glob": "*/checkout/*"})", in));
  EXPECT_TRUE(matches(R"({"field": "path", "glob": "/checkout/*"})", in));
  EXPECT_TRUE(matches(R"({"field": "path", "eq": "/checkout/payment"})", in));
  EXPECT_FALSE(matches(R"({"field": "path", "glob": ["/cart*", "/help/*"]})", in));
}

TEST(RuleEval, RegularExpressions) {
  EXPECT_TRUE(matches(R"({"field": "text", "regex": "order\\s*#?\\d{4,}"})", chat("where is order #12345")));
  EXPECT_FALSE(matches(R"({"field": "text", "regex": "order\\s*#?\\d{4,}"})", chat("where is order 12")));
  EXPECT_TRUE(matches(R"({"field": "text", "regex": "(?i)^cancel"})", chat("CANCEL my plan")));
}

TEST(RuleEval, NumericComparisons) {
  Interaction in = chat("hm");
  in.confidence = 0.3;
  in.rating = 2;
  EXPECT_TRUE(matches(R"({"field": "confidence", "lt": 0.5})", in));
  EXPECT_FALSE(matches(R"({"field": "confidence", "gte": 0.5})", in));
  EXPECT_TRUE(matches(R"({"field": "rating", "lte": 2})", in));
  EXPECT_TRUE(matches(R"({"field": "rating", "ne": 5})", in));
  EXPECT_FALSE(
      matches(R"({"field": "rating", "gt": 2})", chat("no rating at all")));  // absent is not a number
}

TEST(RuleEval, CombinatorsAndMacros) {
  const auto rs = rules(R"({
    "macros": { "from_bot": {"field": "role", "eq": "bot"} },
    "rules": [{ "id": "r", "description": "d",
      "when": { "all": [ {"any": [ {"field": "text", "keywords": ["late"]}, {"field": "text", "keywords": ["delay*"]} ]},
                         {"not": {"macro": "from_bot"}} ] },
      "then": { "pain": ["delivery_delay"] } }]
  })");
  ASSERT_TRUE(rs);
  EXPECT_EQ(tag(*rs, chat("my parcel is late")).pain, std::vector<std::string>{"delivery_delay"});
  EXPECT_EQ(tag(*rs, chat("delayed again")).pain, std::vector<std::string>{"delivery_delay"});
  Interaction bot = chat("sorry it is late");
  bot.role = Role::Bot;
  EXPECT_TRUE(tag(*rs, bot).pain.empty());
  EXPECT_TRUE(tag(*rs, chat("all good")).pain.empty());
}

TEST(RuleEval, ReachedStage) {
  const std::string when = R"({"reached_stage": "purchase"})";
  CustomerView bought;
  bought.stages_reached = 1u << 2;  // purchase is the third stage
  EXPECT_TRUE(matches(when, chat("hi"), bought));
  EXPECT_FALSE(matches(when, chat("hi"), CustomerView{}));
}

TEST(RuleEval, PrecedencePresetThenPriorityThenFileOrder) {
  const auto rs = rules(R"({"rules": [
    { "id": "low", "description": "d", "priority": 1, "when": {"field": "channel", "eq": "chatbot"}, "then": {"stage": "awareness", "touchpoint": "faq"} },
    { "id": "high", "description": "d", "priority": 9, "when": {"field": "channel", "eq": "chatbot"}, "then": {"stage": "support"} },
    { "id": "high-later", "description": "d", "priority": 9, "when": {"field": "channel", "eq": "chatbot"}, "then": {"stage": "purchase", "touchpoint": "chatbot"} }
  ]})");
  ASSERT_TRUE(rs);
  const TagSet t = tag(*rs, chat("x"));
  EXPECT_EQ(t.stage, "support");       // priority 9 beats 1; first in file order among the 9s
  EXPECT_EQ(t.touchpoint, "chatbot");  // from high-later: nobody of higher precedence set it
  EXPECT_EQ(t.rules, (std::vector<std::string>{"high", "high-later", "low"}));

  TagSet preset;
  preset.stage = "onboarding";
  preset.stage_origin = TagOrigin::Preset;
  EXPECT_EQ(tag(*rs, chat("x"), {}, preset).stage, "onboarding");  // the sender's tag wins

  TagSet from_plugin;
  from_plugin.stage = "awareness";
  from_plugin.stage_origin = TagOrigin::Plugin;
  EXPECT_EQ(tag(*rs, chat("x"), {}, from_plugin).stage, "support");  // rules beat plugins
}

TEST(RuleEval, PersonaIsStickyUnlessARuleOverrides) {
  const auto normal =
      rules(one_rule(R"({"field": "channel", "eq": "chatbot"})", R"({"persona": "business-account"})"));
  const auto overriding = rules(one_rule(R"({"field": "channel", "eq": "chatbot"})",
                                         R"({"persona": "business-account", "persona_override": true})"));
  ASSERT_TRUE(normal && overriding);
  TagSet sticky;
  sticky.persona = "first-time-buyer";
  sticky.persona_origin = TagOrigin::Sticky;
  EXPECT_EQ(tag(*normal, chat("x"), {}, sticky).persona, "first-time-buyer");
  EXPECT_EQ(tag(*overriding, chat("x"), {}, sticky).persona, "business-account");
  EXPECT_EQ(tag(*normal, chat("x")).persona, "business-account");  // nothing sticky yet
}

TEST(RuleEval, CurrentTagsAreVisibleToLaterRules) {
  const auto rs = rules(R"({"rules": [
    { "id": "stage", "description": "d", "priority": 5, "when": {"field": "text", "keywords": ["invoice"]}, "then": {"stage": "purchase"} },
    { "id": "pain-in-purchase", "description": "d", "when": {"all": [{"field": "tags.stage", "eq": "purchase"}, {"field": "fallback", "eq": true}]},
      "then": {"pain": ["checkout_confusion"]} }
  ]})");
  ASSERT_TRUE(rs);
  Interaction in = chat("where is my invoice");
  in.fallback = true;
  EXPECT_EQ(tag(*rs, in).pain, std::vector<std::string>{"checkout_confusion"});
  in.text = "hello";
  EXPECT_TRUE(tag(*rs, in).pain.empty());
}

TEST(RuleEval, SentimentSetAndAdjusted) {
  const auto rs = rules(R"({"rules": [
    { "id": "angry", "description": "d", "when": {"field": "text", "keywords": ["angry"]}, "then": {"sentiment": -0.8} },
    { "id": "caps", "description": "d", "when": {"field": "text", "regex": "[A-Z]{5,}"}, "then": {"sentiment_delta": -0.5} }
  ]})");
  ASSERT_TRUE(rs);
  EXPECT_DOUBLE_EQ(*tag(*rs, chat("I am angry, REALLY")).sentiment, -1.0);  // clamped
  EXPECT_DOUBLE_EQ(*tag(*rs, chat("I am angry")).sentiment, -0.8);
  TagSet sender;
  sender.sentiment = 0.4;
  sender.sentiment_origin = TagOrigin::Preset;
  EXPECT_DOUBLE_EQ(*tag(*rs, chat("angry"), {}, sender).sentiment, 0.4);
}

TEST(RuleEval, ExplanationsSayWhyInWords) {
  const auto rs = rules(R"({"rules": [
    { "id": "refund", "description": "d", "priority": 3,
      "when": {"all": [{"field": "text", "keywords": ["refund"]}, {"field": "channel", "eq": "chatbot"}]},
      "then": {"stage": "support", "pain": ["refund_request"]} }
  ]})");
  ASSERT_TRUE(rs);
  TagSet tags;
  tags.stage = "purchase";
  tags.stage_origin = TagOrigin::Preset;
  std::vector<RuleExplanation> ex;
  const Interaction in = chat("Refund please");
  rs->apply({in, "events", "c-1"}, {}, tags, &ex);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0].rule, "refund");
  EXPECT_EQ(ex[0].because,
            (std::vector<std::string>{"text contains a keyword of \"refund\"", "channel is \"chatbot\""}));
  EXPECT_EQ(ex[0].applied, std::vector<std::string>{"pain += refund_request"});
  ASSERT_EQ(ex[0].ignored.size(), 1u);
  EXPECT_EQ(ex[0].ignored[0], "stage = support (kept 'purchase' from the sender's preset tag)");
}

// Each kind of condition says in words what held (what `touchpointd rules test --event` prints).
TEST(RuleEval, EveryKindOfConditionExplainsItself) {
  const auto rs = rules(R"({"rules": [
    { "id": "all-kinds", "description": "d",
      "when": {"all": [
        {"field": "text", "keywords": ["refund", "money back", "reimburse", "chargeback", "return", "repay"]},
        {"field": "channel", "in": ["chatbot", "email"]},
        {"field": "rating", "in": [1, 2]},
        {"field": "url", "glob": ["*/help/*", "*/faq*"]},
        {"field": "intent", "regex": "^refund_"},
        {"field": "confidence", "lt": 0.25},
        {"field": "rating", "gte": 2},
        {"field": "properties.order.id", "exists": true},
        {"field": "fallback", "eq": true},
        {"reached_stage": "purchase"}
      ]},
      "then": {"pain": ["refund_request"]} }
  ]})");
  ASSERT_TRUE(rs);
  Interaction in = chat("I want my money back");
  in.url = "https://shop.example/help/returns";
  in.intent = "refund_status";
  in.confidence = 0.125;
  in.rating = 2;
  in.fallback = true;
  in.properties_json = R"({"order":{"id":"o-1"}})";
  CustomerView customer;
  customer.stages_reached = uint64_t{1} << demo_journey().stage_index("purchase");
  TagSet tags;
  std::vector<RuleExplanation> ex;
  rs->apply({in, "events", "c-1"}, customer, tags, &ex);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0].because, (std::vector<std::string>{
                               "text contains a keyword of \"refund\", \"money back\", \"reimburse\", "
                               "\"chargeback\", \"return\", ... (6 in all)",
                               "channel is one of \"chatbot\", \"email\"",
                               "rating is one of 1, 2",
                               "url matches \"*/help/*\", \"*/faq*\"",
                               "intent matches the regex \"^refund_\"",
                               "confidence < 0.25",
                               "rating >= 2",
                               "properties.order.id is present",
                               "fallback is true",
                               "the customer already reached stage \"purchase\"",
                           }));
}

// The fields docs/rules.md lists that the tests above do not read: each from where the docs say.
TEST(RuleEval, IdentityTagAndPainFieldsAreRead) {
  Interaction in = chat("hi");
  in.session_id = "conv-7";
  in.anonymous_id = "anon-3";
  EXPECT_TRUE(matches(R"({"field": "session", "eq": "conv-7"})", in));
  EXPECT_FALSE(matches(R"({"field": "session", "eq": "conv-8"})", in));
  EXPECT_TRUE(matches(R"({"field": "customer", "eq": "c-1"})", in));  // the resolved customer
  EXPECT_TRUE(matches(R"({"field": "anonymous_id", "in": ["anon-2", "anon-3"]})", in));
  Interaction anonymous = chat("hi");
  anonymous.customer_id.clear();
  EXPECT_TRUE(matches(R"({"field": "session", "exists": false})", anonymous));
  EXPECT_TRUE(matches(R"({"field": "anonymous_id", "exists": false})", anonymous));

  // tags.* and sentiment: what was decided before the rule (here by the sender).
  TagSet decided;
  decided.persona = "first-time-buyer";
  decided.persona_origin = TagOrigin::Preset;
  decided.touchpoint = "chatbot";
  decided.touchpoint_origin = TagOrigin::Preset;
  decided.sentiment = -0.5;
  decided.sentiment_origin = TagOrigin::Preset;
  EXPECT_TRUE(matches(R"({"field": "tags.persona", "eq": "first-time-buyer"})", in, {}, decided));
  EXPECT_FALSE(matches(R"({"field": "tags.persona", "eq": "returning-customer"})", in, {}, decided));
  EXPECT_TRUE(matches(R"({"field": "tags.touchpoint", "in": ["chatbot", "faq"]})", in, {}, decided));
  EXPECT_TRUE(matches(R"({"field": "sentiment", "lt": 0})", in, {}, decided));
  EXPECT_FALSE(matches(R"({"field": "sentiment", "gte": 0})", in, {}, decided));
  EXPECT_FALSE(matches(R"({"field": "tags.persona", "exists": true})", in));
  EXPECT_FALSE(matches(R"({"field": "sentiment", "exists": true})", in));

  // pain: eq / in test for a reason already there; exists for any.
  TagSet pained;
  pained.pain = {"unanswered", "negative"};
  EXPECT_TRUE(matches(R"({"field": "pain", "eq": "negative"})", in, {}, pained));
  EXPECT_TRUE(matches(R"({"field": "pain", "in": ["escalated", "unanswered"]})", in, {}, pained));
  EXPECT_FALSE(matches(R"({"field": "pain", "in": ["escalated", "low_rating"]})", in, {}, pained));
  EXPECT_TRUE(matches(R"({"field": "pain", "exists": true})", in, {}, pained));
  EXPECT_FALSE(matches(R"({"field": "pain", "exists": true})", in));
}

// A `not` that held is explained by what did not hold, nested combinators included.
TEST(RuleEval, NotExplainsTheConditionThatDidNotHold) {
  const auto rs = rules(R"({"rules": [
    { "id": "not-a-bot-chat", "description": "d",
      "when": {"all": [
        {"field": "text", "keywords": ["refund"]},
        {"not": {"any": [{"field": "role", "eq": "bot"}, {"all": [{"field": "channel", "eq": "email"}, {"field": "rating", "lt": 3}]}]}}
      ]},
      "then": {"stage": "support"} }
  ]})");
  ASSERT_TRUE(rs);
  std::vector<RuleExplanation> ex;
  TagSet tags;
  rs->apply({chat("refund please"), "events", "c-1"}, {}, tags, &ex);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0].because, (std::vector<std::string>{
                               "text contains a keyword of \"refund\"",
                               "not: any of (role is \"bot\"; all of (channel is \"email\"; rating < 3))"}));
}

// Many generated rules and interactions: the indexed path and the one-by-one path must always agree.
TEST(RuleEval, FastPathAgreesWithNaiveOnGeneratedRulesAndEvents) {
  std::mt19937 rng(42);
  const std::vector<std::string> words = {"refund",  "late",    "order",    "atmaksa", "возврат",
                                          "cancel",  "price",   "delivery", "login",   "password",
                                          "invoice", "hyvitys", "refusjon"};
  const std::vector<std::string> stages = {"awareness", "consideration", "purchase", "onboarding", "support"};
  std::string pack = R"({"rules": [)";
  for (int r = 0; r < 120; ++r) {
    const std::string w1 = words[rng() % words.size()], w2 = words[rng() % words.size()];
    std::string when;
    switch (rng() % 5) {
      case 0:
        when = R"({"field": "text", "keywords": [")" + w1 + R"(", ")" + w2 + R"("]})";
        break;
      case 1:
        when = R"({"all": [{"field": "text", "keywords": [")" + w1 +
               R"("]}, {"field": "fallback", "eq": true}]})";
        break;
      case 2:
        when = R"({"any": [{"field": "text", "regex": "(?i))" + w1 +
               R"("}, {"field": "text", "keywords": [")" + w2 + R"(*"]}]})";
        break;
      case 3:
        when = R"({"all": [{"field": "channel", "eq": "chatbot"}, {"not": {"field": "text", "keywords": [")" +
               w1 + R"("]}}]})";
        break;
      default:
        when = R"({"all": [{"field": "tags.stage", "eq": ")" + stages[rng() % 5] +
               R"("}, {"field": "text", "keywords": [")" + w1 + R"("]}]})";
        break;
    }
    pack += std::string(r ? "," : "") + R"({"id": "r)" + std::to_string(r) +
            R"(", "description": "d", "priority": )" + std::to_string(rng() % 4) + R"(, "when": )" + when +
            R"(, "then": {"stage": ")" + stages[rng() % 5] + R"(", "pain": ["p)" + std::to_string(r % 7) +
            R"("]}})";
  }
  pack += "]}";
  const auto rs = rules(pack);
  ASSERT_TRUE(rs);
  for (int i = 0; i < 500; ++i) {
    std::string text;
    for (int k = 0; k < 6; ++k) text += words[rng() % words.size()] + (rng() % 3 ? " " : "s ");
    Interaction in = chat(text);
    if (rng() % 2) in.fallback = true;
    if (rng() % 3 == 0) in.channel = "email";
    tag(*rs, in);  // asserts fast == naive
  }
}

}  // namespace
}  // namespace tp
