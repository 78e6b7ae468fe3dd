#include "model/interaction_json.h"

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
using ::testing::Not;

constexpr int64_t kReceived = 1'800'000'000'000;

std::set<std::string> fields_of(const FieldErrors& errors) {
  std::set<std::string> out;
  for (const auto& e : errors) out.insert(e.field);
  return out;
}

const FieldError* error_on(const FieldErrors& errors, const std::string& field) {
  auto it = std::find_if(errors.begin(), errors.end(), [&](const FieldError& e) { return e.field == field; });
  return it == errors.end() ? nullptr : &*it;
}

// A minimal valid event, to which each test adds or removes what it is about.
json minimal() {
  return {{"id", "evt-1"}, {"type", "track"}, {"customer_id", "cust-1"}};
}

TEST(InteractionFromJson, MapsEveryField) {
  const json event = json::parse(R"({
    "id": "evt-1",
    "type": "message",
    "customer_id": "cust-9",
    "anonymous_id": "anon-3",
    "session_id": "sess-1",
    "timestamp": "2026-11-23T09:15:00.250+02:00",
    "channel": "chatbot",
    "role": "bot",
    "text": "Labdien! Kā varu palīdzēt? Чем могу помочь? 😀",
    "intent": "greeting",
    "confidence": 0.87,
    "fallback": false,
    "escalated": true,
    "rating": 4,
    "url": "https://shop.example/help?q=1",
    "name": "chat turn",
    "properties": {"b": 2, "a": [1, "x", {"deep": null}]},
    "traits": {"plan": "pro", "seats": 5},
    "tags": {"persona": "first-time-buyer", "stage": "support", "touchpoint": "chatbot"}
  })");
  FieldErrors errors;
  const auto in = interaction_from_json(event, kReceived, errors);
  ASSERT_TRUE(in) << (errors.empty() ? "" : errors[0].field + ": " + errors[0].error);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(in->id, "evt-1");
  EXPECT_EQ(in->type, EventType::Message);
  EXPECT_EQ(in->customer_id, "cust-9");
  EXPECT_EQ(in->anonymous_id, "anon-3");
  EXPECT_EQ(in->session_id, "sess-1");
  EXPECT_EQ(in->timestamp_ms, parse_rfc3339_ms("2026-11-23T07:15:00.250Z"));
  EXPECT_EQ(in->channel, "chatbot");
  EXPECT_EQ(in->role, Role::Bot);
  EXPECT_EQ(in->text, event["text"].get<std::string>());
  EXPECT_EQ(in->intent, "greeting");
  ASSERT_TRUE(in->confidence);
  EXPECT_DOUBLE_EQ(*in->confidence, 0.87);
  EXPECT_EQ(in->fallback, false);
  EXPECT_EQ(in->escalated, true);
  EXPECT_EQ(in->rating, 4);
  EXPECT_EQ(in->url, "https://shop.example/help?q=1");
  EXPECT_EQ(in->name, "chat turn");
  // Kept as compact JSON text that parses back to the same object.
  EXPECT_EQ(json::parse(in->properties_json), event["properties"]);
  EXPECT_EQ(json::parse(in->traits_json), event["traits"]);
  EXPECT_THAT(in->properties_json, Not(HasSubstr(" ")));
  EXPECT_EQ(in->preset_tags.persona, "first-time-buyer");
  EXPECT_EQ(in->preset_tags.stage, "support");
  EXPECT_EQ(in->preset_tags.touchpoint, "chatbot");
}

TEST(InteractionFromJson, MinimalEventGetsDefaults) {
  FieldErrors errors;
  const auto in = interaction_from_json(minimal(), kReceived, errors);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->timestamp_ms, kReceived);  // no timestamp: the receive time
  EXPECT_EQ(in->role, Role::None);
  EXPECT_FALSE(in->confidence);
  EXPECT_FALSE(in->fallback);
  EXPECT_FALSE(in->escalated);
  EXPECT_FALSE(in->rating);
  EXPECT_TRUE(in->anonymous_id.empty());
  EXPECT_TRUE(in->properties_json.empty());
  EXPECT_TRUE(in->traits_json.empty());
  EXPECT_TRUE(in->preset_tags.empty());
}

TEST(InteractionFromJson, NullMeansAbsent) {
  json event = minimal();
  for (const char* key : {"anonymous_id", "session_id", "timestamp", "channel", "role", "text", "confidence",
                          "fallback", "rating", "properties", "traits", "tags"})
    event[key] = nullptr;
  FieldErrors errors;
  const auto in = interaction_from_json(event, kReceived, errors);
  ASSERT_TRUE(in) << errors.size() << " errors, first on " << (errors.empty() ? "" : errors[0].field);
  EXPECT_EQ(in->timestamp_ms, kReceived);
  EXPECT_FALSE(in->confidence);
  EXPECT_TRUE(in->properties_json.empty());
}

TEST(InteractionFromJson, EmptyObjectsAreStoredAsAbsent) {
  json event = minimal();
  event["properties"] = json::object();
  event["traits"] = json::object();
  FieldErrors errors;
  const auto in = interaction_from_json(event, kReceived, errors);
  ASSERT_TRUE(in);
  EXPECT_TRUE(in->properties_json.empty());
  EXPECT_TRUE(in->traits_json.empty());
}

TEST(InteractionFromJson, AnonymousIdAloneIsEnough) {
  json event = minimal();
  event.erase("customer_id");
  event["anonymous_id"] = "anon-1";
  FieldErrors errors;
  const auto in = interaction_from_json(event, kReceived, errors);
  ASSERT_TRUE(in);
  EXPECT_TRUE(in->customer_id.empty());
  EXPECT_EQ(in->anonymous_id, "anon-1");
}

TEST(InteractionFromJson, MissingIdIsAnError) {
  json event = minimal();
  event.erase("id");
  FieldErrors errors;
  EXPECT_FALSE(interaction_from_json(event, kReceived, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "id");
  EXPECT_THAT(errors[0].error, HasSubstr("required"));
}

TEST(InteractionFromJson, EmptyIdIsAnError) {
  json event = minimal();
  event["id"] = "";
  FieldErrors errors;
  EXPECT_FALSE(interaction_from_json(event, kReceived, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "id");
  EXPECT_THAT(errors[0].error, HasSubstr("empty"));
}

TEST(InteractionFromJson, MissingTypeIsAnError) {
  json event = minimal();
  event.erase("type");
  FieldErrors errors;
  EXPECT_FALSE(interaction_from_json(event, kReceived, errors));
  EXPECT_EQ(fields_of(errors), std::set<std::string>{"type"});
}

TEST(InteractionFromJson, NeedsCustomerOrAnonymousId) {
  json event = minimal();
  event.erase("customer_id");
  FieldErrors errors;
  EXPECT_FALSE(interaction_from_json(event, kReceived, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "customer_id");
  EXPECT_THAT(errors[0].error, HasSubstr("anonymous_id"));

  // Empty strings do not count as ids either.
  event["customer_id"] = "";
  event["anonymous_id"] = "";
  errors.clear();
  EXPECT_FALSE(interaction_from_json(event, kReceived, errors));
  EXPECT_EQ(fields_of(errors), std::set<std::string>{"customer_id"});
}

TEST(InteractionFromJson, UnknownFieldIsRejected) {
  json event = minimal();
  event["colour"] = "blue";
  FieldErrors errors;
  EXPECT_FALSE(interaction_from_json(event, kReceived, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "colour");
  EXPECT_THAT(errors[0].error, HasSubstr("unknown"));
}

TEST(InteractionFromJson, WrongTypesNameTheirField) {
  const std::pair<const char*, json> cases[] = {
      {"type", 3},
      {"type", "screen"},
      {"session_id", true},
      {"channel", 5},
      {"text", json::array({"a"})},
      {"intent", json::object()},
      {"role", "robot"},
      {"role", 1},
      {"fallback", "yes"},
      {"escalated", 1},
      {"url", false},
      {"name", 1.5},
      {"properties", json::array({1, 2})},
      {"properties", "a=b"},
      {"traits", 7},
      {"tags", "vip"},
      {"customer_id", 1.5},
      {"anonymous_id", json::object()},
  };
  for (const auto& [field, value] : cases) {
    json event = minimal();
    event[field] = value;
    if (std::string(field) == "customer_id")
      event["anonymous_id"] = "a";  // keep an id so only one error shows
    FieldErrors errors;
    EXPECT_FALSE(interaction_from_json(event, kReceived, errors)) << field << "=" << value.dump();
    EXPECT_EQ(fields_of(errors), std::set<std::string>{field}) << field << "=" << value.dump();
  }
}

TEST(InteractionFromJson, TagsAreCheckedOneByOne) {
  json event = minimal();
  event["tags"] = {{"stage", 5}, {"mood", "happy"}, {"persona", "p"}};
  FieldErrors errors;
  EXPECT_FALSE(interaction_from_json(event, kReceived, errors));
  EXPECT_EQ(fields_of(errors), (std::set<std::string>{"tags.stage", "tags.mood"}));
}

TEST(InteractionFromJson, ConfidenceMustBeFromZeroToOne) {
  for (const json& ok : {json(0), json(1), json(0.0), json(1.0), json(0.5)}) {
    json event = minimal();
    event["confidence"] = ok;
    FieldErrors errors;
    const auto in = interaction_from_json(event, kReceived, errors);
    ASSERT_TRUE(in) << ok.dump();
    EXPECT_DOUBLE_EQ(*in->confidence, ok.get<double>());
  }
  for (const json& bad : {json(-0.01), json(1.01), json(2), json(-1), json("0.5"), json(true)}) {
    json event = minimal();
    event["confidence"] = bad;
    FieldErrors errors;
    EXPECT_FALSE(interaction_from_json(event, kReceived, errors)) << bad.dump();
    EXPECT_EQ(fields_of(errors), std::set<std::string>{"confidence"}) << bad.dump();
  }
}

TEST(InteractionFromJson, RatingMustBeAWholeNumberFromOneToFive) {
  for (const json& ok : {json(1), json(5), json(3), json(3.0), json(5u)}) {
    json event = minimal();
    event["rating"] = ok;
    FieldErrors errors;
    const auto in = interaction_from_json(event, kReceived, errors);
    ASSERT_TRUE(in) << ok.dump();
    EXPECT_EQ(in->rating, static_cast<int>(ok.get<double>()));
  }
  for (const json& bad : {json(0), json(6), json(-1), json(2.5), json(0.9999), json(5.0001), json(1e10),
                          json(-1e300), json(4294967297LL), json("3"), json(false)}) {
    json event = minimal();
    event["rating"] = bad;
    FieldErrors errors;
    EXPECT_FALSE(interaction_from_json(event, kReceived, errors)) << bad.dump();
    EXPECT_EQ(fields_of(errors), std::set<std::string>{"rating"}) << bad.dump();
  }
}

TEST(InteractionFromJson, TimestampMustBeRfc3339) {
  for (const json& bad : {json("yesterday"), json("2026-02-30T00:00:00Z"), json("2026-11-23T09:15:00"),
                          json(1700000000000), json(true)}) {
    json event = minimal();
    event["timestamp"] = bad;
    FieldErrors errors;
    EXPECT_FALSE(interaction_from_json(event, kReceived, errors)) << bad.dump();
    ASSERT_EQ(errors.size(), 1u) << bad.dump();
    EXPECT_EQ(errors[0].field, "timestamp");
    EXPECT_THAT(errors[0].error, HasSubstr("RFC 3339"));
  }
}

TEST(InteractionFromJson, CollectsEveryErrorWithItsField) {
  const json event = {{"type", "nope"}, {"text", 5},   {"confidence", 7},
                      {"bogus", 1},     {"rating", 9}, {"timestamp", "soon"}};
  FieldErrors errors;
  EXPECT_FALSE(interaction_from_json(event, kReceived, errors));
  EXPECT_EQ(fields_of(errors), (std::set<std::string>{"type", "text", "confidence", "bogus", "rating",
                                                      "timestamp", "id", "customer_id"}));
  for (const auto& e : errors) EXPECT_FALSE(e.error.empty()) << e.field;
}

TEST(InteractionFromJson, ErrorsDoNotEchoTheValue) {
  const json event = {{"id", "x"},
                      {"type", "SECRET-TYPE"},
                      {"customer_id", "c"},
                      {"role", "SECRET-ROLE"},
                      {"timestamp", "SECRET-TIME"}};
  FieldErrors errors;
  EXPECT_FALSE(interaction_from_json(event, kReceived, errors));
  ASSERT_EQ(errors.size(), 3u);
  for (const auto& e : errors) EXPECT_THAT(e.error, Not(HasSubstr("SECRET"))) << e.field;
}

TEST(InteractionFromJson, OversizedStringsAreRejected) {
  InteractionLimits limits;
  limits.max_string_bytes = 10;
  json event = minimal();
  event["text"] = std::string(10, 'a');
  FieldErrors errors;
  ASSERT_TRUE(interaction_from_json(event, kReceived, errors, limits));

  event["text"] = std::string(11, 'a');
  event["tags"] = {{"stage", std::string(11, 's')}};
  EXPECT_FALSE(interaction_from_json(event, kReceived, errors, limits));
  EXPECT_EQ(fields_of(errors), (std::set<std::string>{"text", "tags.stage"}));
  EXPECT_THAT(error_on(errors, "text")->error, HasSubstr("10 bytes"));
}

TEST(InteractionFromJson, OversizedStringIdIsReportedOnce) {
  InteractionLimits limits;
  limits.max_string_bytes = 10;
  json event = minimal();
  event["id"] = std::string(11, 'i');
  FieldErrors errors;
  EXPECT_FALSE(interaction_from_json(event, kReceived, errors, limits));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "id");
  EXPECT_THAT(errors[0].error, HasSubstr("longer"));
}

TEST(InteractionFromJson, IdsHaveTheirOwnLengthLimit) {
  json event = minimal();
  event["id"] = std::string(512, 'i');
  FieldErrors errors;
  ASSERT_TRUE(interaction_from_json(event, kReceived, errors));
  event["id"] = std::string(513, 'i');  // far below max_string_bytes, above the id limit
  EXPECT_FALSE(interaction_from_json(event, kReceived, errors));
  EXPECT_EQ(fields_of(errors), std::set<std::string>{"id"});
}

TEST(InteractionFromJson, IntegerIdsAreConvertedToText) {
  const json event = {{"id", 42},
                      {"type", "identify"},
                      {"customer_id", 123456789012LL},
                      {"anonymous_id", -7},
                      {"session_id", 18446744073709551615ULL}};
  FieldErrors errors;
  const auto in = interaction_from_json(event, kReceived, errors);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->id, "42");
  EXPECT_EQ(in->customer_id, "123456789012");
  EXPECT_EQ(in->anonymous_id, "-7");
  EXPECT_EQ(in->session_id, "18446744073709551615");
}

TEST(InteractionFromJson, NonIntegerIdsAreRejected) {
  for (const json& bad : {json(4.2), json(true), json::array({1}), json::object()}) {
    json event = minimal();
    event["id"] = bad;
    FieldErrors errors;
    EXPECT_FALSE(interaction_from_json(event, kReceived, errors)) << bad.dump();
    ASSERT_EQ(errors.size(), 1u) << bad.dump();
    EXPECT_EQ(errors[0].field, "id");
    EXPECT_THAT(errors[0].error, HasSubstr("string"));
  }
}

TEST(InteractionFromJson, NonObjectEventIsRejected) {
  for (const json& bad : {json::array(), json(1), json("event"), json(nullptr)}) {
    FieldErrors errors;
    EXPECT_FALSE(interaction_from_json(bad, kReceived, errors)) << bad.dump();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].field, "");
    EXPECT_THAT(errors[0].error, HasSubstr("object"));
  }
}

TEST(InteractionFromJson, ErrorsAlreadyInTheListAreKeptAndDoNotFailAValidEvent) {
  FieldErrors errors{{"earlier", "from another event"}};
  const auto in = interaction_from_json(minimal(), kReceived, errors);
  EXPECT_TRUE(in);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "earlier");

  json bad = minimal();
  bad["text"] = 1;
  EXPECT_FALSE(interaction_from_json(bad, kReceived, errors));
  EXPECT_EQ(fields_of(errors), (std::set<std::string>{"earlier", "text"}));
}

TEST(ApproxJsonSize, GrowsWithContentAndCoversStringBytes) {
  const json small = {{"a", "b"}};
  const json big = {{"a", std::string(10000, 'x')}};
  EXPECT_GE(approx_json_size(big), 10000u);
  EXPECT_GT(approx_json_size(big), approx_json_size(small));
  const json nested = json::array({json::array({json::array({1, 2.5, true, nullptr})})});
  EXPECT_GE(approx_json_size(nested), nested.dump().size() / 2);
  // For string-heavy values the estimate is close to the real text size.
  const json event = {{"text", std::string(5000, 'y')}, {"name", std::string(3000, 'z')}};
  const double real = static_cast<double>(event.dump().size());
  EXPECT_NEAR(static_cast<double>(approx_json_size(event)), real, real * 0.05);
}

}  // namespace
}  // namespace tp
