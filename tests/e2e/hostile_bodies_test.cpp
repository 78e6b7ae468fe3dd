// Hostile and broken bodies against the real daemon: well-formed requests mutated byte by byte (brackets,
// quotes, escapes, control and non-ASCII bytes, numbers past a double, lone surrogates) on every ingest
// route. Each must be answered 202 or 400, never 5xx, never a dropped connection, and the daemon must still
// serve at the end. (A number beyond a double once ended the process; so did a deeply nested body once
// pseudonyms were on.) The canonical and Segment routes are tried with the privacy options off and on.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "daemon_process.h"
#include "daemon_test.h"
#include "http_helpers.h"

namespace tp::e2e {
namespace {

using json = nlohmann::json;

class HostileBodies : public DaemonTest {};

// Edits a well-formed body 1-5 times: a piece inserted, bytes erased, or a byte replaced by a piece.
std::string mutate(std::string body, std::mt19937& rng) {
  static const std::vector<std::string> pieces = {"{",
                                                  "}",
                                                  "[",
                                                  "]",
                                                  "\"",
                                                  ":",
                                                  ",",
                                                  "\\",
                                                  " ",
                                                  "0",
                                                  "9",
                                                  "-",
                                                  "+",
                                                  ".",
                                                  "e",
                                                  "E",
                                                  "t",
                                                  "n",
                                                  "\x01",
                                                  "\x7f",
                                                  "\xC3\xA9",
                                                  "\xC3",
                                                  "\xED\xA0\x80",
                                                  "\xF4\x90\x80\x80",
                                                  "1e400",
                                                  "-1e999",
                                                  "99999999999999999999999",
                                                  "null",
                                                  "true",
                                                  "\"x\"",
                                                  "{}",
                                                  "[]",
                                                  "\\u0000",
                                                  "\\ud800",
                                                  "\\uZZZZ",
                                                  std::string(100, '['),
                                                  std::string(100000, '{')};
  for (int edits = 1 + static_cast<int>(rng() % 5); edits > 0; --edits) {
    const size_t at = rng() % (body.size() + 1);
    switch (rng() % 3) {
      case 0:
        body.insert(at, pieces[rng() % pieces.size()]);
        break;
      case 1:
        if (at < body.size()) body.erase(at, 1 + rng() % 3);
        break;
      default:
        if (at < body.size()) body.replace(at, 1, pieces[rng() % pieces.size()]);
        break;
    }
  }
  return body;
}

// Runs the mutation test on the daemon as started; with the privacy options on, the same requests also go
// through pseudonyms, identity traits and the dead letters' id scan.
class HostileBodiesWithPrivacy : public HostileBodies, public ::testing::WithParamInterface<bool> {};

TEST_P(HostileBodiesWithPrivacy, MutatedRequestsAreAnswered202Or400AndTheDaemonKeepsServing) {
  if (GetParam()) {
    start({{"privacy", {{"pseudonym_key", "hostile-pseudonym-key-0123456789"}}},
           {"identity", {{"link_traits", {"chatbot_user_id"}}, {"hashed_traits", {"email"}}}}});
  } else {
    start();
  }
  const std::vector<std::pair<std::string, std::string>> bases = {
      {"/v1/events", json{{"id", "e1"},
                          {"type", "message"},
                          {"customer_id", "c"},
                          {"session_id", "s"},
                          {"channel", "chatbot"},
                          {"role", "user"},
                          {"text", "hi 1e5 @x"},
                          {"intent", "a"},
                          {"confidence", 0.5},
                          {"fallback", true},
                          {"rating", 3},
                          {"properties", {{"a", json::array({1, 2, {{"b", nullptr}}})}}},
                          {"tags", {{"persona", "p"}}},
                          {"timestamp", "2026-11-23T10:00:00Z"},
                          {"sentiment", -0.5}}
                         .dump()},
      {"/v1/batch",
       json{{"batch",
             json::array({{{"type", "track"},
                           {"messageId", "m1"},
                           {"userId", "u"},
                           {"anonymousId", "a"},
                           {"event", "E"},
                           {"properties", {{"url", "http://u"}, {"x", 1}}},
                           {"context", {{"page", {{"url", "http://p"}}}, {"sessionId", "s"}}},
                           {"originalTimestamp", "2026-11-23T10:00:00Z"},
                           {"sentAt", "2026-11-23T10:00:01Z"}},
                          {{"type", "alias"}, {"previousId", "a"}, {"userId", "u"}, {"messageId", "m2"}},
                          {{"type", "identify"},
                           {"userId", "u"},
                           {"traits", {{"email", "x@y.z"}}},
                           {"messageId", "m3"}}})}}
           .dump()},
      {"/v1/track",
       json{{"messageId", "m9"}, {"userId", "u"}, {"event", "E"}, {"properties", {{"n", 1}}}}.dump()},
      {"/v1/identify",
       json{{"messageId", "i9"},
            {"userId", "u"},
            {"anonymousId", "a"},
            {"traits", {{"chatbot_user_id", "b-1"}, {"email", " X@Example.com "}, {"n", {1, 2}}}}}
           .dump()},
  };
  std::mt19937 rng(20261206);
  auto c = client(port());
  int accepted = 0, refused = 0;
  for (int i = 0; i < 600; ++i) {
    const auto& [path, base] = bases[rng() % bases.size()];
    const std::string body = mutate(base, rng);
    auto r = c.Post(path, body, "application/json");
    ASSERT_TRUE(r) << "no answer on " << path << " to: " << body;
    ASSERT_TRUE(r->status == 202 || r->status == 400) << r->status << " on " << path << " to: " << body;
    (r->status == 202 ? accepted : refused) += 1;
  }
  // Valid JSON nested far beyond the limit, on every route: refused, and its dead letter kept as text.
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  for (const auto& [path, _] : bases) {
    auto r = c.Post(path, deep, "application/json");
    ASSERT_TRUE(r) << "no answer on " << path << " to a deeply nested body";
    EXPECT_EQ(r->status, 400) << path;
  }
  // Both sides were exercised: some mutations leave valid requests, most do not.
  EXPECT_GT(accepted, 20);
  EXPECT_GT(refused, 300);
  EXPECT_EQ(c.Get("/healthz")->status, 200);
  EXPECT_EQ(c.Get("/readyz")->status, 200);
}

// The same for every webhook adapter, from its documented payloads: answered below 500 (the adapters answer
// 2xx for what they store or ignore and 400 for what they cannot read), and the daemon keeps serving.
INSTANTIATE_TEST_SUITE_P(PrivacyOffAndOn, HostileBodiesWithPrivacy, ::testing::Bool());

TEST_F(HostileBodies, MutatedWebhookPayloadsAreAnsweredAndTheDaemonKeepsServing) {
  const std::vector<std::pair<std::string, std::string>> bases = {
      {"dialogflow-es", "dialogflow-es/google_assistant.json"},
      {"dialogflow-es", "dialogflow-es/twitter_fallback.json"},
      {"dialogflow-cx", "dialogflow-cx/text_turn.json"},
      {"dialogflow-cx", "dialogflow-cx/live_agent_handoff.json"},
      {"rasa", "rasa/broker_user_event.json"},
      {"rasa", "rasa/tracker_moodbot.json"},
      {"botframework", "botframework/message_user.json"},
      {"intercom", "intercom/conversation_user_replied.json"},
      {"intercom", "intercom/conversation_rating_added.json"},
      {"zendesk", "zendesk/event_comment_added_requester.json"},
      {"zendesk", "zendesk/trigger_rated_bad.json"},
      {"generic", "generic/botpress_batch.json"},
  };
  json sources = json::object();
  for (const auto& [adapter, _] : bases) {
    sources[adapter] = {{"kind", "webhook"}, {"adapter", adapter}, {"verification", "none"}};
    if (adapter == "generic")
      sources[adapter]["config"] = json::parse(fixture("generic/botpress_config.json"));
  }
  start({{"sources", sources}});
  std::mt19937 rng(20261207);
  auto c = client(port());
  int stored_or_ignored = 0, refused = 0;
  for (int i = 0; i < 720; ++i) {
    const auto& [adapter, file] = bases[rng() % bases.size()];
    const std::string body = mutate(fixture(file), rng);
    auto r = c.Post("/v1/webhooks/" + adapter, body, "application/json");
    ASSERT_TRUE(r) << "no answer from " << adapter << " to: " << body;
    ASSERT_LT(r->status, 500) << adapter << " answered " << r->status << " to: " << body;
    (r->status < 300 ? stored_or_ignored : refused) += 1;
  }
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');  // valid JSON, far too deep
  for (const auto& [adapter, _] : bases) {
    auto r = c.Post("/v1/webhooks/" + adapter, deep, "application/json");
    ASSERT_TRUE(r) << "no answer from " << adapter << " to a deeply nested body";
    EXPECT_EQ(r->status, 400) << adapter;
  }
  EXPECT_GT(stored_or_ignored, 20);
  EXPECT_GT(refused, 200);
  EXPECT_EQ(c.Get("/healthz")->status, 200);
  EXPECT_EQ(c.Get("/readyz")->status, 200);
}

}  // namespace
}  // namespace tp::e2e
