// Platform webhook adapters: documented payloads (tests/fixtures/adapters/, sources in
// tests/fixtures/README.md) in, the canonical interactions out; errors naming the missing field; ignored
// events counted; stable ids; never a throw, whatever the JSON shape.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "adapter_fixtures.h"
#include "ingest/adapters/adapter.h"
#include "ingest/adapters/adapter_util.h"

namespace tp {
namespace {

using json = nlohmann::json;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::StartsWith;

using testing::adapter_fixtures;
using testing::adapter_for;
using testing::describe;
using testing::fields_of;
using testing::generic_config;
using testing::kReceived;
using testing::load;
using testing::messages_of;
using testing::ms;
using testing::props;
using testing::run;
using testing::run_fixture;

// ---------------------------------------------------------------------------------------------- registry

TEST(AdapterRegistry, EveryNamedAdapterIsBuiltAndConfigIsChecked) {
  EXPECT_EQ(adapter_names().size(), 13u);
  for (const auto& name : adapter_names()) {
    std::vector<Diagnostic> problems;
    if (name == "generic") {
      EXPECT_FALSE(make_adapter(name, json(), problems));
      EXPECT_FALSE(problems.empty());
      continue;
    }
    EXPECT_TRUE(make_adapter(name, json(), problems)) << name;
    EXPECT_TRUE(make_adapter(name, json::object(), problems)) << name;
    EXPECT_TRUE(problems.empty()) << name;
    EXPECT_FALSE(make_adapter(name, json{{"x", 1}}, problems)) << name;
    EXPECT_THAT(messages_of(problems), Contains(HasSubstr("takes no config")));
  }
  std::vector<Diagnostic> problems;
  EXPECT_FALSE(make_adapter("dialogflow", json(), problems));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0].message, HasSubstr("unknown adapter"));
  EXPECT_THAT(problems[0].message, HasSubstr("dialogflow-es"));
}

// ---------------------------------------------------------------------------------------------- Dialogflow
// ES

TEST(DialogflowEs, GoogleAssistantRequestGivesTheUserTurn) {
  const auto out = run_fixture("dialogflow-es", "google_assistant.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);  // no configured reply in this request
  const auto& in = out.interactions[0];
  EXPECT_EQ(in.id, "dialogflow-es:07424698-0149-430a-9b9c-157402568343");
  EXPECT_EQ(in.type, EventType::Message);
  EXPECT_EQ(in.role, Role::User);
  EXPECT_EQ(in.text, "webhook");
  EXPECT_EQ(in.intent, "webhook");
  EXPECT_EQ(in.confidence, 1.0);
  EXPECT_EQ(in.fallback, false);
  EXPECT_FALSE(in.sentiment);
  EXPECT_EQ(in.channel, "chatbot");
  EXPECT_EQ(in.session_id, "1515017715285");
  EXPECT_EQ(in.customer_id,
            "ABwppHHixRyLmiAcc4IihWQOCUfSLS1Dw6OezP3e0_CqqJNkbXFCTxGNi_Zi_oc3r86CR0nyHwcDRqIEHQ");
  EXPECT_EQ(in.anonymous_id, "1515017715285");
  EXPECT_EQ(in.timestamp_ms, kReceived);
  const json p = props(in);
  EXPECT_EQ(p["platform"], "dialogflow-es");
  EXPECT_EQ(p["agent"], "stagent-f2236");
  EXPECT_EQ(p["integration"], "google");
  EXPECT_EQ(p["language"], "en-us");
  // A valid, empty WebhookResponse: the agent keeps its static replies.
  ASSERT_TRUE(out.response_body);
  EXPECT_EQ(json::parse(*out.response_body), json::object());
  EXPECT_EQ(out.ignored, 0u);
  EXPECT_TRUE(out.errors.empty());
}

TEST(DialogflowEs, SlackRequestGivesTheTurnAndTheConfiguredReply) {
  const auto out = run_fixture("dialogflow-es", "slack.json");
  ASSERT_EQ(out.interactions.size(), 2u) << describe(out);
  EXPECT_EQ(out.interactions[0].customer_id, "U2URF86K1");
  EXPECT_EQ(out.interactions[0].session_id, "88d13aa8-2999-4f71-b233-39cbf3a824a0");
  const auto& bot = out.interactions[1];
  EXPECT_EQ(bot.id, "dialogflow-es:4b85257c-c12e-4eef-ae1f-0916e6f5dc0d:reply");
  EXPECT_EQ(bot.role, Role::Bot);
  EXPECT_EQ(bot.type, EventType::Message);
  EXPECT_EQ(bot.text, "webhook failure");
  EXPECT_EQ(bot.intent, "webhook");
  EXPECT_EQ(bot.customer_id, "U2URF86K1");
  EXPECT_FALSE(bot.confidence);
  EXPECT_EQ(props(bot)["integration"], "slack_testbot");
}

TEST(DialogflowEs, PlatformUserIdsFromTheIntegrationPayload) {
  EXPECT_EQ(run_fixture("dialogflow-es", "facebook.json").interactions.at(0).customer_id, "1534862223272449");
  const auto twitter = run_fixture("dialogflow-es", "twitter_fallback.json");
  EXPECT_EQ(twitter.interactions.at(0).customer_id, "2774598458");
  const auto board = run_fixture("dialogflow-es", "support_board.json");
  EXPECT_EQ(board.interactions.at(0).customer_id, "3777");
  EXPECT_EQ(board.interactions.at(0).session_id, "3777-3002");
  EXPECT_EQ(board.interactions.at(0).intent, "Fullfilment");
  EXPECT_EQ(board.interactions.at(1).text, "Example");
}

TEST(DialogflowEs, WithoutAUserIdTheSessionIsTheAnonymousId) {
  json req = load("dialogflow-es", "google_assistant.json");
  req.erase("originalDetectIntentRequest");
  const auto out = run("dialogflow-es", req);
  ASSERT_EQ(out.interactions.size(), 1u);
  EXPECT_EQ(out.interactions[0].customer_id, "");
  EXPECT_EQ(out.interactions[0].anonymous_id, "1515017715285");
  // The environment form of the session path carries the user id.
  req["session"] = "projects/p1/locations/europe-west1/agent/environments/prod/users/u-77/sessions/s-9";
  const auto env = run("dialogflow-es", req);
  EXPECT_EQ(env.interactions.at(0).customer_id, "u-77");
  EXPECT_EQ(env.interactions.at(0).session_id, "s-9");
}

TEST(DialogflowEs, DefaultFallbackIntentIsAFallback) {
  const auto out = run_fixture("dialogflow-es", "twitter_fallback.json");
  ASSERT_EQ(out.interactions.size(), 2u);
  EXPECT_EQ(out.interactions[0].intent, "Default Fallback Intent");
  EXPECT_EQ(out.interactions[0].fallback, true);
  EXPECT_EQ(out.interactions[0].text, "wat");
  EXPECT_EQ(out.interactions[1].text, "I didn\"t get that. Can you say it again?");
  EXPECT_FALSE(out.interactions[1].fallback);  // only the user's turn is marked
}

TEST(DialogflowEs, IsFallbackAndSentimentAnalysis) {
  const auto out = run_fixture("dialogflow-es", "sentiment_fallback.json");
  ASSERT_FALSE(out.interactions.empty()) << describe(out);
  const auto& in = out.interactions[0];
  EXPECT_EQ(in.fallback, true);
  EXPECT_EQ(in.sentiment, -0.8);
  EXPECT_EQ(in.confidence, 0.42);
  EXPECT_EQ(in.intent, "complaint.fallback");
}

TEST(DialogflowEs, MissingAndWrongFieldsAreNamed) {
  const auto missing = run_fixture("dialogflow-es", "hostile_missing_query_text.json");
  EXPECT_TRUE(missing.interactions.empty());
  EXPECT_EQ(missing.rejected, 1u);
  EXPECT_EQ(fields_of(missing.errors), std::set<std::string>{"queryResult.queryText"});
  EXPECT_THAT(missing.errors[0].error, HasSubstr("required"));

  const auto wrong = run_fixture("dialogflow-es", "hostile_wrong_types.json");
  EXPECT_TRUE(wrong.interactions.empty());
  EXPECT_EQ(fields_of(wrong.errors),
            (std::set<std::string>{"responseId", "session", "queryResult.queryText", "queryResult.intent",
                                   "queryResult.intentDetectionConfidence",
                                   "queryResult.sentimentAnalysisResult.queryTextSentiment.score"}));

  const auto not_object = run_fixture("dialogflow-es", "hostile_not_object.json");
  EXPECT_TRUE(not_object.interactions.empty());
  ASSERT_EQ(not_object.errors.size(), 1u);
  EXPECT_EQ(not_object.errors[0].field, "");

  const auto empty = run("dialogflow-es", json::object());
  EXPECT_EQ(fields_of(empty.errors), (std::set<std::string>{"responseId", "session", "queryResult"}));
}

TEST(DialogflowEs, HugeStringsAreCutAndHugeIdsRefused) {
  json req = load("dialogflow-es", "slack.json");
  req["queryResult"]["queryText"] = std::string(20000, 'a') + "\xC3\xA9";
  const auto out = run("dialogflow-es", req);
  ASSERT_FALSE(out.interactions.empty());
  EXPECT_EQ(out.interactions[0].text.size(), 16384u);
  req["responseId"] = std::string(600, 'r');
  const auto id = run("dialogflow-es", req);
  EXPECT_TRUE(id.interactions.empty());
  EXPECT_EQ(fields_of(id.errors), std::set<std::string>{"responseId"});
}

// ---------------------------------------------------------------------------------------------- Dialogflow
// CX

TEST(DialogflowCx, TextTurnWithMatchedIntent) {
  const auto out = run_fixture("dialogflow-cx", "text_turn.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  const auto& in = out.interactions[0];
  EXPECT_EQ(in.id, "dialogflow-cx:dsfsdaf-c5c9-46ce-bf2c-935396c08926");
  EXPECT_EQ(in.type, EventType::Message);
  EXPECT_EQ(in.role, Role::User);
  EXPECT_EQ(in.text, "Hi!");
  EXPECT_EQ(in.intent, "Default Welcome Intent");
  EXPECT_EQ(in.confidence, 0.6684057);
  EXPECT_EQ(in.fallback, false);
  EXPECT_EQ(in.session_id, "7fab78-aac-10e-989-d99313ca4");
  EXPECT_EQ(in.anonymous_id, "7fab78-aac-10e-989-d99313ca4");
  EXPECT_EQ(in.channel, "chatbot");
  const json p = props(in);
  EXPECT_EQ(p["tag"], "test");
  EXPECT_EQ(p["agent"], "sadasd-d5fc-4eb7-88fc-c25169027aee");
  EXPECT_EQ(p["language"], "en");
  ASSERT_TRUE(out.response_body);
  EXPECT_EQ(json::parse(*out.response_body), json::object());
}

TEST(DialogflowCx, NoMatchTurnIsAFallbackWithSentimentAndTheAgentsReply) {
  const auto out = run_fixture("dialogflow-cx", "no_match_sentiment.json");
  ASSERT_EQ(out.interactions.size(), 2u) << describe(out);
  const auto& turn = out.interactions[0];
  EXPECT_EQ(turn.fallback, true);
  EXPECT_EQ(turn.intent, "");
  EXPECT_EQ(turn.sentiment, -0.4);
  EXPECT_EQ(turn.customer_id, "cust-42");
  EXPECT_EQ(turn.session_id, "cx-session-42");
  EXPECT_EQ(props(turn)["page"], "Start Page");
  EXPECT_EQ(out.interactions[1].role, Role::Bot);
  EXPECT_EQ(out.interactions[1].text, "Sorry, I didn't get that. Can you rephrase?");
  EXPECT_EQ(out.interactions[1].id, turn.id + ":reply");
}

TEST(DialogflowCx, LiveAgentHandoffIsEscalated) {
  const auto out = run_fixture("dialogflow-cx", "live_agent_handoff.json");
  ASSERT_EQ(out.interactions.size(), 3u) << describe(out);
  EXPECT_EQ(out.interactions[0].fallback, false);
  EXPECT_EQ(out.interactions[0].intent, "agent.request");
  EXPECT_EQ(out.interactions[0].session_id, "cx-session-43");
  EXPECT_EQ(out.interactions[2].type, EventType::Handoff);
  EXPECT_EQ(out.interactions[2].escalated, true);
}

TEST(DialogflowCx, EventTriggeredTurnIsATrack) {
  const auto out = run_fixture("dialogflow-cx", "event_trigger.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  EXPECT_EQ(out.interactions[0].type, EventType::Track);
  EXPECT_EQ(out.interactions[0].name, "sys.no-input-default");
  EXPECT_EQ(out.interactions[0].fallback, false);
}

TEST(DialogflowCx, SdkSampleRequestsLackWhatAnInteractionNeeds) {
  // Google's own sample tests send only the fields their handler reads.
  const auto tag_only = run_fixture("dialogflow-cx", "sdk_tag_only.json");
  EXPECT_TRUE(tag_only.interactions.empty());
  EXPECT_EQ(fields_of(tag_only.errors), (std::set<std::string>{"detectIntentResponseId", "sessionInfo"}));
  const auto session_only = run_fixture("dialogflow-cx", "sdk_session_only.json");
  EXPECT_EQ(fields_of(session_only.errors), (std::set<std::string>{"detectIntentResponseId"}));
  json with_id = load("dialogflow-cx", "sdk_session_only.json");
  with_id["detectIntentResponseId"] = "x-1";
  EXPECT_EQ(fields_of(run("dialogflow-cx", with_id).errors), std::set<std::string>{"text"});
  const auto wrong = run_fixture("dialogflow-cx", "hostile_wrong_types.json");
  EXPECT_TRUE(wrong.interactions.empty());
  EXPECT_EQ(fields_of(wrong.errors),
            (std::set<std::string>{"detectIntentResponseId", "sessionInfo", "text", "intentInfo.displayName",
                                   "intentInfo.confidence", "fulfillmentInfo"}));
}

// ---------------------------------------------------------------------------------------------- Rasa

TEST(Rasa, TrackerExportGivesUserTurnsAndCountsTheRest) {
  const auto out = run_fixture("rasa", "tracker_moodbot.json");
  ASSERT_EQ(out.interactions.size(), 2u) << describe(out);
  EXPECT_EQ(out.ignored, 5u);  // action_listen x3, utter_greet, utter_happy
  EXPECT_TRUE(out.errors.empty());
  const auto& greet = out.interactions[0];
  EXPECT_EQ(greet.type, EventType::Message);
  EXPECT_EQ(greet.role, Role::User);
  EXPECT_EQ(greet.text, "/greet");
  EXPECT_EQ(greet.intent, "greet");
  EXPECT_EQ(greet.confidence, 0.54);
  EXPECT_EQ(greet.session_id, "mysender");
  EXPECT_EQ(greet.anonymous_id, "mysender");
  EXPECT_EQ(greet.timestamp_ms, 1517821726200);
  EXPECT_EQ(greet.id, "rasa:mysender:user:1517821726200036");
  EXPECT_EQ(out.interactions[1].intent, "mood_great");
  EXPECT_EQ(out.interactions[1].confidence, 0.60);
  EXPECT_EQ(out.interactions[1].timestamp_ms, 1517821726209);
}

TEST(Rasa, BrokerEvents) {
  const auto bot = run_fixture("rasa", "broker_bot_event.json");
  ASSERT_EQ(bot.interactions.size(), 1u) << describe(bot);
  EXPECT_EQ(bot.interactions[0].role, Role::Bot);
  EXPECT_EQ(bot.interactions[0].text, "what your bot said");
  EXPECT_EQ(bot.interactions[0].session_id, "default");
  EXPECT_EQ(bot.interactions[0].timestamp_ms, 1528402837617);

  const auto user = run_fixture("rasa", "broker_user_event.json");
  ASSERT_EQ(user.interactions.size(), 1u) << describe(user);
  const auto& in = user.interactions[0];
  EXPECT_EQ(in.id, "rasa:c0ffee-42:msg:3f4b2c1d8e9a4b7c");  // Rasa's message_id when present
  EXPECT_EQ(in.customer_id, "cust-42");                     // from the channel metadata
  EXPECT_EQ(in.anonymous_id, "c0ffee-42");
  EXPECT_EQ(in.intent, "refund_status");
  EXPECT_EQ(in.confidence, 0.91);
  EXPECT_EQ(props(in)["input_channel"], "rest");
}

TEST(Rasa, DefaultFallbackMarksThePrecedingUserTurn) {
  const auto out = run_fixture("rasa", "fallback_sequence.json");
  ASSERT_EQ(out.interactions.size(), 3u) << describe(out);
  EXPECT_EQ(out.interactions[0].text, "blorp the frobnicator");
  EXPECT_EQ(out.interactions[0].fallback, true);
  EXPECT_EQ(out.interactions[1].role, Role::Bot);
  EXPECT_EQ(out.interactions[1].name, "utter_default");
  EXPECT_FALSE(out.interactions[1].fallback);
  EXPECT_EQ(out.interactions[2].intent, "nlu_fallback");
  EXPECT_EQ(out.interactions[2].fallback, true);
  EXPECT_EQ(out.ignored, 3u);  // the merged fallback action, action_listen, slot
}

TEST(Rasa, FallbackActionAloneIsAMarker) {
  const auto out = run_fixture("rasa", "single_fallback_action.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  EXPECT_EQ(out.interactions[0].type, EventType::Track);
  EXPECT_EQ(out.interactions[0].name, "action_default_fallback");
  EXPECT_EQ(out.interactions[0].fallback, true);
  EXPECT_EQ(out.interactions[0].session_id, "c0ffee-45");
}

TEST(Rasa, HandoffActionIsEscalated) {
  const auto out = run_fixture("rasa", "handoff_sequence.json");
  ASSERT_EQ(out.interactions.size(), 3u) << describe(out);
  EXPECT_EQ(out.interactions[0].intent, "human_handoff");
  EXPECT_EQ(out.interactions[0].escalated, true);
  EXPECT_EQ(out.interactions[1].type, EventType::Handoff);
  EXPECT_EQ(out.interactions[1].name, "action_handoff");
  EXPECT_EQ(out.interactions[1].escalated, true);
  EXPECT_EQ(out.interactions[2].text, "Transferring you to an agent now.");
  EXPECT_EQ(out.ignored, 2u);  // session_started, action_listen
}

TEST(Rasa, SameEventAloneOrInATrackerHasTheSameId) {
  const json tracker = load("rasa", "tracker_moodbot.json");
  json single = tracker["events"][1];
  single["sender_id"] = "mysender";
  const auto alone = run("rasa", single);
  ASSERT_EQ(alone.interactions.size(), 1u);
  EXPECT_EQ(alone.interactions[0].id, run("rasa", tracker).interactions.at(0).id);
}

TEST(Rasa, BadEventsAreRejectedOneByOne) {
  const auto out = run_fixture("rasa", "hostile_mixed.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  EXPECT_EQ(out.interactions[0].text, "fine");
  EXPECT_EQ(out.rejected, 6u);
  EXPECT_EQ(
      fields_of(out.errors),
      (std::set<std::string>{"[1].sender_id", "[2].event", "[3]", "[4].sender_id", "[5].timestamp",
                             "[6].text", "[6].parse_data.intent.name", "[6].parse_data.intent.confidence"}));
  EXPECT_FALSE(run("rasa", json(42)).errors.empty());
  EXPECT_EQ(fields_of(run("rasa", json{{"sender_id", "s"}, {"events", json::object()}}).errors),
            std::set<std::string>{"events"});
}

// ---------------------------------------------------------------------------------------------- Bot
// Framework

TEST(BotFramework, UserMessageActivity) {
  const auto out = run_fixture("botframework", "message_user.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  const auto& in = out.interactions[0];
  EXPECT_EQ(in.id, "botframework:abcd1234:bf3cc9a2f5de...");
  EXPECT_EQ(in.type, EventType::Message);
  EXPECT_EQ(in.role, Role::User);
  EXPECT_EQ(in.text, "Haircut on Saturday");
  EXPECT_EQ(in.customer_id, "1234abcd");
  EXPECT_EQ(in.session_id, "abcd1234");
  EXPECT_EQ(in.timestamp_ms, ms("2016-10-19T20:17:52.289Z"));
  EXPECT_EQ(props(in)["channel"], "channel's name/id");
}

TEST(BotFramework, BotReplyWithoutIdIsKeyedByItsReplyToId) {
  const auto out = run_fixture("botframework", "message_bot_reply.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  const auto& in = out.interactions[0];
  EXPECT_EQ(in.role, Role::Bot);
  EXPECT_EQ(in.customer_id, "1234abcd");  // the recipient of a bot message is the user
  EXPECT_EQ(in.text, "I have several times available on Saturday!");
  EXPECT_THAT(in.id, StartsWith("botframework:abcd1234:reply:bf3cc9a2f5de...:"));
  EXPECT_EQ(in.timestamp_ms, kReceived);
  // A verified Standard Webhooks id is preferred when the activity has no id.
  AdapterContext ctx;
  ctx.webhook_id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
  EXPECT_EQ(run("botframework", load("botframework", "message_bot_reply.json"), ctx).interactions.at(0).id,
            "botframework:abcd1234:wh:msg_2KWPBgLlAfxdpx2AI54pPJ85f4W");
}

TEST(BotFramework, HandoffInitiateEventIsEscalated) {
  const auto out = run_fixture("botframework", "handoff_initiate.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  const auto& in = out.interactions[0];
  EXPECT_EQ(in.type, EventType::Handoff);
  EXPECT_EQ(in.escalated, true);
  EXPECT_EQ(in.name, "handoff.initiate");
  EXPECT_EQ(in.role, Role::Bot);
  EXPECT_EQ(in.customer_id, "pva_H1YHD_be80720b-bdb0-4561-aae2-5f891f2f02e0");  // relatesTo.user
  EXPECT_EQ(in.session_id, "91hcXEd0ZYCBPoRwBDPHZ6-o");
  EXPECT_EQ(in.id, "botframework:91hcXEd0ZYCBPoRwBDPHZ6-o:91hcXEd0ZYCBPoRwBDPHZ6-o|0000005");
  EXPECT_EQ(in.timestamp_ms, ms("2020-02-10T21:51:37.499Z"));
}

TEST(BotFramework, TypingAndConversationUpdateAreIgnored) {
  for (const char* file : {"typing.json", "conversation_update.json"}) {
    const auto out = run_fixture("botframework", file);
    EXPECT_TRUE(out.interactions.empty()) << file;
    EXPECT_TRUE(out.errors.empty()) << file;
    EXPECT_EQ(out.ignored, 1u) << file;
  }
  json status = {{"type", "event"}, {"name", "handoff.status"}, {"conversation", {{"id", "c"}}}};
  EXPECT_EQ(run("botframework", status).ignored, 1u);
}

TEST(BotFramework, BadActivitiesAreRejectedOneByOne) {
  const auto out = run_fixture("botframework", "hostile_wrong_types.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  EXPECT_EQ(out.interactions[0].text, "fine");
  EXPECT_EQ(out.rejected, 6u);
  EXPECT_EQ(fields_of(out.errors), (std::set<std::string>{"[1].conversation", "[2].text", "[3].from.id",
                                                          "[4].id", "[5].type", "[6].timestamp"}));
}

// ---------------------------------------------------------------------------------------------- Intercom

TEST(Intercom, UserCreatedGivesTheOpeningMessage) {
  const auto out = run_fixture("intercom", "conversation_user_created.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  const auto& in = out.interactions[0];
  EXPECT_EQ(in.id, "intercom:4584686769:message:27056613");
  EXPECT_EQ(in.type, EventType::Message);
  EXPECT_EQ(in.role, Role::User);
  EXPECT_EQ(in.text, "visitor initiated message 1");  // HTML stripped
  EXPECT_EQ(in.channel, "helpdesk");
  EXPECT_EQ(in.session_id, "4584686769");
  EXPECT_EQ(in.anonymous_id, "57179c30c776e05d4c0002a8");
  EXPECT_EQ(in.customer_id, "");
  EXPECT_EQ(in.timestamp_ms, 1461165141000);
  EXPECT_EQ(props(in)["topic"], "conversation.user.created");
}

TEST(Intercom, RepliesByUserAndTeammate) {
  const auto user = run_fixture("intercom", "conversation_user_replied.json");
  ASSERT_EQ(user.interactions.size(), 1u) << describe(user);  // the opening message is not repeated
  EXPECT_EQ(user.interactions[0].id, "intercom:4584686769:part:98539790");
  EXPECT_EQ(user.interactions[0].role, Role::User);
  EXPECT_EQ(user.interactions[0].text, "visitor reply 2");
  EXPECT_EQ(user.interactions[0].timestamp_ms, 1461165179000);

  const auto admin = run_fixture("intercom", "conversation_admin_replied.json");
  ASSERT_EQ(admin.interactions.size(), 1u) << describe(admin);
  EXPECT_EQ(admin.interactions[0].role, Role::Agent);
  EXPECT_EQ(admin.interactions[0].text, "manually reassigning in next step");
  EXPECT_EQ(admin.interactions[0].anonymous_id, "57179c30c776e05d4c0002a8");
}

TEST(Intercom, AssignmentIsEscalationAndCloseIsAMarker) {
  const auto assigned = run_fixture("intercom", "conversation_admin_assigned.json");
  ASSERT_EQ(assigned.interactions.size(), 1u) << describe(assigned);
  EXPECT_EQ(assigned.interactions[0].type, EventType::Handoff);
  EXPECT_EQ(assigned.interactions[0].escalated, true);
  EXPECT_EQ(assigned.interactions[0].id, "intercom:4584686769:part:98540026");

  const auto closed = run_fixture("intercom", "conversation_admin_closed.json");
  ASSERT_EQ(closed.interactions.size(), 1u) << describe(closed);
  EXPECT_EQ(closed.interactions[0].type, EventType::Track);
  EXPECT_EQ(closed.interactions[0].name, "conversation.closed");
}

TEST(Intercom, ApiV2ConversationWithBotPartAndContacts) {
  const auto out = run_fixture("intercom", "conversation_operator_replied.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  const auto& in = out.interactions[0];
  EXPECT_EQ(in.role, Role::Bot);
  EXPECT_EQ(in.text, "shetty will reply as soon as they can.");
  EXPECT_EQ(in.anonymous_id, "696205460674dbb9050aa7fd");
  EXPECT_EQ(in.customer_id, "5e68ece4-0ec8-4792-baac-02deba39e7fe");  // the app's own user id
  EXPECT_EQ(props(in)["part_type"], "channel_and_reply_time_expectation");
}

TEST(Intercom, RatingIsFeedback) {
  const auto out = run_fixture("intercom", "conversation_rating_added.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  const auto& in = out.interactions[0];
  EXPECT_EQ(in.type, EventType::Feedback);
  EXPECT_EQ(in.rating, 2);
  EXPECT_EQ(in.text, "Took forever to answer");
  EXPECT_EQ(in.timestamp_ms, 1768032090000);
  EXPECT_EQ(in.id, "intercom:215472621202693:rating:1768032090000");

  const auto bad = run_fixture("intercom", "hostile_rating.json");
  EXPECT_TRUE(bad.interactions.empty());
  EXPECT_EQ(fields_of(bad.errors), std::set<std::string>{"data.item.conversation_rating.rating"});
}

TEST(Intercom, PingAndOtherTopicsAreIgnored) {
  const auto ping = run_fixture("intercom", "ping.json");
  EXPECT_TRUE(ping.interactions.empty());
  EXPECT_TRUE(ping.errors.empty());
  EXPECT_EQ(ping.ignored, 1u);
  const auto contact = run("intercom", {{"type", "notification_event"}, {"topic", "contact.created"}});
  EXPECT_EQ(contact.ignored, 1u);
  EXPECT_TRUE(contact.errors.empty());
}

TEST(Intercom, BadPartsAreRejectedOneByOne) {
  const auto out = run_fixture("intercom", "hostile_parts.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  EXPECT_EQ(out.interactions[0].text, "ok");
  EXPECT_EQ(out.ignored, 1u);  // the note
  EXPECT_EQ(out.rejected, 4u);
  const std::string parts = "data.item.conversation_parts.conversation_parts";
  EXPECT_EQ(fields_of(out.errors), (std::set<std::string>{parts + "[0].body", parts + "[1]",
                                                          parts + "[2].created_at", parts + "[3].id"}));
  EXPECT_EQ(fields_of(run_fixture("intercom", "hostile_wrong_types.json").errors),
            std::set<std::string>{"data.item.id"});
  EXPECT_EQ(fields_of(run("intercom", {{"type", "notification_event"}}).errors),
            std::set<std::string>{"topic"});
}

TEST(HtmlToText, TagsEntitiesAndWhitespace) {
  using adapters::html_to_text;
  EXPECT_EQ(html_to_text("<p>Hello</p><p>World</p>"), "Hello\nWorld");
  EXPECT_EQ(html_to_text("a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#39; f&nbsp;g"),
            "a & b <c> \"d\" 'e' f g");
  EXPECT_EQ(html_to_text("line<br>break<br/>again"), "line\nbreak\nagain");
  EXPECT_EQ(html_to_text("<script>alert(1)</script>hi<style>p{}</style>!"), "hi!");
  EXPECT_EQ(html_to_text("<SCRIPT>x</Script>ok"), "ok");
  EXPECT_EQ(html_to_text("1 < 2 and 3 > 2"), "1 < 2 and 3 > 2");
  EXPECT_EQ(html_to_text("<b>bold</b>   and  <i>it</i>"), "bold and it");
  EXPECT_EQ(html_to_text("unterminated <a href="), "unterminated <a href=");
  EXPECT_EQ(html_to_text("<!-- note -->x"), "x");
  EXPECT_EQ(html_to_text("&#x1F600; &#233;"), "\xF0\x9F\x98\x80 \xC3\xA9");
  EXPECT_EQ(html_to_text("&#0; &#xD800; &bogus; &"), "&#0; &#xD800; &bogus; &");
  EXPECT_EQ(html_to_text(""), "");
  EXPECT_EQ(html_to_text("<script>never closed"), "");
}

TEST(HtmlToText, HostileInputStaysLinearAndBounded) {
  using adapters::html_to_text;
  EXPECT_EQ(html_to_text(std::string(1 << 20, '&')).size(), 16384u);
  std::string scripts, opens;
  for (int i = 0; i < 50000; ++i) scripts += "<script>x</SCRIPT>";
  for (int i = 0; i < 300000; ++i) opens += "<p";
  EXPECT_EQ(html_to_text(scripts), "");
  EXPECT_EQ(html_to_text(opens).size(), 16384u);
}

// ---------------------------------------------------------------------------------------------- Zendesk

TEST(Zendesk, EventWebhookTicketCreated) {
  const auto out = run_fixture("zendesk", "event_ticket_created.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  const auto& in = out.interactions[0];
  EXPECT_EQ(in.id, "zendesk:5158:created");
  EXPECT_EQ(in.type, EventType::Message);
  EXPECT_EQ(in.role, Role::User);
  EXPECT_EQ(in.text, "My order #A-1001 arrived damaged. Can I get a replacement?");
  EXPECT_EQ(in.customer_id, "8447388090494");
  EXPECT_EQ(in.session_id, "5158");
  EXPECT_EQ(in.channel, "helpdesk");
  EXPECT_EQ(in.timestamp_ms, ms("2025-01-08T10:12:07.672Z"));
  EXPECT_EQ(props(in)["via"], "web_service");
}

TEST(Zendesk, EventWebhookComments) {
  const auto agent = run_fixture("zendesk", "event_comment_added_agent.json");
  ASSERT_EQ(agent.interactions.size(), 1u) << describe(agent);
  EXPECT_EQ(agent.interactions[0].role, Role::Agent);
  EXPECT_EQ(agent.interactions[0].id, "zendesk:5158:comment:10023");
  EXPECT_EQ(agent.interactions[0].customer_id, "8447388090494");
  const auto user = run_fixture("zendesk", "event_comment_added_requester.json");
  ASSERT_EQ(user.interactions.size(), 1u) << describe(user);
  EXPECT_EQ(user.interactions[0].role, Role::User);
  EXPECT_EQ(user.interactions[0].text, "Thanks, that was quick!");
  const auto note = run_fixture("zendesk", "event_comment_added_private.json");
  EXPECT_TRUE(note.interactions.empty());
  EXPECT_EQ(note.ignored, 1u);
  EXPECT_TRUE(note.errors.empty());
}

TEST(Zendesk, SolvedIsAMarkerAndOtherEventsAreIgnored) {
  const auto solved = run_fixture("zendesk", "event_status_solved.json");
  ASSERT_EQ(solved.interactions.size(), 1u) << describe(solved);
  EXPECT_EQ(solved.interactions[0].type, EventType::Track);
  EXPECT_EQ(solved.interactions[0].name, "ticket.solved");
  EXPECT_EQ(solved.interactions[0].id, "zendesk:5158:solved:7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e04");
  for (const char* file : {"event_priority_changed.json", "event_user_active_changed.json"}) {
    const auto out = run_fixture("zendesk", file);
    EXPECT_TRUE(out.interactions.empty()) << file;
    EXPECT_TRUE(out.errors.empty()) << file;
    EXPECT_EQ(out.ignored, 1u) << file;
  }
}

TEST(Zendesk, EventWithoutRequesterIsRefusedNamingIt) {
  const auto out = run_fixture("zendesk", "event_ticket_created_prismatic.json");
  EXPECT_TRUE(out.interactions.empty());
  EXPECT_EQ(out.rejected, 1u);
  EXPECT_EQ(fields_of(out.errors), std::set<std::string>{"detail.requester_id"});
}

TEST(Zendesk, TriggerWebhooks) {
  const auto created = run_fixture("zendesk", "trigger_ticket_created.json");
  ASSERT_EQ(created.interactions.size(), 1u) << describe(created);
  EXPECT_EQ(created.interactions[0].id, "zendesk:35436:comment:1274");
  EXPECT_EQ(created.interactions[0].role, Role::User);
  EXPECT_EQ(created.interactions[0].text, "The fire is very colorful.");
  EXPECT_EQ(created.interactions[0].customer_id, "20978392");
  EXPECT_EQ(created.interactions[0].timestamp_ms, ms("2019-05-20T22:55:29Z"));

  const auto solved = run_fixture("zendesk", "trigger_solved_rated_good.json");
  ASSERT_EQ(solved.interactions.size(), 3u) << describe(solved);
  EXPECT_EQ(solved.interactions[0].role, Role::Agent);
  EXPECT_EQ(solved.interactions[0].customer_id, "cust-42");  // the requester's external id
  EXPECT_EQ(solved.interactions[0].anonymous_id, "20978392");
  EXPECT_EQ(solved.interactions[1].type, EventType::Feedback);
  EXPECT_EQ(solved.interactions[1].rating, 5);
  EXPECT_EQ(solved.interactions[1].text, "Great support!");
  EXPECT_EQ(solved.interactions[2].type, EventType::Track);
  EXPECT_EQ(solved.interactions[2].name, "ticket.solved");

  const auto bad = run_fixture("zendesk", "trigger_rated_bad.json");
  ASSERT_EQ(bad.interactions.size(), 1u) << describe(bad);
  EXPECT_EQ(bad.interactions[0].rating, 1);
  EXPECT_EQ(bad.interactions[0].text, "Nobody read my message.");
  EXPECT_EQ(bad.interactions[0].customer_id, "20978392");
}

TEST(Zendesk, UnknownShapesAndWrongTypesAreNamed) {
  EXPECT_EQ(fields_of(run_fixture("zendesk", "hostile_neither.json").errors),
            std::set<std::string>{"ticket"});
  EXPECT_EQ(fields_of(run_fixture("zendesk", "hostile_event_missing_detail.json").errors),
            std::set<std::string>{"detail"});
  const auto wrong = run_fixture("zendesk", "hostile_wrong_types.json");
  EXPECT_TRUE(wrong.interactions.empty());
  EXPECT_EQ(fields_of(wrong.errors),
            (std::set<std::string>{"event", "ticket.id", "ticket.requester", "ticket.updated_at"}));
}

// ---------------------------------------------------------------------------------------------- generic

TEST(Generic, BotpressEventMappedByConfig) {
  const auto out = run_fixture("generic", "botpress_incoming.json");
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  const auto& in = out.interactions[0];
  EXPECT_EQ(in.id, "163845991402617360");
  EXPECT_EQ(in.type, EventType::Message);
  EXPECT_EQ(in.role, Role::User);
  EXPECT_EQ(in.text, "where is my refund?");
  EXPECT_EQ(in.intent, "refund_status");
  EXPECT_EQ(in.confidence, 0.41);
  EXPECT_EQ(in.fallback, false);
  EXPECT_EQ(in.escalated, false);
  EXPECT_EQ(in.customer_id, "cust-42");
  EXPECT_EQ(in.anonymous_id, "a3f1c2d4-0b7e-4c55-9d2e-6f1a8b9c0d11");
  EXPECT_EQ(in.session_id, "8124");
  EXPECT_EQ(in.timestamp_ms, ms("2026-11-23T09:15:00Z"));
  EXPECT_EQ(in.channel, "chatbot");
  EXPECT_EQ(in.name, "text");
}

TEST(Generic, EventsArrayValuesDefaultsAndIgnore) {
  const auto out = run_fixture("generic", "botpress_batch.json");
  ASSERT_EQ(out.interactions.size(), 3u) << describe(out);
  EXPECT_EQ(out.ignored, 1u);                     // the typing event
  EXPECT_EQ(out.interactions[0].fallback, true);  // NLU intent "none"
  EXPECT_EQ(out.interactions[0].text, "asdfgh");
  EXPECT_EQ(out.interactions[0].timestamp_ms, 1795425310000);
  EXPECT_EQ(out.interactions[1].role, Role::Bot);
  EXPECT_EQ(out.interactions[1].fallback, false);  // "default" when the path is missing
  EXPECT_EQ(out.interactions[2].type, EventType::Handoff);
  EXPECT_EQ(out.interactions[2].escalated, true);
}

TEST(Generic, ErrorsNameTheConfiguredPaths) {
  const auto out = run_fixture("generic", "hostile_wrong_types.json");
  EXPECT_TRUE(out.interactions.empty());
  EXPECT_EQ(out.rejected, 3u);
  const auto fields = fields_of(out.errors);
  EXPECT_EQ(fields, (std::set<std::string>{"/events[0]/id", "/events[0]/direction",
                                           "/events[0].nlu.intent.confidence", "/events[1]/id",
                                           "/events[1]/state/user/customerId", "/events[2]"}));
  // Without an id the verified webhook-id is the key.
  AdapterContext ctx;
  ctx.webhook_id = "msg_abc";
  json event = load("generic", "botpress_incoming.json");
  event.erase("id");
  EXPECT_EQ(run("generic", event, ctx).interactions.at(0).id, "msg_abc");
}

// The fields and path forms docs/adapters.md lists that the Botpress mapping above does not use: array
// indexes and the ~0 / ~1 escapes of JSON Pointer, sentiment, rating, properties and traits.
TEST(Generic, PointersIndexArraysAndEscapesAndEveryFieldKindIsMapped) {
  std::vector<Diagnostic> problems;
  const json config = json::parse(R"({
    "map": {
      "id": "/messages/1/id",
      "customer_id": "/user~1account/id",
      "text": "/messages/1/body",
      "sentiment": "/scores/tone~0x",
      "rating": "/csat",
      "properties": "/meta",
      "traits": "/user~1account/profile"
    },
    "defaults": {"type": "feedback"}
  })");
  const auto adapter = make_adapter("generic", config, problems);
  ASSERT_TRUE(adapter) << (problems.empty() ? "" : problems[0].message);
  const json payload = json::parse(R"({
    "messages": [{"id": "m0", "body": "first"}, {"id": "m1", "body": "second"}],
    "user/account": {"id": "cust-9", "profile": {"plan": "pro"}},
    "scores": {"tone~x": -0.25},
    "csat": 4,
    "meta": {"page": "checkout"}
  })");
  AdapterContext ctx;
  ctx.received_ms = kReceived;
  ctx.source = "generic";
  const auto out = adapter->translate(payload, ctx);
  ASSERT_EQ(out.interactions.size(), 1u) << describe(out);
  const Interaction& in = out.interactions[0];
  EXPECT_EQ(in.id, "m1");
  EXPECT_EQ(in.customer_id, "cust-9");
  EXPECT_EQ(in.text, "second");
  EXPECT_EQ(in.sentiment, -0.25);
  EXPECT_EQ(in.rating, 4);
  EXPECT_EQ(props(in), json({{"page", "checkout"}}));
  EXPECT_EQ(json::parse(in.traits_json), json({{"plan", "pro"}}));

  // Out of range or of the wrong kind: each named by its path, the event rejected.
  json bad = payload;
  bad["messages"] = json::array({{{"id", "only"}}});
  bad["scores"]["tone~x"] = 3;
  bad["csat"] = 9;
  bad["meta"] = "not an object";
  const auto refused = adapter->translate(bad, ctx);
  EXPECT_TRUE(refused.interactions.empty());
  EXPECT_EQ(fields_of(refused.errors),
            (std::set<std::string>{"/messages/1/id", "/scores/tone~0x", "/csat", "/meta"}))
      << describe(refused);
}

TEST(Generic, ConfigProblemsAreCollected) {
  std::vector<Diagnostic> problems;
  const json bad = json::parse(R"({
    "events": "a..b",
    "bogus": 1,
    "ignore": {"path": "/type"},
    "map": {
      "custmer_id": "/user/id",
      "text": "/msg/~2",
      "role": {"path": "/from", "values": {"customer": "client"}},
      "fallback": {"path": "/nlu/fallback", "values": []},
      "id": 5
    },
    "defaults": {"type": "bogus", "rating": 9, "nope": 1}
  })");
  EXPECT_FALSE(make_adapter("generic", bad, problems));
  std::set<std::string> where;
  for (const auto& p : problems) where.insert(p.pointer);
  EXPECT_EQ(where, (std::set<std::string>{"/events", "/bogus", "/ignore", "/map/custmer_id", "/map/text",
                                          "/map/role/values/customer", "/map/fallback/values", "/map/id",
                                          "/defaults/type", "/defaults/rating", "/defaults/nope"}));
  problems.clear();
  EXPECT_FALSE(make_adapter("generic", json{{"map", json::object()}}, problems));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].pointer, "/map");
  problems.clear();
  EXPECT_TRUE(make_adapter("generic", generic_config(), problems));
  EXPECT_TRUE(problems.empty());
}

// ---------------------------------------------------------------------------------------------- all adapters

struct Fixture {
  std::string adapter;
  std::string file;
  json payload;
};

std::vector<Fixture> all_fixtures() {
  std::vector<Fixture> out;
  for (const auto& name : adapter_names()) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(adapter_fixtures() / name))
      if (entry.path().extension() == ".json" && entry.path().filename() != "botpress_config.json")
        files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files)
      out.push_back({name, f.filename().string(), load(name, f.filename().string())});
  }
  return out;
}

// What every output must satisfy, whatever went in.
void check_invariants(const AdapterOutput& out, const std::string& what) {
  for (const auto& in : out.interactions) {
    EXPECT_FALSE(in.id.empty()) << what;
    EXPECT_LE(in.id.size(), 512u) << what;
    EXPECT_FALSE(in.customer_id.empty() && in.anonymous_id.empty()) << what;
    EXPECT_LE(in.text.size(), 16384u) << what;
    EXPECT_LE(in.customer_id.size(), 512u) << what;
    EXPECT_LE(in.session_id.size(), 16384u) << what;
    EXPECT_TRUE(!in.confidence || (*in.confidence >= 0 && *in.confidence <= 1)) << what;
    EXPECT_TRUE(!in.sentiment || (*in.sentiment >= -1 && *in.sentiment <= 1)) << what;
    EXPECT_TRUE(!in.rating || (*in.rating >= 1 && *in.rating <= 5)) << what;
    EXPECT_TRUE(in.properties_json.empty() || json::accept(in.properties_json)) << what;
  }
  // Never silently dropped: every payload gives interactions, ignored events or errors.
  EXPECT_TRUE(!out.interactions.empty() || out.ignored > 0 || !out.errors.empty()) << what;
  EXPECT_TRUE(out.rejected == 0 || !out.errors.empty()) << what;
  for (const auto& e : out.errors) EXPECT_FALSE(e.error.empty()) << what;
}

TEST(AllAdapters, IdsAreStableAcrossTranslationsAndDistinctAcrossEvents) {
  std::map<std::string, std::map<std::string, std::string>> seen;  // adapter -> id -> fixture
  size_t with_interactions = 0;
  for (const auto& f : all_fixtures()) {
    const auto a = run(f.adapter, f.payload);
    const auto b = run(f.adapter, f.payload);
    ASSERT_EQ(a.interactions.size(), b.interactions.size()) << f.file;
    check_invariants(a, f.adapter + "/" + f.file);
    if (!a.interactions.empty()) ++with_interactions;
    for (size_t i = 0; i < a.interactions.size(); ++i) {
      EXPECT_EQ(a.interactions[i].id, b.interactions[i].id) << f.file;
      const auto [it, fresh] = seen[f.adapter].emplace(a.interactions[i].id, f.file);
      EXPECT_TRUE(fresh) << "id " << a.interactions[i].id << " of " << f.file << " also in " << it->second;
    }
  }
  EXPECT_GE(with_interactions, 35u);
}

TEST(AllAdapters, NonObjectRootsGiveErrorsNotExceptions) {
  for (const auto& name : adapter_names()) {
    for (const json& root :
         {json(), json(1), json("text"), json(true), json::array(), json::array({1, 2}), json::object()}) {
      AdapterOutput out;
      EXPECT_NO_THROW(out = run(name, root)) << name << " " << root.dump();
      check_invariants(out, name + " " + root.dump());
    }
  }
}

// Randomly replaces values, removes keys and inserts huge strings anywhere in every fixture: no adapter may
// throw, and every output keeps the invariants.
TEST(AllAdapters, RandomisedTypeMutationsNeverThrow) {
  // Deterministic by default; TP_ADAPTER_FUZZ_SEED / TP_ADAPTER_FUZZ_ROUNDS explore further when set.
  const char* seed_env = std::getenv("TP_ADAPTER_FUZZ_SEED");
  const char* rounds_env = std::getenv("TP_ADAPTER_FUZZ_ROUNDS");
  std::mt19937 rng(seed_env ? static_cast<unsigned>(std::strtoul(seed_env, nullptr, 10)) : 20261123u);
  const int rounds = rounds_env ? std::max(1, std::atoi(rounds_env)) : 150;
  const std::vector<json> replacements = {json(),
                                          json(true),
                                          json(false),
                                          json(0),
                                          json(-1),
                                          json(3.5),
                                          json(1e300),
                                          json(-1e-300),
                                          json(""),
                                          json("x"),
                                          json::array(),
                                          json::object(),
                                          json::array({1, "a", json::object()}),
                                          json{{"a", 1}},
                                          json(std::numeric_limits<int64_t>::max()),
                                          json(std::numeric_limits<uint64_t>::max()),
                                          json(std::numeric_limits<int64_t>::min()),
                                          json(std::string(20000, 'z')),
                                          json("2026-11-23T09:15:00Z"),
                                          json("<p>&amp;</p>"),
                                          json(std::string(600, 'i'))};
  size_t runs = 0;
  for (const auto& f : all_fixtures()) {
    for (int round = 0; round < rounds; ++round) {
      json doc = f.payload;
      const int mutations = 1 + static_cast<int>(rng() % 3);
      for (int m = 0; m < mutations; ++m) {
        std::vector<json*> nodes;
        std::function<void(json&)> collect = [&](json& j) {
          nodes.push_back(&j);
          if (j.is_structured())
            for (auto& child : j) collect(child);
        };
        collect(doc);
        json* target = nodes[rng() % nodes.size()];
        if (target->is_object() && !target->empty() && rng() % 3 == 0) {
          auto it = target->begin();
          std::advance(it, static_cast<long>(rng() % target->size()));
          target->erase(it.key());
        } else {
          *target = replacements[rng() % replacements.size()];
        }
      }
      AdapterOutput out;
      EXPECT_NO_THROW(out = run(f.adapter, doc))
          << f.adapter << "/" << f.file << ": " << doc.dump().substr(0, 300);
      check_invariants(out, f.adapter + "/" + f.file + " mutated");
      ++runs;
    }
  }
  EXPECT_GE(runs, all_fixtures().size() * static_cast<size_t>(rounds));
}

TEST(AllAdapters, DeepButParsedPayloadsDoNotMatter) {
  // The route refuses nesting deeper than 64 before parsing; adapters never recurse over the payload anyway.
  json deep = json::object();
  json* cur = &deep;
  for (int i = 0; i < 60; ++i) cur = &((*cur)["d"] = json::object());
  for (const auto& f : all_fixtures()) {
    json doc = f.payload;
    if (doc.is_object()) doc["deep"] = deep;
    EXPECT_NO_THROW(run(f.adapter, doc)) << f.file;
  }
}

}  // namespace
}  // namespace tp
