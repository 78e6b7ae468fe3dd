// Segment / RudderStack server SDKs pointed at touchpointd: their request shapes, their auth, and
// identity resolution from identify/alias.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <fstream>
#include <sstream>

#include "daemon_process.h"
#include "http_helpers.h"

namespace tp::e2e {
namespace {

using json = nlohmann::json;

// What analytics-node / analytics-python put on the wire: a gzip'd /v1/batch with Basic auth
// (write key as user name, empty password), context, integrations and _metadata included.
json sdk_batch() {
  const json context = {{"library", {{"name", "analytics-node"}, {"version", "6.2.0"}}},
                        {"page", {{"url", "https://shop.example/checkout"}, {"path", "/checkout"}}}};
  return {{"batch",
           {{{"type", "page"},
             {"messageId", "m-page"},
             {"anonymousId", "anon-7"},
             {"name", "Checkout"},
             {"properties", {{"title", "Checkout"}}},
             {"context", context},
             {"timestamp", "2026-11-20T10:00:00.000Z"},
             {"integrations", json::object()},
             {"_metadata", {{"nodeVersion", "20"}}}},
            {{"type", "track"},
             {"messageId", "m-track"},
             {"anonymousId", "anon-7"},
             {"event", "Order Completed"},
             {"properties", {{"total", 42.5}}},
             {"context", context},
             {"timestamp", "2026-11-20T10:05:00.000Z"}},
            {{"type", "identify"},
             {"messageId", "m-identify"},
             {"anonymousId", "anon-7"},
             {"userId", "user-1"},
             {"traits", {{"plan", "business"}}},
             {"timestamp", "2026-11-20T10:06:00.000Z"}}}},
          {"sentAt", "2026-11-20T10:06:01.000Z"}};
}

class Segment : public ::testing::Test {
 protected:
  void start(const json& patch = json::object()) {
    daemon_ = std::make_unique<DaemonProcess>(dir_.path(), test_config(dir_.path(), patch));
  }
  json interactions(const std::string& query) {
    auto c = client(daemon_->port());
    auto r = c.Get("/v1/interactions?" + query);
    EXPECT_TRUE(r && r->status == 200);
    return json::parse(r->body)["interactions"];
  }
  TempDir dir_;
  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(Segment, SdkBatchWithBasicAuthAndGzipIsStored) {
  start({{"sources",
          {{"segment", {{"kind", "segment"}, {"auth", {{"type", "write_key"}, {"keys", {"WRITE-KEY"}}}}}}}}});
  httplib::Client c("127.0.0.1", daemon_->port());
  c.set_basic_auth("WRITE-KEY", "");
  auto r = c.Post("/v1/batch", {{"Content-Encoding", "gzip"}}, gzip(sdk_batch().dump()), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202) << r->body;
  EXPECT_EQ(json::parse(r->body)["accepted"], 3);

  const json rows = interactions("source=segment");
  ASSERT_EQ(rows.size(), 3u);
  json page;
  for (const auto& row : rows)
    if (row["id"] == "m-page") page = row;
  ASSERT_FALSE(page.is_null());
  EXPECT_EQ(page["type"], "page");
  EXPECT_EQ(page["url"], "https://shop.example/checkout");
  EXPECT_EQ(page["name"], "Checkout");
  EXPECT_EQ(page["anonymous_id"], "anon-7");
}

TEST_F(Segment, WriteKeyInTheBodyIsAcceptedAsSomeSdksSendIt) {
  start({{"sources",
          {{"segment", {{"kind", "segment"}, {"auth", {{"type", "write_key"}, {"keys", {"WK"}}}}}}}}});
  json body = sdk_batch();
  body["writeKey"] = "WK";
  auto r = client(daemon_->port()).Post("/v1/batch", body.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202);
  body["writeKey"] = "not-it";
  r = client(daemon_->port()).Post("/v1/batch", body.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
}

TEST_F(Segment, PerTypeRoutesTakeTheirTypeFromTheRoute) {
  start();
  auto c = client(daemon_->port());
  c.set_basic_auth("any-key", "");
  const json track = {
      {"messageId", "t-1"}, {"userId", "u-9"}, {"event", "Signed Up"}, {"properties", {{"plan", "pro"}}}};
  EXPECT_EQ(c.Post("/v1/track", track.dump(), "application/json")->status, 202);
  const json page = {{"messageId", "p-1"},
                     {"userId", "u-9"},
                     {"name", "Pricing"},
                     {"properties", {{"url", "https://shop.example/pricing"}}}};
  EXPECT_EQ(c.Post("/v1/page", page.dump(), "application/json")->status, 202);
  const json rows = interactions("customer=u-9");
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& row : rows) {
    if (row["id"] == "t-1") {
      EXPECT_EQ(row["type"], "track");
      EXPECT_EQ(row["name"], "Signed Up");
      EXPECT_EQ(row["properties"]["plan"], "pro");
    } else {
      EXPECT_EQ(row["type"], "page");
      EXPECT_EQ(row["url"], "https://shop.example/pricing");
    }
  }
}

TEST_F(Segment, ErrorsNameSegmentFields) {
  start();
  auto c = client(daemon_->port());
  const json batch = {{"batch",
                       {{{"type", "track"}, {"userId", "u"}, {"event", "x"}},
                        {{"type", "track"}, {"messageId", "ok-1"}, {"userId", "u"}, {"event", "x"}},
                        {{"type", "track"}, {"messageId", "no-user"}, {"event", "x"}}}}};
  auto r = c.Post("/v1/batch", batch.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202);
  const json body = json::parse(r->body);
  EXPECT_EQ(body["accepted"], 1);
  ASSERT_EQ(body["errors"].size(), 2u);
  EXPECT_EQ(body["errors"][0]["field"], "messageId");
  EXPECT_EQ(body["errors"][1]["field"], "userId");
}

TEST_F(Segment, IdentifyResolvesEarlierAnonymousInteractionsToTheCustomer) {
  start();
  auto c = client(daemon_->port());
  // The anonymous visitor browses and talks to the chatbot before logging in...
  json chat = event("chat-1");
  chat.erase("customer_id");
  chat["anonymous_id"] = "anon-7";
  ASSERT_EQ(c.Post("/v1/events", chat.dump(), "application/json")->status, 202);
  json before = sdk_batch();
  before["batch"].erase(2);  // page + track only
  ASSERT_EQ(c.Post("/v1/batch", before.dump(), "application/json")->status, 202);
  EXPECT_TRUE(interactions("customer=user-1").empty());

  // ...then is identified.
  const json identify = {{"messageId", "id-1"}, {"anonymousId", "anon-7"}, {"userId", "user-1"}};
  ASSERT_EQ(c.Post("/v1/identify", identify.dump(), "application/json")->status, 202);
  const json rows = interactions("customer=user-1");
  EXPECT_EQ(rows.size(), 4u);  // chat, page, track, identify
  for (const auto& row : rows) EXPECT_EQ(row["customer_id"], "user-1");
}

TEST_F(Segment, AliasLinksAPreviousIdToTheUser) {
  start();
  auto c = client(daemon_->port());
  const json track = {{"messageId", "t-old"}, {"userId", "old-id"}, {"event", "Viewed"}};
  ASSERT_EQ(c.Post("/v1/track", track.dump(), "application/json")->status, 202);
  const json alias = {{"messageId", "a-1"}, {"previousId", "old-id"}, {"userId", "new-id"}};
  ASSERT_EQ(c.Post("/v1/alias", alias.dump(), "application/json")->status, 202);
  const json rows = interactions("customer=new-id");
  bool found = false;
  for (const auto& row : rows)
    if (row["id"] == "t-old") {
      found = true;
      EXPECT_EQ(row["customer_id"], "new-id");
      EXPECT_EQ(row["original_customer_id"], "old-id");
    }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace tp::e2e

#include <openssl/evp.h>

namespace tp::e2e {
namespace {

std::string sha256_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  std::string out;
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", digest[i]);
    out += buf;
  }
  return out;
}

// The pseudonym a key gives an id, computed here independently of the daemon's code.
std::string expected_pseudonym(const std::string& id, const std::string& key) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(id.data()), id.size(), mac, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "p_";
  for (unsigned i = 0; i < 16; ++i) out += {kHex[mac[i] >> 4], kHex[mac[i] & 15]};
  return out;
}

std::string database_bytes(const std::filesystem::path& dir) {
  std::ifstream db(dir / "touchpoint.db", std::ios::binary), wal(dir / "touchpoint.db-wal", std::ios::binary);
  std::stringstream all;
  all << db.rdbuf() << wal.rdbuf();
  return all.str();
}

// With a pseudonym key, no customer, visitor or linked id is stored as sent; the API still takes the ids
// the client knows (or the pseudonyms it read back), for reads and for erasure.
TEST(Pseudonyms, IdsAreStoredAsPseudonymsAndLookupsTakeTheClientsIds) {
  TempDir dir;
  const std::string key = "e2e-pseudonym-key-0123456789";
  const std::string admin = "admin-token-0123456789";
  DaemonProcess daemon(dir.path(),
                       test_config(dir.path(), {{"privacy", {{"pseudonym_key", key}}},
                                                {"identity", {{"link_traits", {"chatbot_user_id"}}}},
                                                {"server", {{"admin_token", admin}}}}));
  auto c = client(daemon.port());
  const json chat = {{"id", "turn-1"}, {"type", "message"},    {"anonymous_id", "botuser-qx81"},
                     {"role", "user"}, {"channel", "chatbot"}, {"text", "where is my order?"}};
  ASSERT_EQ(c.Post("/v1/events", chat.dump(), "application/json")->status, 202);
  const json identify = {{"messageId", "id-1"},
                         {"userId", "custid-zq47"},
                         {"anonymousId", "visitor-mv55"},
                         {"traits", {{"chatbot_user_id", "botuser-qx81"}}}};
  ASSERT_EQ(c.Post("/v1/identify", identify.dump(), "application/json")->status, 202);
  const json other = {{"id", "turn-2"}, {"type", "message"}, {"customer_id", "custid-keep"}, {"text", "hi"}};
  ASSERT_EQ(c.Post("/v1/events", other.dump(), "application/json")->status, 202);
  // A rejected event is kept as a dead letter: with its ids as pseudonyms and its text redacted too.
  const json rejected = {{"id", "bad-1"},
                         {"type", "message"},
                         {"customer_id", "custid-zq47"},
                         {"rating", 9},
                         {"text", "reach me at zq47.private@example.org"}};
  ASSERT_EQ(c.Post("/v1/events", rejected.dump(), "application/json")->status, 400);
  const auto dead_letters = [&] {
    SQLite::Database db((dir.path() / "touchpoint.db").string(), SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT COUNT(*) FROM dead_letters").getInt();
  };
  ASSERT_EQ(dead_letters(), 1);
  // A body refused for its nesting is kept as text (parsing it to find ids once ended the daemon).
  const std::string deep = std::string(300000, '[') + std::string(300000, ']');
  ASSERT_EQ(c.Post("/v1/events", deep, "application/json")->status, 400);
  ASSERT_EQ(dead_letters(), 2);
  ASSERT_EQ(c.Get("/healthz")->status, 200);

  const std::string pseudonym = expected_pseudonym("custid-zq47", key);
  for (const std::string& asked : {std::string("custid-zq47"), pseudonym}) {
    const json rows = json_of(c.Get("/v1/interactions?customer=" + asked))["interactions"];
    ASSERT_EQ(rows.size(), 2u) << asked;  // the identify and, through the linked chatbot id, the chat turn
    for (const auto& row : rows) {
      EXPECT_EQ(row["customer_id"], pseudonym) << row.dump();
      // The linked trait is an id: stored as its pseudonym, the same one the chat turn's visitor id got.
      if (row["id"] == "id-1")
        EXPECT_EQ(row["traits"]["chatbot_user_id"], expected_pseudonym("botuser-qx81", key)) << row.dump();
      else
        EXPECT_EQ(row["anonymous_id"], expected_pseudonym("botuser-qx81", key)) << row.dump();
    }
  }
  const std::string files = database_bytes(dir.path());
  for (const char* raw :
       {"custid-zq47", "visitor-mv55", "botuser-qx81", "custid-keep", "zq47.private@example.org"})
    EXPECT_EQ(files.find(raw), std::string::npos) << raw << " is stored as sent";

  // Erasure by the id the client knows takes the customer and the linked ids' interactions.
  auto r = c.Delete("/v1/customers/custid-zq47", {{"Authorization", "Bearer " + admin}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["erased"], 2);
  const json left = json_of(c.Get("/v1/interactions"))["interactions"];
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0]["id"], "turn-2");
  EXPECT_EQ(dead_letters(), 1);  // the rejected event mentioned the customer: it went; the deep body stays
}

TEST(IdentityLinks, ConfiguredTraitsLinkChatbotUsersToCustomersAndEmailsAreStoredHashed) {
  TempDir dir;
  DaemonProcess daemon(
      dir.path(),
      test_config(dir.path(),
                  {{"identity", {{"link_traits", {"chatbot_user_id"}}, {"hashed_traits", {"email"}}}}}));
  auto c = client(daemon.port());
  // The chatbot only knows its own user id...
  const json chat = {{"id", "bot-turn-1"}, {"type", "message"},    {"anonymous_id", "bot-user-9"},
                     {"role", "user"},     {"channel", "chatbot"}, {"text", "where is my order?"}};
  ASSERT_EQ(c.Post("/v1/events", chat.dump(), "application/json")->status, 202);
  // ...the website identifies the customer with that id as a trait, and an email.
  const json identify = {
      {"messageId", "id-1"},
      {"userId", "cust-77"},
      {"traits", {{"chatbot_user_id", "bot-user-9"}, {"email", " Jane.Doe@Example.com "}}}};
  ASSERT_EQ(c.Post("/v1/identify", identify.dump(), "application/json")->status, 202);

  const json rows = json_of(c.Get("/v1/interactions?customer=cust-77"))["interactions"];
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& row : rows) {
    EXPECT_EQ(row["customer_id"], "cust-77");
    if (row["id"] == "id-1") {
      EXPECT_EQ(row["traits"]["email"], "h:" + sha256_hex("jane.doe@example.com"));
    }
  }
  // The address itself is nowhere in the files.
  std::ifstream db(dir.path() / "touchpoint.db", std::ios::binary),
      wal(dir.path() / "touchpoint.db-wal", std::ios::binary);
  std::stringstream all;
  all << db.rdbuf() << wal.rdbuf();
  EXPECT_EQ(all.str().find("Jane.Doe@Example.com"), std::string::npos);
}

}  // namespace
}  // namespace tp::e2e
