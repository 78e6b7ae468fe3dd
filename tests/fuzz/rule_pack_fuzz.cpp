// A rule pack from any text: compiling gives a rule set or error diagnostics, never a crash. A pack that
// compiles must decide like its oracle: apply() (automaton, RE2 sets, index) == apply_naive() (every rule
// checked one by one) on interactions built from the pack's own text, so its keywords and patterns hit.
#include <algorithm>
#include <string>
#include <vector>

#include "engine/rule_set.h"
#include "fuzz_check.h"
#include "model/journey.h"

namespace {

// Macro expansion can grow exponentially with the pack (a known issue, fixed separately); packs are
// written by people and a few KB cover every construct.
constexpr size_t kMaxBytes = 4096;

const tp::Journey& journey() {
  static const tp::Journey j = [] {
    auto load = tp::load_journey_file(std::string(TP_SOURCE_DIR) + "/config/journey.json");
    FUZZ_CHECK(load.ok());
    return load.journey;
  }();
  return j;
}

std::vector<tp::Interaction> samples(const std::string& text) {
  tp::Interaction chat;
  chat.id = "e-1";
  chat.type = tp::EventType::Message;
  chat.customer_id = "c-1";
  chat.session_id = "s-1";
  chat.channel = "chatbot";
  chat.role = tp::Role::User;
  chat.text = text;
  chat.intent = text.substr(0, 64);
  chat.confidence = 0.3;
  chat.fallback = true;

  tp::Interaction page;
  page.id = "e-2";
  page.type = tp::EventType::Page;
  page.anonymous_id = "a-1";
  page.channel = "website";
  page.url = "https://shop.example/" + text.substr(0, 200);
  page.name = text.substr(0, 200);
  page.properties_json = R"({"plan":"business","total":42})";

  tp::Interaction feedback = chat;
  feedback.id = "e-3";
  feedback.type = tp::EventType::Feedback;
  feedback.role = tp::Role::Agent;
  feedback.rating = 1;
  feedback.sentiment = -0.6;
  feedback.escalated = true;
  feedback.traits_json = R"({"plan":"enterprise"})";
  return {chat, page, feedback};
}

bool same(const tp::TagSet& a, const tp::TagSet& b) {
  return a.persona == b.persona && a.stage == b.stage && a.touchpoint == b.touchpoint && a.pain == b.pain &&
         a.rules == b.rules && a.sentiment == b.sentiment && a.persona_origin == b.persona_origin &&
         a.stage_origin == b.stage_origin && a.touchpoint_origin == b.touchpoint_origin &&
         a.sentiment_origin == b.sentiment_origin;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxBytes) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const tp::RuleLoad load = tp::compile_rules({{"fuzz.json", text}}, journey());

  const size_t lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  for (const auto& d : load.diagnostics) {
    FUZZ_CHECK(!d.message.empty());
    FUZZ_CHECK(d.line <= lines);
    FUZZ_CHECK(!tp::format_diagnostic(d).empty());
  }
  if (!load.ok()) {
    FUZZ_CHECK(load.errors() > 0);
    return 0;
  }
  FUZZ_CHECK(load.errors() == 0);

  // A customer who reached some stages before, picked by the input so a saved input replays it.
  tp::CustomerView customer;
  customer.stages_reached = size % 64;
  for (const auto& in : samples(text)) {
    const tp::TagInput input{in, "fuzz", in.customer_id.empty() ? in.anonymous_id : in.customer_id};
    tp::TagSet fast, naive;
    load.rules->apply(input, customer, fast);
    load.rules->apply_naive(input, customer, naive);
    FUZZ_CHECK(same(fast, naive));
  }
  return 0;
}
