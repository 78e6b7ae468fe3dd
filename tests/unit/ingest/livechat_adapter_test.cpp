// LiveChat (Text platform) webhooks (docs/adapters.md#livechat): customers and agents told apart by the
// chat's user list or, for incoming_event, by the author id's format; transfers to humans are hand-offs,
// deactivation closes the chat, thumbs ratings become 1 or 5; internal events and other actions are ignored.
#include "adapter_fixtures.h"

namespace tp {
namespace {

using namespace tp::testing;  // NOLINT: the shared adapter test helpers
using json = nlohmann::json;
constexpr const char* kName = "livechat";

TEST(LiveChat, CustomerMessageIsKnownByItsUuidAuthor) {
  const auto out = run_fixture(kName, "incoming_event_customer.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  const auto& in = out.interactions[0];
  EXPECT_EQ(in.id, "livechat:PJ0MRSHTDG:K600PKZON8:K600PKZON8_5");
  EXPECT_EQ(in.type, EventType::Message);
  EXPECT_EQ(in.role, Role::User);
  EXPECT_EQ(in.text, "Hi, my order has not arrived yet. Can I get a refund?");
  EXPECT_EQ(in.customer_id, "b7eff798-f8df-4364-8059-649c35c9ed0c");
  EXPECT_EQ(in.anonymous_id, "PJ0MRSHTDG");  // the chat: links the agents' turns to this customer
  EXPECT_EQ(in.session_id, "PJ0MRSHTDG");
  EXPECT_EQ(in.timestamp_ms, ms("2019-12-09T12:01:18.909Z"));
  EXPECT_EQ(in.channel, "helpdesk");
  EXPECT_EQ(props(in)["platform"], "livechat");
}

TEST(LiveChat, AgentMessageIsKnownByItsEmailAuthorAndCarriesTheChatOnly) {
  const auto out = run_fixture(kName, "incoming_event_agent.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  const auto& in = out.interactions[0];
  EXPECT_EQ(in.role, Role::Agent);
  EXPECT_TRUE(in.customer_id.empty());
  EXPECT_EQ(in.anonymous_id, "PJ0MRSHTDG");
  EXPECT_EQ(props(in)["agent"], "smith@example.com");
}

TEST(LiveChat, InternalEventsAreIgnored) {
  const auto out = run_fixture(kName, "incoming_event_internal_note.json");
  EXPECT_TRUE(out.interactions.empty());
  EXPECT_TRUE(out.errors.empty());
  EXPECT_EQ(out.ignored, 1u);
}

TEST(LiveChat, IncomingChatUsesItsUserListAndReadsTheOpeningEvents) {
  const auto out = run_fixture(kName, "incoming_chat.json");
  ASSERT_EQ(out.interactions.size(), 2u) << describe(out);
  EXPECT_EQ(out.ignored, 2u);  // the pre-chat form and the system message
  const auto& customer = out.interactions[0];
  EXPECT_EQ(customer.role, Role::User);
  EXPECT_EQ(customer.text, "Where is my order #1043?");
  const auto& bot = out.interactions[1];
  EXPECT_EQ(bot.role, Role::Bot);  // an agent in the list with a bot's 32-hex id
  EXPECT_EQ(bot.text, "I can help with orders. What do you need?");    // the rich message's card title
  EXPECT_EQ(bot.customer_id, "b7eff798-f8df-4364-8059-649c35c9ed0c");  // named by the chat's users
}

TEST(LiveChat, TransferToAnAgentIsAHandoffAtTheReceiveTime) {
  const auto out = run_fixture(kName, "chat_transferred.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  const auto& in = out.interactions[0];
  EXPECT_EQ(in.type, EventType::Handoff);
  EXPECT_EQ(in.escalated, true);
  EXPECT_EQ(in.timestamp_ms, kReceived);  // the webhook has no time of its own
  EXPECT_EQ(props(in)["reason"], "manual");

  json to_bot = load(kName, "chat_transferred.json");
  to_bot["payload"]["transferred_to"] = {{"agent_ids", {"5c9871d5372c824cbf22d860a707a578"}}};
  const auto bot = run(kName, to_bot);
  ASSERT_EQ(bot.interactions.size(), 1u);
  EXPECT_EQ(bot.interactions[0].type, EventType::Track);  // to a bot: not an escalation
  EXPECT_NE(bot.interactions[0].id, in.id);
}

TEST(LiveChat, DeactivationClosesTheChat) {
  const auto out = run_fixture(kName, "chat_deactivated.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  EXPECT_EQ(out.interactions[0].type, EventType::Track);
  EXPECT_EQ(out.interactions[0].name, "chat.closed");
  EXPECT_EQ(out.interactions[0].role, Role::User);  // closed by the customer
  EXPECT_EQ(out.interactions[0].id, "livechat:PJ0MRSHTDG:K600PKZON8:deactivated");
}

TEST(LiveChat, ThumbsRatingsAreOneAndFive) {
  const auto bad = run_fixture(kName, "thread_properties_rating_bad.json");
  ASSERT_EQ(bad.interactions.size(), 1u) << describe(bad);
  EXPECT_EQ(bad.interactions[0].type, EventType::Feedback);
  EXPECT_EQ(bad.interactions[0].rating, 1);
  EXPECT_EQ(bad.interactions[0].text, "Took 20 minutes to get a human.");
  const auto good = run_fixture(kName, "chat_properties_rating_good.json");
  ASSERT_EQ(good.interactions.size(), 1u) << describe(good);
  EXPECT_EQ(good.interactions[0].rating, 5);
  EXPECT_EQ(good.interactions[0].session_id, "Q1BVR4N3XZ");

  json wrong = load(kName, "chat_properties_rating_good.json");
  wrong["payload"]["properties"]["rating"]["score"] = 4;
  EXPECT_EQ(fields_of(run(kName, wrong).errors), std::set<std::string>{"payload.properties.rating.score"});
}

TEST(LiveChat, OtherPropertiesReceiptsAndUnknownActionsAreIgnored) {
  for (const char* file : {"thread_properties_other.json", "events_marked_as_seen.json"}) {
    const auto out = run_fixture(kName, file);
    EXPECT_TRUE(out.interactions.empty()) << file;
    EXPECT_TRUE(out.errors.empty()) << file;
    EXPECT_EQ(out.ignored, 1u) << file;
  }
  EXPECT_EQ(run(kName, json{{"action", "agent_created"}, {"payload", json::object()}}).ignored, 1u);
}

TEST(LiveChat, MissingAndWrongFieldsAreNamed) {
  EXPECT_EQ(fields_of(run_fixture(kName, "hostile_wrong_types.json").errors),
            std::set<std::string>{"payload.chat_id"});
  EXPECT_EQ(fields_of(run(kName, json{{"payload", json::object()}}).errors), std::set<std::string>{"action"});
  EXPECT_EQ(fields_of(run(kName, json{{"action", "incoming_event"}}).errors),
            std::set<std::string>{"payload"});
  json no_author = load(kName, "incoming_event_customer.json");
  no_author["payload"]["event"].erase("author_id");
  EXPECT_EQ(fields_of(run(kName, no_author).errors), std::set<std::string>{"payload.event.author_id"});
}

}  // namespace
}  // namespace tp
