// IBM watsonx Assistant log webhook (docs/adapters.md#watson-assistant): the customer's input with the top
// intent and its confidence (no intent: a fallback), the assistant's text reply, and a connect_to_agent
// response as a hand-off; call detail records are ignored.
#include "adapter_fixtures.h"

namespace tp {
namespace {

using namespace tp::testing;  // NOLINT: the shared adapter test helpers
using json = nlohmann::json;
constexpr const char* kName = "watson-assistant";

TEST(WatsonAssistant, MessageLoggedGivesTheTurnWithItsTopIntentAndTheReply) {
  const auto out = run_fixture(kName, "message_logged.json");
  ASSERT_EQ(out.interactions.size(), 2u) << describe(out);
  const auto& in = out.interactions[0];
  EXPECT_EQ(in.id, "watson-assistant:1a4e2f6c-7d7b-4a3c-9a51-2f6b1b7c9e01");
  EXPECT_EQ(in.type, EventType::Message);
  EXPECT_EQ(in.role, Role::User);
  EXPECT_EQ(in.text, "I want to check the status of my refund");
  EXPECT_EQ(in.intent, "Refund_Status");
  EXPECT_EQ(in.confidence, 0.9412);
  EXPECT_EQ(in.fallback, false);
  EXPECT_EQ(in.customer_id, "cust-42");
  EXPECT_EQ(in.session_id, "9b6e1f8e-3a4d-4f0c-8d43-6c2a1e5b7f10");
  EXPECT_EQ(in.anonymous_id, "9b6e1f8e-3a4d-4f0c-8d43-6c2a1e5b7f10");
  EXPECT_EQ(in.timestamp_ms, ms("2026-11-23T09:15:00.120Z"));
  EXPECT_EQ(in.channel, "chatbot");
  EXPECT_EQ(props(in)["agent"], "97f16ba4-ad94-41af-aa6c-33cd56ad5e7e");
  EXPECT_EQ(props(in)["language"], "en");
  const auto& reply = out.interactions[1];
  EXPECT_EQ(reply.id, "watson-assistant:1a4e2f6c-7d7b-4a3c-9a51-2f6b1b7c9e01:reply");
  EXPECT_EQ(reply.role, Role::Bot);
  EXPECT_EQ(reply.text, "Sure. What is your order number?");
  EXPECT_FALSE(reply.confidence);
}

TEST(WatsonAssistant, NoIntentIsAFallbackAndTheContextNamesTheUser) {
  const auto out = run_fixture(kName, "message_logged_no_intent.json");
  ASSERT_EQ(out.interactions.size(), 2u) << describe(out);
  EXPECT_EQ(out.interactions[0].fallback, true);
  EXPECT_TRUE(out.interactions[0].intent.empty());
  EXPECT_FALSE(out.interactions[0].confidence);
  EXPECT_EQ(out.interactions[0].customer_id, "anonymous_IBMuid-8a1f6b2c-4d5e-4f60-9a7b-8c9d0e1f2a3b");
  EXPECT_FALSE(out.interactions[1].fallback);  // only the customer's turn is marked
}

TEST(WatsonAssistant, ConnectToAgentIsAHandoff) {
  const auto out = run_fixture(kName, "message_logged_connect_to_agent.json");
  ASSERT_EQ(out.interactions.size(), 3u) << describe(out);
  EXPECT_EQ(out.interactions[0].intent, "Connect_to_Agent");
  EXPECT_EQ(out.interactions[1].text, "Let me connect you to an agent.");
  const auto& handoff = out.interactions[2];
  EXPECT_EQ(handoff.type, EventType::Handoff);
  EXPECT_EQ(handoff.escalated, true);
  EXPECT_EQ(handoff.name, "connect_to_agent");
  EXPECT_EQ(handoff.id, "watson-assistant:e0f1a2b3-c4d5-4e6f-8a7b-9c0d1e2f3a04:handoff");
}

TEST(WatsonAssistant, WelcomeTurnWithoutInputAndCallRecordsAreIgnored) {
  const auto welcome = run_fixture(kName, "message_logged_welcome.json");
  EXPECT_TRUE(welcome.interactions.empty());
  EXPECT_TRUE(welcome.errors.empty());
  EXPECT_EQ(welcome.ignored, 1u);
  const auto cdr = run_fixture(kName, "cdr_logged.json");
  EXPECT_TRUE(cdr.interactions.empty());
  EXPECT_TRUE(cdr.errors.empty());
  EXPECT_EQ(cdr.ignored, 1u);
}

TEST(WatsonAssistant, MissingAndWrongFieldsAreNamed) {
  EXPECT_EQ(
      fields_of(run_fixture(kName, "hostile_wrong_types.json").errors),
      (std::set<std::string>{"payload.request.input.text", "payload.response.output.intents[0].confidence",
                             "payload.request_timestamp"}));
  EXPECT_EQ(fields_of(run(kName, json{{"payload", json::object()}}).errors), std::set<std::string>{"event"});
  json no_log = load(kName, "message_logged.json");
  no_log["payload"].erase("log_id");
  EXPECT_EQ(fields_of(run(kName, no_log).errors), std::set<std::string>{"payload.log_id"});
  json nobody = load(kName, "message_logged_no_intent.json");
  nobody["payload"].erase("session_id");
  nobody["payload"]["response"].erase("context");
  EXPECT_EQ(fields_of(run(kName, nobody).errors), std::set<std::string>{"payload.request.user_id"});
}

}  // namespace
}  // namespace tp
