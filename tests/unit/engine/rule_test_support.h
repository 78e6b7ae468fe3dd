// Shared helpers for rule engine tests: the demo journey, compiling inline packs, building events.
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/rule_set.h"
#include "model/journey.h"
#include "support/demo_journey.h"

namespace tp::testing_support {

using testing::demo_journey;

inline RuleLoad compile(const std::string& text, const std::string& file = "pack.json") {
  return compile_rules({{file, text}}, demo_journey());
}

inline std::string all_diagnostics(const RuleLoad& load) {
  std::string out;
  for (const auto& d : load.diagnostics) out += format_diagnostic(d) + "\n";
  return out;
}

inline Interaction chat(const std::string& text) {
  Interaction in;
  in.id = "e-1";
  in.type = EventType::Message;
  in.customer_id = "c-1";
  in.channel = "chatbot";
  in.role = Role::User;
  in.text = text;
  return in;
}

// Applies the rules (fast path) and checks the naive path decides exactly the same.
inline TagSet tag(const RuleSet& rules, const Interaction& in, const CustomerView& customer = {},
                  TagSet start = {}, std::string_view source = "events") {
  TagSet fast = start, naive = start;
  const TagInput input{in, source, in.customer_id.empty() ? in.anonymous_id : in.customer_id};
  rules.apply(input, customer, fast);
  rules.apply_naive(input, customer, naive);
  EXPECT_EQ(fast.persona, naive.persona);
  EXPECT_EQ(fast.stage, naive.stage);
  EXPECT_EQ(fast.touchpoint, naive.touchpoint);
  EXPECT_EQ(fast.pain, naive.pain);
  EXPECT_EQ(fast.rules, naive.rules);
  EXPECT_EQ(fast.sentiment, naive.sentiment);
  return fast;
}

}  // namespace tp::testing_support
