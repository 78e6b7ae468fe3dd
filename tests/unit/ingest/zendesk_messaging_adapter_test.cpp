// Zendesk Messaging / Sunshine Conversations v2 webhooks (docs/adapters.md#zendesk-messaging): every event
// of a POST is its own interaction keyed by the event id; business turns are the agent's or a bot's by the
// message source and the active switchboard integration; a pass of control to the Agent Workspace is a
// hand-off and a ticketClosed pass a close; typing, reads and deliveries are counted as ignored.
#include "adapter_fixtures.h"

namespace tp {
namespace {

using namespace tp::testing;  // NOLINT: the shared adapter test helpers
using json = nlohmann::json;
constexpr const char* kName = "zendesk-messaging";

TEST(ZendeskMessaging, DocumentedUserMessage) {
  const auto out = run_fixture(kName, "message_user.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  const auto& in = out.interactions[0];
  EXPECT_EQ(in.id, "zendesk-messaging:0ca7d56ba7b2e081e479fe9e");
  EXPECT_EQ(in.type, EventType::Message);
  EXPECT_EQ(in.role, Role::User);
  EXPECT_EQ(in.text, "Hello world");
  EXPECT_EQ(in.customer_id, "cbec0073faeda4dfcd21d0f1");   // the Sunshine user (no externalId)
  EXPECT_EQ(in.anonymous_id, "13f32c6cf7d0d38e6e0eba93");  // the conversation, linking business turns
  EXPECT_EQ(in.session_id, "13f32c6cf7d0d38e6e0eba93");
  EXPECT_EQ(in.timestamp_ms, ms("2020-02-25T18:06:37.547Z"));
  EXPECT_EQ(in.channel, "helpdesk");
  EXPECT_EQ(props(in)["platform"], "zendesk-messaging");
  EXPECT_EQ(props(in)["source"], "web");
  EXPECT_EQ(out.ignored, 0u);
}

TEST(ZendeskMessaging, EventsOfSeveralConversationsEachBecomeAnInteraction) {
  const auto out = run_fixture(kName, "batch_two_conversations.json");
  ASSERT_EQ(out.interactions.size(), 3u) << describe(out);
  EXPECT_EQ(out.ignored, 3u);  // typing, read, delivery
  EXPECT_TRUE(out.errors.empty());

  const auto& user = out.interactions[0];
  EXPECT_EQ(user.role, Role::User);
  EXPECT_EQ(user.customer_id, "cust-42");  // the app's externalId wins over the Sunshine user id
  EXPECT_EQ(user.session_id, "63f4d96be2a1b4001f8a1b77");
  EXPECT_EQ(props(user)["integration"], "zd:answerBot");

  const auto& bot = out.interactions[1];
  EXPECT_EQ(bot.id, "zendesk-messaging:63f4d9b3e2a1b4001f8a1c09");
  EXPECT_EQ(bot.role, Role::Bot);  // business message from zd:answerBot
  EXPECT_TRUE(bot.customer_id.empty());
  EXPECT_EQ(bot.anonymous_id, "63f4d96be2a1b4001f8a1b77");

  const auto& agent = out.interactions[2];
  EXPECT_EQ(agent.role, Role::Agent);                       // written in the Agent Workspace
  EXPECT_EQ(agent.session_id, "63f4d7e0e2a1b4001f8a1a20");  // another conversation in the same POST
  EXPECT_EQ(agent.text, "Hi, this is Sam from support. I have reissued the refund.");
}

TEST(ZendeskMessaging, BusinessRoleFollowsTheActiveIntegrationWhenTheSourceIsNotZendesks) {
  json doc = load(kName, "batch_two_conversations.json");
  json& agent_msg = doc["events"][3]["payload"]["message"];
  agent_msg["source"] = {{"type", "api"}};
  auto out = run(kName, doc);
  ASSERT_EQ(out.interactions.size(), 3u);
  EXPECT_EQ(out.interactions[2].role, Role::Agent);  // the Agent Workspace holds the conversation
  doc["events"][3]["payload"]["conversation"].erase("activeSwitchboardIntegration");
  out = run(kName, doc);
  EXPECT_EQ(out.interactions.at(2).role, Role::Bot);  // a custom integration's bot
}

TEST(ZendeskMessaging, ConversationCreateIsAMarkerOfTheUser) {
  const auto out = run_fixture(kName, "conversation_create.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  const auto& in = out.interactions[0];
  EXPECT_EQ(in.type, EventType::Track);
  EXPECT_EQ(in.name, "conversation.created");
  EXPECT_EQ(in.customer_id, "cust-42");
  EXPECT_EQ(in.anonymous_id, "63f4d96be2a1b4001f8a1b77");
  EXPECT_EQ(props(in)["reason"], "message");
}

TEST(ZendeskMessaging, PassControlToTheAgentWorkspaceIsAHandoff) {
  const auto out = run_fixture(kName, "pass_control_to_agent_workspace.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  const auto& in = out.interactions[0];
  EXPECT_EQ(in.id, "zendesk-messaging:63f4da10e2a1b4001f8a1d01");
  EXPECT_EQ(in.type, EventType::Handoff);
  EXPECT_EQ(in.escalated, true);
  EXPECT_EQ(in.name, "switchboard:passControl");
  EXPECT_EQ(in.timestamp_ms, ms("2026-11-23T09:16:40.918Z"));
}

TEST(ZendeskMessaging, TicketClosedPassClosesTheConversationAndOffersAreIgnored) {
  const auto out = run_fixture(kName, "pass_control_ticket_closed.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  EXPECT_EQ(out.interactions[0].type, EventType::Track);
  EXPECT_EQ(out.interactions[0].name, "conversation.closed");
  EXPECT_FALSE(out.interactions[0].escalated);
  EXPECT_EQ(out.ignored, 1u);  // offerControl: pending, not yet a change of hands

  // A pass between bots is a marker, not an escalation.
  json doc = load(kName, "pass_control_ticket_closed.json");
  doc["events"][0]["payload"].erase("reason");
  const auto moved = run(kName, doc);
  ASSERT_EQ(moved.interactions.size(), 1u);
  EXPECT_EQ(moved.interactions[0].type, EventType::Track);
  EXPECT_EQ(moved.interactions[0].name, "switchboard:passControl");
}

TEST(ZendeskMessaging, BadEventsAreRejectedOneByOneNamingThePlatformsFields) {
  const auto out = run_fixture(kName, "hostile_wrong_types.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  EXPECT_EQ(out.interactions[0].text, "the one good event");
  EXPECT_EQ(out.ignored, 1u);  // an image without text
  EXPECT_EQ(out.rejected, 5u);
  EXPECT_EQ(fields_of(out.errors),
            (std::set<std::string>{"events[0]", "events[1].createdAt", "events[2].payload.conversation.id",
                                   "events[3].payload.message.content.text", "events[4].type"}));
  EXPECT_EQ(fields_of(run(kName, json{{"app", json::object()}}).errors), std::set<std::string>{"events"});
  EXPECT_EQ(fields_of(run(kName, json{{"events", json::array()}}).errors), std::set<std::string>{"events"});
}

TEST(ZendeskMessaging, UnknownEventTypesAreIgnoredNotErrors) {
  const json doc = {{"events",
                     {{{"id", "x1"}, {"type", "conversation:referral"}, {"payload", json::object()}},
                      {{"id", "x2"}, {"type", "user:merge"}}}}};
  const auto out = run(kName, doc);
  EXPECT_TRUE(out.interactions.empty());
  EXPECT_TRUE(out.errors.empty());
  EXPECT_EQ(out.ignored, 2u);
}

}  // namespace
}  // namespace tp
