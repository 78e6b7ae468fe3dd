// Chatwoot, Crisp and Freshchat webhooks through the real daemon (POST /v1/webhooks/<source>, the
// source's adapter named after the platform): one support conversation per platform, posted as the
// platform sends it (tests/fixtures/adapters/), read back from /v1/interactions. Typing and receipts
// are acknowledged and counted, never stored; a payload without what it needs is a 400 naming the
// platform's own field; a redelivery is a duplicate.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "daemon_process.h"
#include "http_helpers.h"

namespace tp::e2e {
namespace {

using json = nlohmann::json;

class ChatPlatformWebhooks : public ::testing::Test {
 protected:
  void SetUp() override {
    json sources = json::object();
    for (const char* name : {"chatwoot", "crisp", "freshchat"})
      sources[name] = {{"kind", "webhook"}, {"adapter", name}, {"verification", "none"}};
    daemon_ = std::make_unique<DaemonProcess>(dir_.path(), test_config(dir_.path(), {{"sources", sources}}));
  }

  // Posts a fixture of the platform's folder to the platform's source; the daemon's answer.
  httplib::Result post(const std::string& source, const std::string& file) {
    return client(daemon_->port())
        .Post("/v1/webhooks/" + source, fixture(source + "/" + file), "application/json");
  }
  // Every file must be answered 202 (stored) or 200 (all ignored), as `expected` says.
  void post_all(const std::string& source, const std::vector<std::pair<std::string, int>>& files) {
    for (const auto& [file, expected] : files) {
      auto r = post(source, file);
      ASSERT_TRUE(r) << file;
      EXPECT_EQ(r->status, expected) << file << ": " << r->body;
      if (expected == 200) {
        EXPECT_EQ(json::parse(r->body)["ignored"], 1) << file;
      }
    }
  }
  json rows(const std::string& source) {
    return json_of(
        client(daemon_->port()).Get("/v1/interactions?limit=100&source=" + source))["interactions"];
  }
  // The field the 400 answer's first error names.
  std::string refused_field(const std::string& source, const std::string& body) {
    auto r = client(daemon_->port()).Post("/v1/webhooks/" + source, body, "application/json");
    EXPECT_TRUE(r);
    if (!r) return "";
    EXPECT_EQ(r->status, 400) << r->body;
    return json::parse(r->body)["errors"][0]["field"].get<std::string>();
  }

  TempDir dir_;
  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(ChatPlatformWebhooks, ChatwootConversationWithBotHandoffAndCsat) {
  post_all("chatwoot", {{"message_created_contact.json", 202},
                        {"message_created_agent_bot.json", 202},
                        {"conversation_typing_on.json", 200},
                        {"conversation_status_changed_handoff.json", 202},
                        {"message_created_private_note.json", 200},
                        {"message_created_agent.json", 202},
                        {"message_updated_csat.json", 202}});
  const json stored = rows("chatwoot");
  ASSERT_EQ(stored.size(), 5u) << stored.dump();
  std::multiset<std::string> kinds;
  for (const auto& row : stored) {
    kinds.insert(row["type"].get<std::string>() + "/" + row.value("role", "-"));
    EXPECT_EQ(row["channel"], "helpdesk");
    EXPECT_EQ(row["customer_id"], "u-8812");  // the contact's identifier, on every event of the conversation
    EXPECT_EQ(row["session_id"], "42");
    if (row["type"] == "handoff") {
      EXPECT_EQ(row["escalated"], true);
    }
    if (row["type"] == "feedback") {
      EXPECT_EQ(row["rating"], 4);
    }
    EXPECT_EQ(row.dump().find("ava@example.com"), std::string::npos);  // emails are not copied
  }
  EXPECT_EQ(kinds, (std::multiset<std::string>{"message/user", "message/bot", "handoff/-", "message/agent",
                                               "feedback/user"}));
  // Redelivered: a duplicate, not a second row.
  auto again = post("chatwoot", "message_created_contact.json");
  ASSERT_TRUE(again);
  EXPECT_EQ(json::parse(again->body)["duplicates"], 1) << again->body;
  EXPECT_EQ(rows("chatwoot").size(), 5u);
  EXPECT_EQ(refused_field("chatwoot", fixture("chatwoot/hostile_no_contact.json")),
            "conversation.meta.sender.id");
  EXPECT_EQ(refused_field("chatwoot", R"({"id": 1})"), "event");
}

TEST_F(ChatPlatformWebhooks, CrispSessionRoutedToAnOperatorRatedAndResolved) {
  post_all("crisp", {{"message_compose_send.json", 200},
                     {"message_send_visitor.json", 202},
                     {"message_received_bot.json", 202},
                     {"session_set_routing.json", 202},
                     {"message_received_operator.json", 202},
                     {"message_acknowledge_read_send.json", 200},
                     {"message_received_note.json", 200},
                     {"session_sync_rating.json", 202},
                     {"session_set_state_resolved.json", 202}});
  const json stored = rows("crisp");
  ASSERT_EQ(stored.size(), 6u) << stored.dump();
  std::multiset<std::string> kinds;
  const json visitor = json::parse(fixture("crisp/message_send_visitor.json"));
  bool visitor_text = false;
  for (const auto& row : stored) {
    kinds.insert(row["type"].get<std::string>() + "/" + row.value("role", "-"));
    EXPECT_EQ(row["anonymous_id"], "session_700c65e1-85e2-465a-b9ac-ecb5ec2c9881");
    EXPECT_EQ(row["timestamp"].get<std::string>().substr(0, 11), "2025-03-14T");  // milliseconds read as such
    visitor_text |= row.value("text", "") == visitor["data"]["content"].get<std::string>();
  }
  EXPECT_TRUE(visitor_text);
  EXPECT_EQ(kinds, (std::multiset<std::string>{"message/user", "message/bot", "handoff/agent",
                                               "message/agent", "feedback/user", "track/-"}));
  EXPECT_EQ(refused_field("crisp", R"({"event": "message:send", "data": {"type": "text"}})"),
            "data.session_id");
}

TEST_F(ChatPlatformWebhooks, FreshchatConversationAssignedResolvedAndReopened) {
  post_all("freshchat", {{"message_create_agent.json", 202},
                         {"message_create_private.json", 200},
                         {"conversation_assignment.json", 202},
                         {"conversation_assignment_group_only.json", 200},
                         {"conversation_resolution.json", 202},
                         {"conversation_reopen.json", 202}});
  const json stored = rows("freshchat");
  ASSERT_EQ(stored.size(), 4u) << stored.dump();
  std::map<std::string, json> by_type;
  for (const auto& row : stored) by_type[row["type"].get<std::string>() + "/" + row.value("name", "")] = row;
  ASSERT_TRUE(by_type.count("message/")) << stored.dump();
  ASSERT_TRUE(by_type.count("handoff/conversation.assigned")) << stored.dump();
  ASSERT_TRUE(by_type.count("track/conversation.resolved")) << stored.dump();
  ASSERT_TRUE(by_type.count("track/conversation.reopened")) << stored.dump();
  EXPECT_EQ(by_type["handoff/conversation.assigned"]["escalated"], true);
  // The agent's message and the user's reopen are one conversation: one customer.
  EXPECT_EQ(by_type["message/"]["customer_id"], "9047e655-1e83-463e-b1b6-4a44beb1f07f");
  EXPECT_EQ(by_type["track/conversation.reopened"]["customer_id"], "9047e655-1e83-463e-b1b6-4a44beb1f07f");
  EXPECT_EQ(
      by_type["message/"]["text"],
      json::parse(fixture(
          "freshchat/message_create_agent.json"))["data"]["message"]["message_parts"][0]["text"]["content"]);
  EXPECT_EQ(refused_field("freshchat", fixture("freshchat/hostile_missing_conversation.json")),
            "data.resolve.conversation.conversation_id");
}

}  // namespace
}  // namespace tp::e2e
