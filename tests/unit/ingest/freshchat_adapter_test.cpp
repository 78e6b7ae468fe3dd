// The Freshchat adapter on the payloads of Freshchat's webhook article, current and older shapes
// (tests/fixtures/adapters/freshchat/, sources in tests/fixtures/README.md): who wrote a message, the
// conversation as the link between a customer's events, assignment as the hand-off, resolves and reopens,
// what is ignored, and errors naming Freshchat's fields.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "adapter_fixtures.h"

namespace tp {
namespace {

using json = nlohmann::json;
using testing::describe;
using testing::fields_of;
using testing::load;
using testing::ms;
using testing::props;
using testing::run;
using testing::run_fixture;

const std::string kAdapter = "freshchat";

TEST(Freshchat, AgentMessageFromTheArticle) {
  const auto out = run_fixture(kAdapter, "message_create_agent.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  const auto& in = out.interactions[0];
  EXPECT_EQ(in.id, "freshchat:35e80ec8-c697-42e4-8ce9-a47a050b1d1a:msg:a834cd45-c463-4644-b254-be920924a998");
  EXPECT_EQ(in.type, EventType::Message);
  EXPECT_EQ(in.role, Role::Agent);
  EXPECT_EQ(in.text, "হাই সেখানে! আমি আজ তোমার জন্য কি করতে পারি?");
  EXPECT_EQ(in.channel, "helpdesk");
  EXPECT_EQ(in.session_id, "35e80ec8-c697-42e4-8ce9-a47a050b1d1a");
  // The customer is the conversation's user, not the agent who wrote; the conversation id links them.
  EXPECT_EQ(in.customer_id, "9047e655-1e83-463e-b1b6-4a44beb1f07f");
  EXPECT_EQ(in.anonymous_id, "35e80ec8-c697-42e4-8ce9-a47a050b1d1a");
  EXPECT_EQ(in.timestamp_ms, ms("2022-11-22T10:55:23.126Z"));
  EXPECT_EQ(props(in)["topic"], "304d0a73-5135-4be6-9df3-7a4aa2a0d855");
}

TEST(Freshchat, UserMessagesInTheCurrentAndTheOlderShape) {
  const auto current = run_fixture(kAdapter, "message_create_user.json");
  ASSERT_EQ(current.interactions.size(), 1u) << describe(current);
  EXPECT_EQ(current.interactions[0].role, Role::User);
  EXPECT_EQ(current.interactions[0].text, "User here, I am going");
  EXPECT_EQ(current.interactions[0].customer_id, "5cac723a-13aa-473e-846b-9cdb7d2c41a5");  // the actor
  EXPECT_EQ(props(current.interactions[0])["source"], "web");

  const auto older = run_fixture(kAdapter, "message_create_user_msg_parts.json");
  ASSERT_EQ(older.interactions.size(), 1u) << describe(older);
  EXPECT_EQ(older.interactions[0].role, Role::User);
  EXPECT_EQ(older.interactions[0].text, "USER MESSAGE - from postman");
  EXPECT_EQ(older.interactions[0].customer_id, "dbec0910-b4d6-4d81-8015-81f560a918de");
  EXPECT_EQ(older.interactions[0].session_id,
            "11de8840-6ce8-48ac-a418-7c2ae81a1b57_dbec0910-b4d6-4d81-8015-81f560a918de_feedback");
}

TEST(Freshchat, SystemMessagesAreTheBotsAndNotesAreIgnored) {
  const auto system = run_fixture(kAdapter, "message_create_system.json");
  ASSERT_EQ(system.interactions.size(), 1u) << describe(system);
  EXPECT_EQ(system.interactions[0].role, Role::Bot);
  EXPECT_EQ(system.interactions[0].text, "Thanks for reaching out! An agent will be with you shortly.");

  const auto note = run_fixture(kAdapter, "message_create_private.json");
  EXPECT_TRUE(note.interactions.empty());
  EXPECT_TRUE(note.errors.empty()) << describe(note);
  EXPECT_EQ(note.ignored, 1u);
  json bots_note = load(kAdapter, "message_create_agent.json");
  bots_note["data"]["message"]["botsPrivateNote"] = true;
  EXPECT_EQ(run(kAdapter, bots_note).ignored, 1u);
  json image_only = load(kAdapter, "message_create_user.json");
  image_only["data"]["message"]["message_parts"] =
      json::parse(R"([{"image": {"url": "https://example.com/a.png"}}])");
  EXPECT_EQ(run(kAdapter, image_only).ignored, 1u);
  for (const char* action : {"user_create", "conversation_update", "typing"}) {
    const auto out = run(kAdapter, {{"action", action}, {"data", json::object()}});
    EXPECT_EQ(out.ignored, 1u) << action;
    EXPECT_TRUE(out.errors.empty()) << action;
  }
}

TEST(Freshchat, AssignmentToAnAgentIsTheHandoff) {
  const auto out = run_fixture(kAdapter, "conversation_assignment.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  const auto& in = out.interactions[0];
  EXPECT_EQ(in.type, EventType::Handoff);
  EXPECT_EQ(in.escalated, true);
  EXPECT_EQ(in.role, Role::Agent);
  EXPECT_EQ(in.session_id, "40c15ddf-74e0-41e5-870e-69187d085778");
  EXPECT_EQ(in.anonymous_id, "40c15ddf-74e0-41e5-870e-69187d085778");
  EXPECT_EQ(in.id,
            "freshchat:40c15ddf-74e0-41e5-870e-69187d085778:assigned:999abdc6-e4b1-4944-a246-86f63109df7e:" +
                std::to_string(ms("2020-04-07T13:35:18.622Z")));
  EXPECT_EQ(in.timestamp_ms, ms("2020-04-07T13:35:18.622Z"));

  const auto group = run_fixture(kAdapter, "conversation_assignment_group_only.json");
  EXPECT_TRUE(group.interactions.empty());
  EXPECT_EQ(group.ignored, 1u);
  json transfer = load(kAdapter, "conversation_assignment.json");
  transfer["data"]["assignment"]["from_agent_id"] = "41c85e6d-cf41-4275-904d-545849e6f22b";
  const auto moved = run(kAdapter, transfer);
  ASSERT_EQ(moved.interactions.size(), 1u) << describe(moved);
  EXPECT_EQ(moved.interactions[0].type, EventType::Track);
  EXPECT_EQ(moved.interactions[0].name, "conversation.transferred");
}

TEST(Freshchat, ResolveAndReopenAreMarkers) {
  const auto resolved = run_fixture(kAdapter, "conversation_resolution.json");
  ASSERT_EQ(resolved.interactions.size(), 1u) << describe(resolved);
  EXPECT_EQ(resolved.interactions[0].type, EventType::Track);
  EXPECT_EQ(resolved.interactions[0].name, "conversation.resolved");
  EXPECT_EQ(resolved.interactions[0].session_id, "aecf3cc7-138a-4b40-9723-5bf4d1abb97b");
  EXPECT_EQ(resolved.interactions[0].customer_id, "");  // an agent resolved it: no user named

  const auto reopened = run_fixture(kAdapter, "conversation_reopen.json");
  ASSERT_EQ(reopened.interactions.size(), 1u) << describe(reopened);
  EXPECT_EQ(reopened.interactions[0].name, "conversation.reopened");
  EXPECT_EQ(reopened.interactions[0].role, Role::User);
  EXPECT_EQ(reopened.interactions[0].customer_id, "9047e655-1e83-463e-b1b6-4a44beb1f07f");  // the reopener
  EXPECT_EQ(reopened.interactions[0].id, "freshchat:35e80ec8-c697-42e4-8ce9-a47a050b1d1a:reopened:" +
                                             std::to_string(ms("2022-11-22T10:55:22.272Z")));
}

TEST(Freshchat, MissingFieldsAreNamedInFreshchatsTerms) {
  EXPECT_EQ(fields_of(run_fixture(kAdapter, "hostile_wrong_types.json").errors),
            (std::set<std::string>{"actor.actor_type", "action_time"}));
  const auto lost = run_fixture(kAdapter, "hostile_missing_conversation.json");
  EXPECT_EQ(lost.rejected, 1u);
  EXPECT_EQ(fields_of(lost.errors), std::set<std::string>{"data.resolve.conversation.conversation_id"});
  json broken = load(kAdapter, "message_create_user.json");
  broken["data"]["message"]["id"] = json::array();
  broken["data"]["message"]["message_parts"] = {{"text", {{"content", "hi"}}}};
  EXPECT_EQ(fields_of(run(kAdapter, broken).errors),
            (std::set<std::string>{"data.message.id", "data.message.message_parts"}));
  EXPECT_EQ(fields_of(run(kAdapter, json::object()).errors), std::set<std::string>{"action"});
  EXPECT_EQ(fields_of(run(kAdapter, {{"action", "message_create"}}).errors), std::set<std::string>{"data"});
  json untimed = load(kAdapter, "conversation_resolution.json");
  untimed.erase("action_time");
  EXPECT_EQ(fields_of(run(kAdapter, untimed).errors), std::set<std::string>{"action_time"});
}

}  // namespace
}  // namespace tp
