// The Chatwoot adapter on Chatwoot's documented webhook samples and payloads in the shape of its
// webhook_data (tests/fixtures/adapters/chatwoot/, sources in tests/fixtures/README.md): who wrote a message,
// the contact's identity, CSAT answers, the pending -> open hand-off, what is ignored, and errors naming
// Chatwoot's fields.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "adapter_fixtures.h"

namespace tp {
namespace {

using json = nlohmann::json;
using testing::describe;
using testing::fields_of;
using testing::kReceived;
using testing::load;
using testing::ms;
using testing::props;
using testing::run;
using testing::run_fixture;

const std::string kAdapter = "chatwoot";

TEST(Chatwoot, DocumentedMessageCreatedIsTheContactsTurn) {
  const auto out = run_fixture(kAdapter, "message_created_sample.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  const auto& in = out.interactions[0];
  EXPECT_EQ(in.id, "chatwoot:10:msg:118");
  EXPECT_EQ(in.type, EventType::Message);
  EXPECT_EQ(in.role, Role::User);
  EXPECT_EQ(in.text, "hi");
  EXPECT_EQ(in.channel, "helpdesk");
  EXPECT_EQ(in.session_id, "10");  // conversation.id is the display id
  EXPECT_EQ(in.anonymous_id, "14");
  EXPECT_EQ(in.customer_id, "");
  EXPECT_EQ(in.timestamp_ms, ms("2021-07-23T18:02:48.000Z"));
  EXPECT_EQ(props(in)["event"], "message_created");
  EXPECT_EQ(props(in)["inbox_channel"], "Channel::WebWidget");
}

TEST(Chatwoot, RoleComesFromTheSenderTypeAndIdentityFromTheContact) {
  const auto contact = run_fixture(kAdapter, "message_created_contact.json");
  const auto bot = run_fixture(kAdapter, "message_created_agent_bot.json");
  const auto agent = run_fixture(kAdapter, "message_created_agent.json");
  for (const auto* out : {&contact, &bot, &agent}) {
    ASSERT_EQ(out->interactions.size(), 1u) << describe(*out);
    // Every message of the conversation belongs to its contact, whoever wrote it: Chatwoot's contact id,
    // linked to the identifier the app set.
    EXPECT_EQ(out->interactions[0].anonymous_id, "231");
    EXPECT_EQ(out->interactions[0].customer_id, "u-8812");
    EXPECT_EQ(out->interactions[0].session_id, "42");
  }
  EXPECT_EQ(contact.interactions[0].role, Role::User);
  EXPECT_EQ(contact.interactions[0].text, "Where is my refund for order A-1043? It has been two weeks.");
  EXPECT_EQ(bot.interactions[0].role, Role::Bot);
  EXPECT_EQ(agent.interactions[0].role, Role::Agent);
  EXPECT_EQ(agent.interactions[0].id, "chatwoot:42:msg:5012");
  EXPECT_EQ(agent.interactions[0].properties_json.find("sam@acme.example"), std::string::npos);
  EXPECT_EQ(contact.interactions[0].properties_json.find("ava@example.com"), std::string::npos);

  // Without a sender: the contact's when incoming (older payloads name it in "contact"), the system's when
  // outgoing (the CSAT survey, greetings).
  json survey = load(kAdapter, "message_updated_csat.json");
  survey["event"] = "message_created";
  const auto sent = run(kAdapter, survey);
  ASSERT_EQ(sent.interactions.size(), 1u) << describe(sent);
  EXPECT_EQ(sent.interactions[0].role, Role::Bot);
  EXPECT_EQ(sent.interactions[0].text, "Please rate the conversation");
  EXPECT_EQ(sent.interactions[0].id, "chatwoot:42:msg:5014");
  json legacy = {{"event", "message_created"},
                 {"id", "1"},
                 {"content", "Hi"},
                 {"created_at", "2020-03-03 13:05:57 UTC"},
                 {"message_type", 0},
                 {"contact", {{"id", "1"}, {"name", "contact-name"}}},
                 {"conversation", {{"id", "1"}}}};
  const auto old = run(kAdapter, legacy);
  ASSERT_EQ(old.interactions.size(), 1u) << describe(old);
  EXPECT_EQ(old.interactions[0].role, Role::User);
  EXPECT_EQ(old.interactions[0].anonymous_id, "1");
  EXPECT_EQ(old.interactions[0].timestamp_ms, ms("2020-03-03T13:05:57Z"));
}

TEST(Chatwoot, NotesActivityEditsTypingAndOtherStatusesAreIgnored) {
  for (const char* file :
       {"message_created_private_note.json", "message_created_activity.json", "message_updated_sample.json",
        "conversation_typing_on.json", "conversation_status_changed_snoozed.json",
        "conversation_status_changed_sample.json"}) {
    const auto out = run_fixture(kAdapter, file);
    EXPECT_TRUE(out.interactions.empty()) << file;
    EXPECT_TRUE(out.errors.empty()) << file << ": " << describe(out);
    EXPECT_EQ(out.ignored, 1u) << file;
  }
  for (const char* event :
       {"conversation_created", "contact_updated", "webwidget_triggered", "something_new"}) {
    const auto out = run(kAdapter, {{"event", event}});
    EXPECT_EQ(out.ignored, 1u) << event;
    EXPECT_TRUE(out.errors.empty()) << event;
  }
}

TEST(Chatwoot, CsatAnswerIsFeedback) {
  const auto out = run_fixture(kAdapter, "message_updated_csat.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  const auto& in = out.interactions[0];
  EXPECT_EQ(in.type, EventType::Feedback);
  EXPECT_EQ(in.role, Role::User);
  EXPECT_EQ(in.rating, 4);
  EXPECT_EQ(in.text, "Quick once a person picked it up.");
  EXPECT_EQ(in.id, "chatwoot:42:csat:5014");
  EXPECT_EQ(in.timestamp_ms, 1741944331275);  // when the answer touched the conversation
  EXPECT_EQ(in.customer_id, "u-8812");

  const auto bad = run_fixture(kAdapter, "hostile_csat_rating.json");
  EXPECT_TRUE(bad.interactions.empty());
  EXPECT_EQ(bad.rejected, 1u);
  EXPECT_EQ(fields_of(bad.errors),
            std::set<std::string>{"content_attributes.submitted_values.csat_survey_response.rating"});
}

TEST(Chatwoot, PendingToOpenIsTheHandoffAndResolvesAreMarkers) {
  const auto handoff = run_fixture(kAdapter, "conversation_status_changed_handoff.json");
  ASSERT_EQ(handoff.interactions.size(), 1u) << describe(handoff);
  EXPECT_EQ(handoff.interactions[0].type, EventType::Handoff);
  EXPECT_EQ(handoff.interactions[0].escalated, true);
  EXPECT_EQ(handoff.interactions[0].id, "chatwoot:42:handoff:1741943998815");
  EXPECT_EQ(handoff.interactions[0].timestamp_ms, 1741943998815);
  EXPECT_EQ(handoff.interactions[0].anonymous_id, "231");
  EXPECT_EQ(props(handoff.interactions[0])["from"], "pending");
  EXPECT_EQ(props(handoff.interactions[0])["to"], "open");

  const auto resolved = run_fixture(kAdapter, "conversation_status_changed_resolved.json");
  ASSERT_EQ(resolved.interactions.size(), 1u) << describe(resolved);
  EXPECT_EQ(resolved.interactions[0].type, EventType::Track);
  EXPECT_EQ(resolved.interactions[0].name, "conversation.resolved");
  EXPECT_EQ(resolved.interactions[0].id, "chatwoot:42:resolved:1741944290402");
  // The same change delivered as the older conversation_resolved event has the same id: stored once.
  json same = load(kAdapter, "conversation_status_changed_resolved.json");
  same["event"] = "conversation_resolved";
  ASSERT_EQ(run(kAdapter, same).interactions.size(), 1u);
  EXPECT_EQ(run(kAdapter, same).interactions[0].id, resolved.interactions[0].id);

  // Chatwoot's documented conversation_resolved sample (its status member still says "open").
  const auto sample = run_fixture(kAdapter, "conversation_resolved_sample.json");
  ASSERT_EQ(sample.interactions.size(), 1u) << describe(sample);
  EXPECT_EQ(sample.interactions[0].name, "conversation.resolved");
  EXPECT_EQ(sample.interactions[0].id, "chatwoot:10:resolved:1627063520000");
  EXPECT_EQ(sample.interactions[0].anonymous_id, "12");

  json reopened = load(kAdapter, "conversation_status_changed_resolved.json");
  reopened["changed_attributes"][0]["status"] = {{"previous_value", "resolved"}, {"current_value", "open"}};
  const auto again = run(kAdapter, reopened);
  ASSERT_EQ(again.interactions.size(), 1u) << describe(again);
  EXPECT_EQ(again.interactions[0].name, "conversation.reopened");
}

TEST(Chatwoot, MissingFieldsAreNamedInChatwootsTerms) {
  const auto wrong = run_fixture(kAdapter, "hostile_wrong_types.json");
  EXPECT_TRUE(wrong.interactions.empty());
  EXPECT_EQ(wrong.rejected, 1u);
  EXPECT_EQ(fields_of(wrong.errors),
            (std::set<std::string>{"id", "conversation", "private", "content", "created_at"}));
  const auto nobody = run_fixture(kAdapter, "hostile_no_contact.json");
  EXPECT_EQ(nobody.rejected, 1u);
  EXPECT_EQ(fields_of(nobody.errors), std::set<std::string>{"conversation.meta.sender.id"});
  EXPECT_EQ(fields_of(run(kAdapter, json::object()).errors), std::set<std::string>{"event"});
  EXPECT_EQ(fields_of(run(kAdapter, {{"event", "message_created"}}).errors),
            (std::set<std::string>{"id", "conversation"}));

  // A status change without any time of its own cannot be keyed, unless the request had a webhook-id.
  json untimed = load(kAdapter, "conversation_status_changed_resolved.json");
  untimed.erase("updated_at");
  untimed.erase("timestamp");
  EXPECT_EQ(fields_of(run(kAdapter, untimed).errors), std::set<std::string>{"updated_at"});
  AdapterContext ctx;
  ctx.webhook_id = "msg_2abc";
  const auto keyed = run(kAdapter, untimed, ctx);
  ASSERT_EQ(keyed.interactions.size(), 1u) << describe(keyed);
  EXPECT_EQ(keyed.interactions[0].id, "chatwoot:42:resolved:msg_2abc");
  EXPECT_EQ(keyed.interactions[0].timestamp_ms, kReceived);
}

}  // namespace
}  // namespace tp
