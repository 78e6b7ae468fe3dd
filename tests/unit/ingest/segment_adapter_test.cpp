#include "ingest/segment_adapter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
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

}  // namespace
}  // namespace tp
