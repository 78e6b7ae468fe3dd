// Platform webhooks through the real daemon: verified on the raw bytes, translated by the source's
// adapter, redacted before storage, answered the way the platform expects.
#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include "daemon_process.h"
#include "http_helpers.h"

namespace tp::e2e {
namespace {

using json = nlohmann::json;

std::string base64(const unsigned char* data, size_t len) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < len; i += 3) {
    const uint32_t n = (uint32_t{data[i]} << 16) | (i + 1 < len ? uint32_t{data[i + 1]} << 8 : 0) |
                       (i + 2 < len ? data[i + 2] : 0);
    out += table[(n >> 18) & 63];
    out += table[(n >> 12) & 63];
    out += i + 1 < len ? table[(n >> 6) & 63] : '=';
    out += i + 2 < len ? table[n & 63] : '=';
  }
  return out;
}

// Standard Webhooks: v1,base64(HMAC-SHA256(key, id.timestamp.body)).
std::string standard_signature(const std::string& key, const std::string& id, const std::string& ts,
                               const std::string& body) {
  const std::string signed_text = id + "." + ts + "." + body;
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size(), mac, &len);
  return "v1," + base64(mac, len);
}

json interactions(int port) {
  return json_of(client(port).Get("/v1/interactions?limit=100"))["interactions"];
}

class Webhooks : public ::testing::Test {
 protected:
  void SetUp() override {
    // whsec_ + base64("touchpoint-test-signing-key-0001")
    const std::string key_b64 = base64(reinterpret_cast<const unsigned char*>(key_.data()), key_.size());
    daemon_ = std::make_unique<DaemonProcess>(
        dir_.path(),
        test_config(
            dir_.path(),
            {{"sources",
              {{"dialogflow-es",
                {{"kind", "webhook"}, {"adapter", "dialogflow-es"}, {"verification", "none"}}},
               {"signed-rasa",
                {{"kind", "webhook"},
                 {"adapter", "rasa"},
                 {"verification", {{"type", "standard-webhooks"}, {"secret", "whsec_" + key_b64}}}}},
               {"generic",
                {{"kind", "webhook"},
                 {"adapter", "generic"},
                 {"config",
                  {{"map", {{"id", "/id"}, {"customer_id", "/user"}, {"text", "/text"}}},
                   {"defaults", {{"type", "message"}, {"role", "user"}, {"channel", "chatbot"}}}}}}}}}}));
  }
  const std::string key_ = "touchpoint-test-signing-key-0001";
  TempDir dir_;
  std::unique_ptr<DaemonProcess> daemon_;
};

// The body is bounded after decompression before anything reads it: a gzip bomb is a 413 and a body that
// does not decompress a 400, each naming the body, and nothing is stored.
TEST_F(Webhooks, OversizedOrUnreadableBodiesAreRefusedBeforeParsing) {
  auto c = client(daemon_->port());
  const std::string bomb = gzip(R"({"id": "b", "user": "u", "text": ")" + std::string(8 << 20, 'x') + "\"}");
  ASSERT_LT(bomb.size(), 1u << 20);
  auto big = c.Post("/v1/webhooks/generic", {{"Content-Encoding", "gzip"}}, bomb, "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(json::parse(big->body)["field"], "body") << big->body;

  auto c2 = client(daemon_->port());
  auto corrupt = c2.Post("/v1/webhooks/generic", {{"Content-Encoding", "gzip"}},
                         std::string("\x1f\x8b\x08garbage", 10), "application/json");
  ASSERT_TRUE(corrupt);
  EXPECT_EQ(corrupt->status, 400);
  EXPECT_TRUE(interactions(daemon_->port()).empty());
  EXPECT_EQ(client(daemon_->port()).Get("/healthz")->status, 200);
}

TEST_F(Webhooks, DialogflowFulfillmentIsAnsweredWithAnEmptyWebhookResponseAndStored) {
  auto c = client(daemon_->port());
  auto r = c.Post("/v1/webhooks/dialogflow-es", fixture("dialogflow-es/sentiment_fallback.json"),
                  "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body),
            json::object());  // a valid empty WebhookResponse: the agent keeps its replies
  bool user_turn = false;
  for (const auto& row : interactions(daemon_->port()))
    if (row["source"] == "dialogflow-es" && row.value("role", "") == "user") {
      user_turn = true;
      EXPECT_TRUE(row["fallback"].get<bool>());
      EXPECT_TRUE(row.contains("sentiment"));
    }
  EXPECT_TRUE(user_turn);
  // Re-delivery: the same ids, nothing stored twice.
  const size_t before = interactions(daemon_->port()).size();
  c.Post("/v1/webhooks/dialogflow-es", fixture("dialogflow-es/sentiment_fallback.json"), "application/json");
  EXPECT_EQ(interactions(daemon_->port()).size(), before);
}

TEST_F(Webhooks, APayloadTheAdapterCannotUnderstandIsA400NamingTheField) {
  auto r = client(daemon_->port())
               .Post("/v1/webhooks/dialogflow-es", fixture("dialogflow-es/hostile_missing_query_text.json"),
                     "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(json::parse(r->body)["errors"][0]["field"], "queryResult.queryText");
  EXPECT_EQ(client(daemon_->port()).Post("/v1/webhooks/nobody", "{}", "application/json")->status, 404);
}

TEST_F(Webhooks, StandardWebhooksSignaturesAreVerifiedOnTheRawBytes) {
  const std::string body =
      R"({"event": "user", "sender_id": "rasa-user-1", "timestamp": 1800000000.5, "text": "where is my order?",
                               "parse_data": {"intent": {"name": "order_status", "confidence": 0.93}}})";
  const std::string ts = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  auto c = client(daemon_->port());
  const httplib::Headers good = {{"webhook-id", "msg_1"},
                                 {"webhook-timestamp", ts},
                                 {"webhook-signature", standard_signature(key_, "msg_1", ts, body)}};
  auto ok = c.Post("/v1/webhooks/signed-rasa", good, body, "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 202) << ok->body;

  const httplib::Headers tampered = {{"webhook-id", "msg_2"},
                                     {"webhook-timestamp", ts},
                                     {"webhook-signature", standard_signature(key_, "msg_2", ts, body)}};
  auto bad = c.Post("/v1/webhooks/signed-rasa", tampered, body + " ", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 401);
  EXPECT_EQ(bad->body.find(standard_signature(key_, "msg_2", ts, body + " ")),
            std::string::npos);  // never leaks
  const std::string old_ts = std::to_string(std::stoll(ts) - 3600);
  const httplib::Headers stale = {{"webhook-id", "msg_3"},
                                  {"webhook-timestamp", old_ts},
                                  {"webhook-signature", standard_signature(key_, "msg_3", old_ts, body)}};
  EXPECT_EQ(c.Post("/v1/webhooks/signed-rasa", stale, body, "application/json")->status, 401);
  EXPECT_EQ(c.Post("/v1/webhooks/signed-rasa", body, "application/json")->status, 401);

  size_t stored = 0;
  for (const auto& row : interactions(daemon_->port())) stored += row["source"] == "signed-rasa";
  EXPECT_EQ(stored, 1u);  // only the verified delivery
}

// A form-encoded body (as Twilio and simple bots post) is read as a flat object of its parameters, so the
// generic mapping works on it unchanged: '+' is a space, %2B a plus, %XX any byte (invalid UTF-8 becomes
// U+FFFD instead of failing the write), a repeated name keeps its first value.
TEST_F(Webhooks, AFormEncodedBodyIsMappedAsAFlatObject) {
  auto c = client(daemon_->port());
  auto r =
      c.Post("/v1/webhooks/generic", "id=form-1&user=u%2B1&text=Where+is+my+order%3F+caf%C3%A9&text=second",
             "application/x-www-form-urlencoded; charset=UTF-8");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202) << r->body;
  auto bad =
      c.Post("/v1/webhooks/generic", "id=form-2&user=u-2&text=half+%C3", "application/x-www-form-urlencoded");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 202) << bad->body;
  // A form without what the mapping requires is refused naming the mapped path, like a JSON body.
  auto missing = c.Post("/v1/webhooks/generic", "user=u-3&text=hi", "application/x-www-form-urlencoded");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 400);
  EXPECT_NE(missing->body.find("/id"), std::string::npos) << missing->body;

  const json rows = interactions(daemon_->port());
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& row : rows) {
    if (row["id"] == "form-1") {
      EXPECT_EQ(row["customer_id"], "u+1");
      EXPECT_EQ(row["text"], "Where is my order? caf\u00e9");
    } else {
      EXPECT_EQ(row["id"], "form-2");
      EXPECT_EQ(row["text"], "half \ufffd");
    }
  }
}

TEST_F(Webhooks, TextIsRedactedBeforeStorage) {
  const json payload = {
      {"id", "g-1"},
      {"user", "u-1"},
      {"text", "Mans e-pasts ir janis.berzins@example.lv, karte 4111 1111 1111 1111, pasūtījums 123456789"}};
  ASSERT_EQ(client(daemon_->port()).Post("/v1/webhooks/generic", payload.dump(), "application/json")->status,
            202);
  const json rows = interactions(daemon_->port());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["text"], "Mans e-pasts ir [email], karte [card], pasūtījums 123456789");
  // Not in the database file either.
  std::ifstream db(dir_.path() / "touchpoint.db", std::ios::binary);
  std::stringstream all;
  all << db.rdbuf();
  std::ifstream wal(dir_.path() / "touchpoint.db-wal", std::ios::binary);
  all << wal.rdbuf();
  EXPECT_EQ(all.str().find("janis.berzins@example.lv"), std::string::npos);
  EXPECT_EQ(all.str().find("4111 1111 1111 1111"), std::string::npos);
}

}  // namespace
}  // namespace tp::e2e

namespace tp::e2e {
namespace {

std::string file_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Erasure, DeletesEveryInteractionLinkAndAggregateAndLeavesNoTraceInTheFiles) {
  TempDir dir;
  const std::string admin = "admin-token-0123456789";
  // Snapshots every second, so the saved map holds the customer before the erasure.
  DaemonProcess daemon(dir.path(), test_config(dir.path(), {{"server", {{"admin_token", admin}}},
                                                            {"engine", {{"analytics_snapshot_s", 1}}}}));
  auto c = client(daemon.port());
  const std::string secret_words = "Zyxwvut-unforgettable-phrase";
  const json events = json::array({
      {{"id", "v1"},
       {"type", "page"},
       {"anonymous_id", "anon-erase"},
       {"url", "https://shop.example/pricing"},
       {"tags", {{"stage", "consideration"}, {"touchpoint", "website"}}}},
      {{"id", "e1"},
       {"type", "message"},
       {"customer_id", "cust-erase"},
       {"anonymous_id", "anon-erase"},
       {"role", "user"},
       {"text", secret_words},
       {"tags", {{"stage", "purchase"}, {"touchpoint", "chatbot"}}}},
      {{"id", "k1"},
       {"type", "message"},
       {"customer_id", "cust-keep"},
       {"role", "user"},
       {"text", "keep me"},
       {"tags", {{"stage", "purchase"}, {"touchpoint", "chatbot"}}}},
  });
  ASSERT_EQ(c.Post("/v1/events", events.dump(), "application/json")->status, 202);
  const std::string window = "/v1/map?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z";
  auto purchase_customers = [&] { return json_of(c.Get(window))["stages"][2]["customers"].get<int>(); };
  for (int i = 0; i < 500 && purchase_customers() != 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(purchase_customers(), 2);
  const auto snapshot = dir.path() / "touchpoint.db.analytics";
  for (int i = 0; i < 500 && file_bytes(snapshot).find("cust-erase") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_NE(file_bytes(snapshot).find("cust-erase"), std::string::npos)
      << "the saved map never held the customer";

  EXPECT_EQ(c.Delete("/v1/customers/cust-erase")->status, 401);
  auto r = c.Delete("/v1/customers/cust-erase", {{"Authorization", "Bearer " + admin}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["erased"], 2);  // the message and, through the link, the anonymous page view

  EXPECT_TRUE(json_of(c.Get("/v1/interactions?customer=cust-erase"))["interactions"].empty());
  const json left = json_of(c.Get("/v1/interactions"))["interactions"];
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0]["id"], "k1");
  // The derived map forgets the customer too (rebuilt after the erasure).
  for (int i = 0; i < 500 && purchase_customers() != 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(purchase_customers(), 1);
  EXPECT_EQ(json_of(c.Get(window))["stages"][1]["customers"], 0);
  // Nothing left in the database files.
  const std::string all =
      file_bytes(dir.path() / "touchpoint.db") + file_bytes(dir.path() / "touchpoint.db-wal");
  EXPECT_EQ(all.find(secret_words), std::string::npos);
  EXPECT_EQ(all.find("cust-erase"), std::string::npos);
  // Nor in the saved map: the rebuild after the erasure saved one without the customer.
  for (int i = 0; i < 500 && file_bytes(snapshot).find("cust-keep") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_NE(file_bytes(snapshot).find("cust-keep"), std::string::npos);
  EXPECT_EQ(file_bytes(snapshot).find("cust-erase"), std::string::npos);
  EXPECT_EQ(file_bytes(snapshot).find(secret_words), std::string::npos);

  // The id is on the suppression list: later events for it are dropped, acknowledged and counted.
  const json again = {{"id", "e2"},
                      {"type", "message"},
                      {"customer_id", "cust-erase"},
                      {"role", "user"},
                      {"text", "back again"}};
  auto later = c.Post("/v1/events", again.dump(), "application/json");
  ASSERT_TRUE(later);
  EXPECT_EQ(later->status, 202);
  EXPECT_EQ(json::parse(later->body)["accepted"], 0);
  EXPECT_TRUE(json_of(c.Get("/v1/interactions?customer=cust-erase"))["interactions"].empty());
  // So is every id erased with it: a replay of the anonymous page view (no customer id on it) is dropped
  // too, and still after a restart.
  const json replay = {{"id", "v1"},
                       {"type", "page"},
                       {"anonymous_id", "anon-erase"},
                       {"url", "https://shop.example/pricing"}};
  auto replayed = c.Post("/v1/events", replay.dump(), "application/json");
  ASSERT_TRUE(replayed);
  EXPECT_EQ(json::parse(replayed->body)["accepted"], 0) << replayed->body;
  EXPECT_EQ(metric_value(c.Get("/metrics")->body,
                         R"(touchpoint_events_total{source="events",outcome="suppressed"})"),
            2);
  daemon.signal(SIGTERM);
  ASSERT_EQ(daemon.wait(), 0);
  DaemonProcess restarted(dir.path(), test_config(dir.path(), {{"server", {{"admin_token", admin}}}}));
  auto c2 = client(restarted.port());
  auto after_restart = c2.Post("/v1/events", replay.dump(), "application/json");
  ASSERT_TRUE(after_restart);
  EXPECT_EQ(json::parse(after_restart->body)["accepted"], 0) << after_restart->body;
  EXPECT_EQ(json_of(c2.Get("/v1/interactions"))["interactions"].size(), 1u);  // k1 only
}

}  // namespace
}  // namespace tp::e2e

namespace tp::e2e {
namespace {

// Every adapter, through HTTP: a documented payload in, the canonical interaction read back.
struct AdapterCase {
  std::string adapter, fixture;
  std::string text_pointer;    // where the customer's (or agent's) words are in the payload; "" to skip
  std::string intent_pointer;  // where the intent is; "" to skip
  std::string channel;
};

TEST(WebhookAdapters, DocumentedPayloadsAreStoredAsCanonicalInteractions) {
  const std::vector<AdapterCase> cases = {
      {"dialogflow-es", "dialogflow-es/google_assistant.json", "/queryResult/queryText",
       "/queryResult/intent/displayName", "chatbot"},
      {"dialogflow-cx", "dialogflow-cx/text_turn.json", "/text", "/intentInfo/displayName", "chatbot"},
      {"rasa", "rasa/broker_user_event.json", "/text", "/parse_data/intent/name", "chatbot"},
      {"botframework", "botframework/message_user.json", "/text", "", "chatbot"},
      {"intercom", "intercom/conversation_user_created.json", "", "", "helpdesk"},
      {"zendesk", "zendesk/event_comment_added_requester.json", "/event/comment/body", "", "helpdesk"},
      {"generic", "generic/botpress_batch.json", "", "", "chatbot"},
  };
  TempDir dir;
  json sources = json::object();
  for (const auto& c : cases) {
    sources[c.adapter] = {{"kind", "webhook"}, {"adapter", c.adapter}, {"verification", "none"}};
    if (c.adapter == "generic")
      sources[c.adapter]["config"] = json::parse(fixture("generic/botpress_config.json"));
  }
  DaemonProcess daemon(dir.path(), test_config(dir.path(), {{"sources", sources}}));
  auto client_ = client(daemon.port());
  for (const auto& c : cases) {
    const std::string body = fixture(c.fixture);
    auto r = client_.Post("/v1/webhooks/" + c.adapter, body, "application/json");
    ASSERT_TRUE(r) << c.adapter;
    EXPECT_LT(r->status, 300) << c.adapter << ": " << r->body;
    const json rows = json_of(client_.Get("/v1/interactions?limit=1000&source=" + c.adapter))["interactions"];
    ASSERT_FALSE(rows.empty()) << c.adapter;
    const json payload = json::parse(body);
    bool text_found = c.text_pointer.empty(), intent_found = c.intent_pointer.empty();
    for (const auto& row : rows) {
      EXPECT_EQ(row["source"], c.adapter);
      EXPECT_EQ(row["channel"], c.channel) << c.adapter;
      EXPECT_FALSE(row["id"].get<std::string>().empty());
      EXPECT_TRUE(row.contains("customer_id") || row.contains("anonymous_id")) << c.adapter;
      if (!c.text_pointer.empty() &&
          row.value("text", "") == payload.at(json::json_pointer(c.text_pointer)).get<std::string>())
        text_found = true;
      if (!c.intent_pointer.empty() &&
          row.value("intent", "") == payload.at(json::json_pointer(c.intent_pointer)).get<std::string>())
        intent_found = true;
    }
    EXPECT_TRUE(text_found) << c.adapter << " did not store the payload's text";
    EXPECT_TRUE(intent_found) << c.adapter << " did not store the payload's intent";
  }
  // Pings and typing indicators are acknowledged, not stored.
  auto ping = client_.Post("/v1/webhooks/intercom", fixture("intercom/ping.json"), "application/json");
  ASSERT_TRUE(ping);
  EXPECT_LT(ping->status, 300);
  auto typing =
      client_.Post("/v1/webhooks/botframework", fixture("botframework/typing.json"), "application/json");
  ASSERT_TRUE(typing);
  EXPECT_LT(typing->status, 300);
  EXPECT_EQ(json::parse(typing->body)["ignored"], 1);
}

// Suppression beyond the native route: a platform's webhook for the erased customer, and an event of a
// new customer id carrying an id linked to the erased one (here the hashed e-mail of
// identity.hashed_traits: the person asked to be forgotten and came back under another account).
TEST(Erasure, SuppressionCoversWebhooksAndTheLinkedIdsTheConfigNames) {
  TempDir dir;
  const std::string admin = "admin-token-0123456789";
  DaemonProcess daemon(
      dir.path(),
      test_config(dir.path(), {{"server", {{"admin_token", admin}}},
                               {"identity", {{"hashed_traits", {"email"}}}},
                               {"sources",
                                {{"generic",
                                  {{"kind", "webhook"},
                                   {"adapter", "generic"},
                                   {"config",
                                    {{"map", {{"id", "/id"}, {"customer_id", "/user"}, {"text", "/text"}}},
                                     {"defaults", {{"type", "message"}, {"role", "user"}}}}}}}}}}));
  auto c = client(daemon.port());
  const json identify = {{"id", "i1"},
                         {"type", "identify"},
                         {"customer_id", "cust-gone"},
                         {"traits", {{"email", "Gone@Example.com"}}}};
  ASSERT_EQ(c.Post("/v1/events", identify.dump(), "application/json")->status, 202);
  auto turn = c.Post("/v1/webhooks/generic", R"({"id": "w1", "user": "cust-gone", "text": "hello"})",
                     "application/json");
  ASSERT_TRUE(turn);
  ASSERT_EQ(json::parse(turn->body)["accepted"], 1) << turn->body;

  auto r = c.Delete("/v1/customers/cust-gone", {{"Authorization", "Bearer " + admin}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["erased"], 2);

  // The platform sends another turn of the erased customer: acknowledged, not stored.
  auto later = c.Post("/v1/webhooks/generic", R"({"id": "w2", "user": "cust-gone", "text": "me again"})",
                      "application/json");
  ASSERT_TRUE(later);
  EXPECT_EQ(later->status, 200) << later->body;
  EXPECT_EQ(json::parse(later->body)["accepted"], 0) << later->body;
  // A new account with the same e-mail (spelt differently): its events are dropped too.
  const json comeback = {{"id", "i2"},
                         {"type", "identify"},
                         {"customer_id", "cust-new"},
                         {"traits", {{"email", " gone@example.COM "}}}};
  auto again = c.Post("/v1/events", comeback.dump(), "application/json");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 202);
  EXPECT_EQ(json::parse(again->body)["accepted"], 0) << again->body;
  // Someone else is stored as usual.
  const json other = {{"id", "i3"},
                      {"type", "identify"},
                      {"customer_id", "cust-other"},
                      {"traits", {{"email", "other@example.com"}}}};
  EXPECT_EQ(json::parse(c.Post("/v1/events", other.dump(), "application/json")->body)["accepted"], 1);

  const json left = json_of(c.Get("/v1/interactions"))["interactions"];
  ASSERT_EQ(left.size(), 1u) << left.dump();
  EXPECT_EQ(left[0]["customer_id"], "cust-other");
  const std::string metrics = c.Get("/metrics")->body;
  EXPECT_EQ(metric_value(metrics, R"(touchpoint_events_total{source="generic",outcome="suppressed"})"), 1);
  EXPECT_EQ(metric_value(metrics, R"(touchpoint_events_total{source="events",outcome="suppressed"})"), 1);
}

}  // namespace
}  // namespace tp::e2e
