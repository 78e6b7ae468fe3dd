// The Crisp adapter on the web hook example of Crisp's quickstart and payloads in the shape of its Web Hooks
// reference (tests/fixtures/adapters/crisp/, sources in tests/fixtures/README.md): visitor, operator and
// bot messages, millisecond times, resolves, routing as the hand-off, ratings, what is ignored, and errors
// naming Crisp's fields.
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
using testing::props;
using testing::run;
using testing::run_fixture;

const std::string kAdapter = "crisp";
const std::string kSession = "session_700c65e1-85e2-465a-b9ac-ecb5ec2c9881";

TEST(Crisp, QuickstartMessageIsTheVisitorsTurn) {
  const auto out = run_fixture(kAdapter, "message_send_quickstart.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  const auto& in = out.interactions[0];
  EXPECT_EQ(in.id, "crisp:session_36ba3566-9651-4790-afc8-ffedbccc317f:msg:150698569649423");
  EXPECT_EQ(in.type, EventType::Message);
  EXPECT_EQ(in.role, Role::User);
  EXPECT_EQ(in.text, "Hey :)");
  EXPECT_EQ(in.channel, "helpdesk");
  EXPECT_EQ(in.session_id, "session_36ba3566-9651-4790-afc8-ffedbccc317f");
  EXPECT_EQ(in.anonymous_id, in.session_id);  // a session is one visitor's conversation
  EXPECT_EQ(in.customer_id, "");
  EXPECT_EQ(in.timestamp_ms, 1506985696616);  // milliseconds, not seconds
  EXPECT_EQ(props(in)["website_id"], "42286ab3-b29a-4fde-8538-da0ae501d825");
  EXPECT_EQ(props(in)["origin"], "chat");
}

TEST(Crisp, OperatorAndBotReplies) {
  const auto visitor = run_fixture(kAdapter, "message_send_visitor.json");
  ASSERT_EQ(visitor.interactions.size(), 1u) << describe(visitor);
  EXPECT_EQ(visitor.interactions[0].role, Role::User);
  EXPECT_EQ(visitor.interactions[0].timestamp_ms, 1741950121408);  // the message's own time

  const auto op = run_fixture(kAdapter, "message_received_operator.json");
  ASSERT_EQ(op.interactions.size(), 1u) << describe(op);
  EXPECT_EQ(op.interactions[0].role, Role::Agent);
  EXPECT_EQ(op.interactions[0].text, "Hello, this is Lea. I have opened a claim with the carrier for you.");
  EXPECT_EQ(op.interactions[0].anonymous_id, kSession);  // the visitor's, not the operator's

  // Sent by a plugin (origin "urn:..."), as bots are: the bot's; a picker's words are its question.
  const auto bot = run_fixture(kAdapter, "message_received_bot.json");
  const auto picker = run_fixture(kAdapter, "message_received_bot_picker.json");
  ASSERT_EQ(bot.interactions.size(), 1u) << describe(bot);
  ASSERT_EQ(picker.interactions.size(), 1u) << describe(picker);
  EXPECT_EQ(bot.interactions[0].role, Role::Bot);
  EXPECT_EQ(picker.interactions[0].role, Role::Bot);
  EXPECT_EQ(picker.interactions[0].text, "What went wrong with your delivery?");

  json automated = load(kAdapter, "message_received_operator.json");
  automated["data"]["automated"] = true;
  EXPECT_EQ(run(kAdapter, automated).interactions.at(0).role, Role::Bot);
}

TEST(Crisp, NotesFilesTypingReceiptsAndOtherStatesAreIgnored) {
  for (const char* file :
       {"message_received_note.json", "message_send_file.json", "message_compose_send.json",
        "message_acknowledge_read_send.json", "session_set_state_unresolved.json"}) {
    const auto out = run_fixture(kAdapter, file);
    EXPECT_TRUE(out.interactions.empty()) << file;
    EXPECT_TRUE(out.errors.empty()) << file << ": " << describe(out);
    EXPECT_EQ(out.ignored, 1u) << file;
  }
  for (const char* event : {"people:profile:created", "session:sync:geolocation", "message:compose:receive",
                            "message:acknowledge:delivered", "something:new"}) {
    const auto out = run(kAdapter, {{"website_id", "w"}, {"event", event}, {"data", json::object()}});
    EXPECT_EQ(out.ignored, 1u) << event;
    EXPECT_TRUE(out.errors.empty()) << event;
  }
  json unassigned = load(kAdapter, "session_set_routing.json");
  unassigned["data"]["routing_id"] = nullptr;
  EXPECT_EQ(run(kAdapter, unassigned).ignored, 1u);
}

TEST(Crisp, ResolveRoutingAndRating) {
  const auto resolved = run_fixture(kAdapter, "session_set_state_resolved.json");
  ASSERT_EQ(resolved.interactions.size(), 1u) << describe(resolved);
  EXPECT_EQ(resolved.interactions[0].type, EventType::Track);
  EXPECT_EQ(resolved.interactions[0].name, "conversation.resolved");
  EXPECT_EQ(resolved.interactions[0].id, "crisp:" + kSession + ":resolved:1741950912446");
  EXPECT_EQ(resolved.interactions[0].timestamp_ms, 1741950912446);

  // Routed to an operator while nobody had it: handed to a human.
  const auto routed = run_fixture(kAdapter, "session_set_routing.json");
  ASSERT_EQ(routed.interactions.size(), 1u) << describe(routed);
  EXPECT_EQ(routed.interactions[0].type, EventType::Handoff);
  EXPECT_EQ(routed.interactions[0].escalated, true);
  EXPECT_EQ(routed.interactions[0].id,
            "crisp:" + kSession + ":routing:aa0d9bb5-c9a6-4c9f-9b30-bc9e4a3b5b2c:1741950201733");
  json transfer = load(kAdapter, "session_set_routing.json");
  transfer["data"]["previous_routing_id"] = "0b4e5d1c-8f3a-4b2e-9c6d-7a1f2e3d4c5b";
  const auto moved = run(kAdapter, transfer);
  ASSERT_EQ(moved.interactions.size(), 1u) << describe(moved);
  EXPECT_EQ(moved.interactions[0].type, EventType::Track);
  EXPECT_EQ(moved.interactions[0].name, "conversation.transferred");

  const auto rated = run_fixture(kAdapter, "session_sync_rating.json");
  ASSERT_EQ(rated.interactions.size(), 1u) << describe(rated);
  EXPECT_EQ(rated.interactions[0].type, EventType::Feedback);
  EXPECT_EQ(rated.interactions[0].role, Role::User);
  EXPECT_EQ(rated.interactions[0].rating, 5);
  EXPECT_EQ(rated.interactions[0].text, "Lea sorted it out in minutes");
  EXPECT_EQ(rated.interactions[0].id, "crisp:" + kSession + ":rating:1741950990517");

  const auto zero = run_fixture(kAdapter, "hostile_rating.json");
  EXPECT_TRUE(zero.interactions.empty());
  EXPECT_EQ(fields_of(zero.errors), std::set<std::string>{"data.rating.stars"});
}

TEST(Crisp, MissingFieldsAreNamedInCrispsTerms) {
  const auto wrong = run_fixture(kAdapter, "hostile_wrong_types.json");
  EXPECT_TRUE(wrong.interactions.empty());
  EXPECT_EQ(wrong.rejected, 1u);
  EXPECT_EQ(fields_of(wrong.errors),
            (std::set<std::string>{"data.fingerprint", "data.type", "data.timestamp"}));
  EXPECT_EQ(fields_of(run(kAdapter, json::object()).errors), std::set<std::string>{"event"});
  EXPECT_EQ(fields_of(run(kAdapter, {{"event", "message:send"}}).errors), std::set<std::string>{"data"});
  EXPECT_EQ(fields_of(run(kAdapter, {{"event", "message:send"}, {"data", json::object()}}).errors),
            std::set<std::string>{"data.session_id"});
  // A state change without the hook's timestamp has nothing to key it by, unless the request had a
  // webhook-id.
  json untimed = load(kAdapter, "session_set_state_resolved.json");
  untimed.erase("timestamp");
  EXPECT_EQ(fields_of(run(kAdapter, untimed).errors), std::set<std::string>{"timestamp"});
  AdapterContext ctx;
  ctx.webhook_id = "msg_2crisp";
  EXPECT_EQ(run(kAdapter, untimed, ctx).interactions.at(0).id, "crisp:" + kSession + ":resolved:msg_2crisp");
}

}  // namespace
}  // namespace tp
