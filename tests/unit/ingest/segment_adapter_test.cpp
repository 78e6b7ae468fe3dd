#include "ingest/segment_adapter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>

#include "util/time.h"

namespace tp {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

constexpr int64_t kReceived = 1'800'000'000'000;

std::set<std::string> fields_of(const FieldErrors& errors) {
  std::set<std::string> out;
  for (const auto& e : errors) out.insert(e.field);
  return out;
}

TEST(SegmentToInteraction, TrackMapsSegmentFields) {
  const json msg = json::parse(R"({
    "type": "track",
    "messageId": "msg-1",
    "userId": "user-7",
    "anonymousId": "anon-7",
    "event": "Order Completed",
    "properties": {"total": 42.5, "currency": "EUR"},
    "context": {"page": {"url": "https://shop.example/checkout"}, "sessionId": "sess-9", "ip": "1.2.3.4"},
    "timestamp": "2026-11-23T09:15:00.000Z"
  })");
  FieldErrors errors;
  const auto in = segment_to_interaction(msg, "track", kReceived, errors);
  ASSERT_TRUE(in) << (errors.empty() ? "" : errors[0].field + ": " + errors[0].error);
  EXPECT_EQ(in->type, EventType::Track);
  EXPECT_EQ(in->id, "msg-1");
  EXPECT_EQ(in->customer_id, "user-7");
  EXPECT_EQ(in->anonymous_id, "anon-7");
  EXPECT_EQ(in->name, "Order Completed");
  EXPECT_EQ(json::parse(in->properties_json), msg["properties"]);
  EXPECT_EQ(in->url, "https://shop.example/checkout");
  EXPECT_EQ(in->session_id, "sess-9");
  EXPECT_EQ(in->timestamp_ms, parse_rfc3339_ms("2026-11-23T09:15:00Z"));
  EXPECT_TRUE(in->channel.empty());
}

TEST(SegmentToInteraction, PropertiesUrlWinsOverContextPageUrl) {
  const json msg = {{"messageId", "m"},
                    {"userId", "u"},
                    {"properties", {{"url", "https://a.example/"}}},
                    {"context", {{"page", {{"url", "https://b.example/"}}}}}};
  FieldErrors errors;
  const auto in = segment_to_interaction(msg, "track", kReceived, errors);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->url, "https://a.example/");
}

TEST(SegmentToInteraction, UnknownSegmentFieldsAreIgnored) {
  // Segment messages carry much more than we keep (integrations, context.library...): never an error.
  const json msg = {{"messageId", "m"},
                    {"userId", "u"},
                    {"integrations", {{"All", true}}},
                    {"context", {{"library", {{"name", "analytics-node"}}}}},
                    {"version", 2},
                    {"channel", "server"}};
  FieldErrors errors;
  EXPECT_TRUE(segment_to_interaction(msg, "track", kReceived, errors));
  EXPECT_TRUE(errors.empty());
}

TEST(SegmentToInteraction, PageIsAWebsitePageView) {
  const json msg = {{"messageId", "p1"},
                    {"anonymousId", "anon"},
                    {"name", "Pricing"},
                    {"properties", {{"url", "https://shop.example/pricing"}, {"title", "Pricing"}}}};
  FieldErrors errors;
  const auto in = segment_to_interaction(msg, "page", kReceived, errors);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->type, EventType::Page);
  EXPECT_EQ(in->name, "Pricing");
  EXPECT_EQ(in->channel, "website");
  EXPECT_EQ(in->url, "https://shop.example/pricing");
  EXPECT_EQ(in->anonymous_id, "anon");
  EXPECT_TRUE(in->customer_id.empty());
}

TEST(SegmentToInteraction, ScreenIsAPageWithoutTheWebsiteChannel) {
  const json msg = {{"messageId", "s1"}, {"userId", "u"}, {"name", "Home"}};
  FieldErrors errors;
  const auto in = segment_to_interaction(msg, "screen", kReceived, errors);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->type, EventType::Page);
  EXPECT_EQ(in->name, "Home");
  EXPECT_TRUE(in->channel.empty());
}

TEST(SegmentToInteraction, IdentifyKeepsTraits) {
  const json msg = {{"messageId", "i1"},
                    {"userId", "user-1"},
                    {"anonymousId", "anon-1"},
                    {"traits", {{"email", "a@example.com"}, {"plan", "pro"}}}};
  FieldErrors errors;
  const auto in = segment_to_interaction(msg, "identify", kReceived, errors);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->type, EventType::Identify);
  EXPECT_EQ(json::parse(in->traits_json), msg["traits"]);
  EXPECT_EQ(in->customer_id, "user-1");
  EXPECT_EQ(in->anonymous_id, "anon-1");
}

TEST(SegmentToInteraction, AliasBecomesAnIdentifyLinkingPreviousIdToUserId) {
  const json msg = {{"messageId", "al1"}, {"userId", "new-id"}, {"previousId", "old-id"}};
  FieldErrors errors;
  const auto in = segment_to_interaction(msg, "alias", kReceived, errors);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->type, EventType::Identify);
  EXPECT_EQ(in->customer_id, "new-id");
  EXPECT_EQ(in->anonymous_id, "old-id");
}

TEST(SegmentToInteraction, AliasNeedsBothIds) {
  FieldErrors errors;
  EXPECT_FALSE(segment_to_interaction(json{{"messageId", "a"}, {"userId", "u"}}, "alias", kReceived, errors));
  EXPECT_EQ(fields_of(errors), std::set<std::string>{"previousId"});

  errors.clear();
  EXPECT_FALSE(segment_to_interaction(json{{"messageId", "a"}, {"previousId", "p"}, {"anonymousId", "x"}},
                                      "alias", kReceived, errors));
  EXPECT_EQ(fields_of(errors), std::set<std::string>{"userId"});
}

TEST(SegmentToInteraction, MissingMessageIdNamesSegmentsField) {
  FieldErrors errors;
  EXPECT_FALSE(segment_to_interaction(json{{"userId", "u"}, {"event", "x"}}, "track", kReceived, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "messageId");
  EXPECT_THAT(errors[0].error, HasSubstr("required"));
}

TEST(SegmentToInteraction, NeedsUserIdOrAnonymousId) {
  FieldErrors errors;
  EXPECT_FALSE(segment_to_interaction(json{{"messageId", "m"}, {"event", "x"}}, "track", kReceived, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "userId");
  EXPECT_EQ(errors[0].error, "userId or anonymousId is required");

  // null counts as absent.
  errors.clear();
  EXPECT_FALSE(segment_to_interaction(json{{"messageId", "m"}, {"userId", nullptr}, {"anonymousId", nullptr}},
                                      "track", kReceived, errors));
  EXPECT_EQ(fields_of(errors), std::set<std::string>{"userId"});
}

TEST(SegmentToInteraction, ErrorsUseSegmentFieldNames) {
  const json msg = {{"messageId", "m"},
                    {"userId", true},
                    {"event", 5},
                    {"properties", "x"},
                    {"context", {{"sessionId", json::array()}}},
                    {"timestamp", "not a time"}};
  FieldErrors errors;
  EXPECT_FALSE(segment_to_interaction(msg, "track", kReceived, errors));
  EXPECT_EQ(fields_of(errors),
            (std::set<std::string>{"userId", "event", "properties", "context.sessionId", "timestamp"}));
}

TEST(SegmentToInteraction, NumericUserIdIsText) {
  FieldErrors errors;
  const auto in =
      segment_to_interaction(json{{"messageId", 17}, {"userId", 123456}}, "track", kReceived, errors);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->id, "17");
  EXPECT_EQ(in->customer_id, "123456");
}

TEST(SegmentToInteraction, BatchMessagesCarryTheirOwnType) {
  FieldErrors errors;
  const auto page = segment_to_interaction(json{{"type", "page"}, {"messageId", "m"}, {"userId", "u"}}, "",
                                           kReceived, errors);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->type, EventType::Page);

  // The route's type wins over the message's own.
  const auto track = segment_to_interaction(json{{"type", "page"}, {"messageId", "m"}, {"userId", "u"}},
                                            "track", kReceived, errors);
  ASSERT_TRUE(track);
  EXPECT_EQ(track->type, EventType::Track);
}

TEST(SegmentToInteraction, BatchMessageWithoutOrWithUnsupportedType) {
  FieldErrors errors;
  EXPECT_FALSE(segment_to_interaction(json{{"messageId", "m"}, {"userId", "u"}}, "", kReceived, errors));
  EXPECT_EQ(fields_of(errors), std::set<std::string>{"type"});

  errors.clear();
  EXPECT_FALSE(segment_to_interaction(json{{"type", "group"}, {"messageId", "m"}, {"userId", "u"}}, "",
                                      kReceived, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "type");
  EXPECT_THAT(errors[0].error, HasSubstr("'group'"));

  // A hostile type name is cut short in the error.
  errors.clear();
  EXPECT_FALSE(segment_to_interaction(
      json{{"type", std::string(1000, 'x')}, {"messageId", "m"}, {"userId", "u"}}, "", kReceived, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_LT(errors[0].error.size(), 200u);

  // Cut on a character boundary: errors go into the JSON answer and the dead letter, and half a character
  // made serialising them throw, so a batch holding such a message was answered 500 on every retry, its
  // valid events with it (tests/fuzz/corpus/event_body/segment_type_cut_mid_character.json).
  errors.clear();
  std::string accented = "a";
  for (int i = 0; i < 20; ++i) accented += "\u00e9";  // 'a' and 2-byte characters: byte 32 is mid-character
  EXPECT_FALSE(segment_to_interaction(json{{"type", accented}, {"messageId", "m"}, {"userId", "u"}}, "",
                                      kReceived, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].error, HasSubstr("'a\u00e9\u00e9"));
  EXPECT_NO_THROW(json(errors[0].error).dump());
}

TEST(SegmentToInteraction, NonObjectMessageIsRejected) {
  FieldErrors errors;
  EXPECT_FALSE(segment_to_interaction(json::array({1}), "track", kReceived, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "");
}

TEST(SegmentToInteraction, TimestampDefaultsAndClockSkewCorrection) {
  const json base = {{"messageId", "m"}, {"userId", "u"}};
  FieldErrors errors;

  // No time at all: the receive time.
  auto in = segment_to_interaction(base, "track", kReceived, errors);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->timestamp_ms, kReceived);

  // originalTimestamp alone is taken as is.
  json msg = base;
  msg["originalTimestamp"] = "2026-11-23T09:00:00.000Z";
  in = segment_to_interaction(msg, "track", kReceived, errors);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->timestamp_ms, parse_rfc3339_ms("2026-11-23T09:00:00Z"));

  // With sentAt, the device clock's skew is removed: received - (sentAt - originalTimestamp).
  msg["sentAt"] = "2026-11-23T09:00:05.000Z";  // sent 5 s after it happened, by the device's clock
  in = segment_to_interaction(msg, "track", kReceived, errors);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->timestamp_ms, kReceived - 5000);

  // An explicit timestamp wins over both.
  msg["timestamp"] = "2026-11-23T08:00:00.000Z";
  in = segment_to_interaction(msg, "track", kReceived, errors);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->timestamp_ms, parse_rfc3339_ms("2026-11-23T08:00:00Z"));
  EXPECT_TRUE(errors.empty());
}

TEST(SegmentToInteraction, LimitsApply) {
  InteractionLimits limits;
  limits.max_string_bytes = 8;
  FieldErrors errors;
  EXPECT_FALSE(
      segment_to_interaction(json{{"messageId", "m"}, {"userId", "u"}, {"event", "a much longer name"}},
                             "track", kReceived, errors, limits));
  EXPECT_EQ(fields_of(errors), std::set<std::string>{"event"});
}

// What a Segment message means, written the plain way: the canonical event object built from it (values
// copied), read by interaction_from_json. The adapter reads the message's values in place instead; the
// two must agree on every message.
std::optional<Interaction> canonical_reading(const json& msg, std::string_view route_type,
                                             const InteractionLimits& limits) {
  auto member = [](const json& obj, std::string_view key) -> const json* {
    if (!obj.is_object()) return nullptr;
    auto it = obj.find(key);
    return it == obj.end() || it->is_null() ? nullptr : &*it;
  };
  auto at = [&](std::initializer_list<std::string_view> keys) -> const json* {
    const json* cur = &msg;
    for (const auto k : keys)
      if (!(cur = member(*cur, k))) return nullptr;
    return cur;
  };
  if (!msg.is_object()) return std::nullopt;
  std::string type(route_type);
  if (type.empty()) {
    const json* t = member(msg, "type");
    if (!t || !t->is_string()) return std::nullopt;
    type = t->get<std::string>();
  }
  json c = json::object();
  auto copy = [&](std::string_view from, const char* to) {
    if (const json* v = member(msg, from)) c[to] = *v;
  };
  copy("messageId", "id");
  copy("userId", "customer_id");
  copy("anonymousId", "anonymous_id");
  if (const json* v = at({"context", "sessionId"})) c["session_id"] = *v;
  if (type == "track") {
    c["type"] = "track";
    copy("event", "name");
    copy("properties", "properties");
  } else if (type == "page" || type == "screen") {
    c["type"] = "page";
    copy("name", "name");
    copy("properties", "properties");
    if (type == "page") c["channel"] = "website";
  } else if (type == "identify") {
    c["type"] = "identify";
    copy("traits", "traits");
  } else if (type == "alias") {
    c["type"] = "identify";
    copy("previousId", "anonymous_id");
    if (!member(msg, "previousId") || !member(msg, "userId")) return std::nullopt;
  } else {
    return std::nullopt;
  }
  const json* url = at({"properties", "url"});
  if (!url || !url->is_string()) url = at({"context", "page", "url"});
  if (url && url->is_string()) c["url"] = *url;
  if (const json* ts = member(msg, "timestamp")) {
    c["timestamp"] = *ts;
  } else if (const json* original = member(msg, "originalTimestamp"); original && original->is_string()) {
    const auto o = parse_rfc3339_ms(original->get<std::string>());
    const json* sent = member(msg, "sentAt");
    const auto s = sent && sent->is_string() ? parse_rfc3339_ms(sent->get<std::string>()) : std::nullopt;
    if (o) c["timestamp"] = format_rfc3339_ms(s ? kReceived - (*s - *o) : *o);
  }
  FieldErrors errors;
  return interaction_from_json(c, kReceived, errors, limits);
}

json random_value(std::mt19937& rng, int depth = 0) {
  switch (rng() % (depth > 1 ? 7 : 9)) {
    case 0:
      return nullptr;
    case 1:
      return "v" + std::to_string(rng() % 5);
    case 2:
      return static_cast<int>(rng() % 200) - 100;
    case 3:
      return (rng() % 1000) / 7.0;
    case 4:
      return rng() % 2 == 0;
    case 5:
      return rng() % 2 ? "2026-11-23T09:15:00.250Z" : "2026-11-23T10:00:00+02:00";
    case 6:
      return std::string(rng() % 3 == 0 ? 40 : 0, 'x') + "not a date";
    case 7: {
      json o = json::object();
      for (unsigned i = rng() % 4; i > 0; --i)
        o[std::array{"url", "sessionId", "page", "title", "k"}[rng() % 5]] = random_value(rng, depth + 1);
      return o;
    }
    default:
      return json::array({random_value(rng, depth + 1)});
  }
}

TEST(SegmentToInteraction, AgreesWithTheCanonicalEventBuiltFromTheMessage) {
  std::mt19937 rng(20261206);
  const std::array<std::string_view, 13> keys{
      "type",       "messageId", "userId",  "anonymousId", "previousId",        "event", "name",
      "properties", "traits",    "context", "timestamp",   "originalTimestamp", "sentAt"};
  const std::array<std::string_view, 7> routes{"", "track", "page", "screen", "identify", "alias", "group"};
  const std::array<std::string_view, 7> types{"track", "page", "screen", "identify", "alias", "group", ""};
  InteractionLimits limits;
  limits.max_string_bytes = 32;  // so that some strings are too long
  size_t accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    json msg = json::object();
    for (const auto key : keys)
      if (rng() % 3 != 0) msg[std::string(key)] = random_value(rng);
    if (rng() % 2) msg["type"] = std::string(types[rng() % types.size()]);
    if (rng() % 2) msg["messageId"] = "m-" + std::to_string(round);
    if (rng() % 2) msg["userId"] = "u-" + std::to_string(rng() % 9);
    const std::string_view route = routes[rng() % routes.size()];

    FieldErrors errors;
    const auto in = segment_to_interaction(msg, route, kReceived, errors, limits);
    const auto expected = canonical_reading(msg, route, limits);
    ASSERT_EQ(in.has_value(), expected.has_value()) << route << " " << msg.dump();
    EXPECT_EQ(in.has_value(), errors.empty()) << route << " " << msg.dump();
    if (!in) continue;
    ++accepted;
    const Interaction& a = *in;
    const Interaction& b = *expected;
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.customer_id, b.customer_id);
    EXPECT_EQ(a.anonymous_id, b.anonymous_id);
    EXPECT_EQ(a.session_id, b.session_id);
    EXPECT_EQ(a.timestamp_ms, b.timestamp_ms) << msg.dump();
    EXPECT_EQ(a.channel, b.channel);
    EXPECT_EQ(a.url, b.url);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.properties_json, b.properties_json);
    EXPECT_EQ(a.traits_json, b.traits_json);
  }
  EXPECT_GT(accepted, 200u) << "the generator must produce valid messages too";
}

}  // namespace
}  // namespace tp
