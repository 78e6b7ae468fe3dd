// The Zendesk Messaging, LiveChat and watsonx Assistant adapters through the real daemon: each platform's
// payload posted to POST /v1/webhooks/<source> as the platform sends it, the canonical rows read back,
// receipts and typing acknowledged as ignored, and a payload lacking the platform's field refused with 400.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "daemon_process.h"
#include "http_helpers.h"

namespace tp::e2e {
namespace {

using json = nlohmann::json;

class MessagingPlatformWebhooks : public ::testing::Test {
 protected:
  void SetUp() override {
    json sources = json::object();
    for (const char* name : {"zendesk-messaging", "livechat", "watson-assistant"})
      sources[name] = {{"kind", "webhook"}, {"adapter", name}, {"verification", "none"}};
    daemon_ = std::make_unique<DaemonProcess>(dir_.path(), test_config(dir_.path(), {{"sources", sources}}));
  }

  // Posts a fixture to its source's webhook; returns the status and the answer.
  std::pair<int, json> post(const std::string& source, const std::string& file) {
    auto r = client(daemon_->port())
                 .Post("/v1/webhooks/" + source, fixture(source + "/" + file), "application/json");
    if (!r) return {0, json()};
    return {r->status, json::parse(r->body, nullptr, false)};
  }

  // The stored rows of a source, by id.
  std::map<std::string, json> rows(const std::string& source) {
    std::map<std::string, json> out;
    const json all =
        json_of(client(daemon_->port()).Get("/v1/interactions?limit=1000&source=" + source))["interactions"];
    for (const auto& row : all) out[row.value("id", "")] = row;
    return out;
  }

  TempDir dir_;
  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(MessagingPlatformWebhooks, ZendeskMessagingEventsOfSeveralConversationsAndAHandoff) {
  auto [status, body] = post("zendesk-messaging", "batch_two_conversations.json");
  EXPECT_EQ(status, 202) << body.dump();
  EXPECT_EQ(body["accepted"], 3) << body.dump();
  EXPECT_EQ(body["ignored"], 3) << body.dump();  // typing, read, delivery
  std::tie(status, body) = post("zendesk-messaging", "pass_control_to_agent_workspace.json");
  EXPECT_LT(status, 300) << body.dump();

  const auto stored = rows("zendesk-messaging");
  ASSERT_EQ(stored.size(), 4u);
  const json& user = stored.at("zendesk-messaging:63f4d9b1e2a1b4001f8a1c01");
  EXPECT_EQ(user.value("role", json()), "user");
  EXPECT_EQ(user.value("customer_id", json()), "cust-42");
  EXPECT_EQ(user.value("channel", json()), "helpdesk");
  EXPECT_EQ(stored.at("zendesk-messaging:63f4d9b3e2a1b4001f8a1c09").value("role", json()), "bot");
  EXPECT_EQ(stored.count("zendesk-messaging:63f4d9b6e2a1b4001f8a1c22"), 0u);  // keyed by event, not message
  EXPECT_EQ(stored.at("zendesk-messaging:63f4d9b6e2a1b4001f8a1c21").value("role", json()), "agent");
  const json& handoff = stored.at("zendesk-messaging:63f4da10e2a1b4001f8a1d01");
  EXPECT_EQ(handoff.value("type", json()), "handoff");
  EXPECT_EQ(handoff.value("escalated", json()), true);

  // Redelivered: the same event ids, nothing stored twice.
  post("zendesk-messaging", "batch_two_conversations.json");
  EXPECT_EQ(rows("zendesk-messaging").size(), 4u);
}

TEST_F(MessagingPlatformWebhooks, LiveChatMessagesTransferRatingAndReceipts) {
  for (const char* file : {"incoming_event_customer.json", "incoming_event_agent.json",
                           "chat_transferred.json", "thread_properties_rating_bad.json"}) {
    auto [status, body] = post("livechat", file);
    EXPECT_EQ(status, 202) << file << ": " << body.dump();
    EXPECT_EQ(body["accepted"], 1) << file << ": " << body.dump();
  }
  auto [seen_status, seen] = post("livechat", "events_marked_as_seen.json");
  EXPECT_LT(seen_status, 300);
  EXPECT_EQ(seen["ignored"], 1) << seen.dump();
  auto [note_status, note] = post("livechat", "incoming_event_internal_note.json");
  EXPECT_LT(note_status, 300);
  EXPECT_EQ(note["ignored"], 1) << note.dump();

  const auto stored = rows("livechat");
  ASSERT_EQ(stored.size(), 4u);
  const json& customer = stored.at("livechat:PJ0MRSHTDG:K600PKZON8:K600PKZON8_5");
  EXPECT_EQ(customer.value("role", json()), "user");
  EXPECT_EQ(customer.value("text", json()), "Hi, my order has not arrived yet. Can I get a refund?");
  EXPECT_EQ(stored.at("livechat:PJ0MRSHTDG:K600PKZON8:K600PKZON8_6").value("role", json()), "agent");
  bool handoff = false, rating = false;
  for (const auto& [id, row] : stored) {
    if (row.value("type", "") == "handoff") handoff = row.value("escalated", false);
    if (row.value("type", "") == "feedback") rating = row.value("rating", 0) == 1;
    EXPECT_EQ(row.value("session_id", ""), "PJ0MRSHTDG") << id;
  }
  EXPECT_TRUE(handoff);
  EXPECT_TRUE(rating);  // thumbs down
}

TEST_F(MessagingPlatformWebhooks, WatsonLogWebhookTurnReplyAndHandoff) {
  auto [status, body] = post("watson-assistant", "message_logged_connect_to_agent.json");
  EXPECT_EQ(status, 202) << body.dump();
  EXPECT_EQ(body["accepted"], 3) << body.dump();
  std::tie(status, body) = post("watson-assistant", "message_logged_no_intent.json");
  EXPECT_EQ(body["accepted"], 2) << body.dump();
  std::tie(status, body) = post("watson-assistant", "cdr_logged.json");
  EXPECT_LT(status, 300);
  EXPECT_EQ(body["ignored"], 1) << body.dump();

  const auto stored = rows("watson-assistant");
  ASSERT_EQ(stored.size(), 5u);
  const json& turn = stored.at("watson-assistant:e0f1a2b3-c4d5-4e6f-8a7b-9c0d1e2f3a04");
  EXPECT_EQ(turn.value("intent", json()), "Connect_to_Agent");
  EXPECT_EQ(turn.value("channel", json()), "chatbot");
  EXPECT_EQ(
      stored.at("watson-assistant:e0f1a2b3-c4d5-4e6f-8a7b-9c0d1e2f3a04:handoff").value("escalated", json()),
      true);
  EXPECT_EQ(stored.at("watson-assistant:5c2d8a91-0b3e-4f7a-8c6d-9e1f2a3b4c02").value("fallback", json()),
            true);
}

TEST_F(MessagingPlatformWebhooks, PayloadsMissingThePlatformsFieldsAre400NamingThem) {
  const std::map<std::string, std::pair<std::string, std::string>> cases = {
      {"zendesk-messaging", {R"({"app": {"id": "a"}, "webhook": {"id": "w", "version": "v2"}})", "events"}},
      {"livechat", {R"({"webhook_id": "w", "payload": {"chat_id": "C"}})", "action"}},
      {"watson-assistant",
       {R"({"event": {"name": "message_logged"}, "payload": {"request": {}, "response": {}}})",
        "payload.log_id"}},
  };
  for (const auto& [source, c] : cases) {
    auto r = client(daemon_->port()).Post("/v1/webhooks/" + source, c.first, "application/json");
    ASSERT_TRUE(r) << source;
    EXPECT_EQ(r->status, 400) << source << ": " << r->body;
    EXPECT_EQ(json::parse(r->body)["errors"][0]["field"], c.second) << source << ": " << r->body;
  }
  EXPECT_TRUE(rows("zendesk-messaging").empty());
}

}  // namespace
}  // namespace tp::e2e
