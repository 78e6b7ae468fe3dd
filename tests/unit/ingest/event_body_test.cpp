#include "ingest/event_body.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tp {
namespace {

using ::testing::HasSubstr;

std::string nested_arrays(size_t depth, const std::string& inner = "{}") {
  return std::string(depth, '[') + inner + std::string(depth, ']');
}

TEST(ParseEventBody, SingleObjectIsOneEvent) {
  const EventBody body = parse_event_body(R"({"id":"1","type":"track"})");
  ASSERT_TRUE(body.ok()) << body.error;
  ASSERT_EQ(body.events.size(), 1u);
  EXPECT_EQ((*body.events[0])["id"], "1");
  EXPECT_EQ(body.events[0], &body.doc) << "events point into the parsed document";
}

TEST(ParseEventBody, ArrayIsAListOfEvents) {
  const EventBody body = parse_event_body(R"([{"id":"1"},{"id":"2"},{"id":"3"}])");
  ASSERT_TRUE(body.ok());
  ASSERT_EQ(body.events.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ((*body.events[i])["id"], std::to_string(i + 1));
}

TEST(ParseEventBody, SegmentBatchShape) {
  const EventBody body =
      parse_event_body(R"({"batch":[{"messageId":"a"},{"messageId":"b"}],"writeKey":"k","sentAt":"x"})");
  ASSERT_TRUE(body.ok());
  ASSERT_EQ(body.events.size(), 2u);
  EXPECT_EQ((*body.events[1])["messageId"], "b");
  EXPECT_EQ(body.doc["writeKey"], "k") << "the rest of the envelope stays readable";
}

// `events` point into `doc`: a copy or a move must point them into its own doc. Before, only copy elision
// kept them right; a moved or copied body read its events from the source's (freed) document.
TEST(ParseEventBody, CopiesAndMovesPointIntoTheirOwnDocument) {
  for (const char* text :
       {R"({"id":"1"})", R"([{"id":"1"},{"id":"2"}])", R"({"batch":[{"id":"1"},{"id":"2"}]})"}) {
    auto points_into_own_doc = [&](const EventBody& b) {
      ASSERT_TRUE(b.ok()) << text;
      std::vector<const nlohmann::json*> own;
      if (b.doc.is_array() || b.doc.contains("batch"))
        for (const auto& e : b.doc.is_array() ? b.doc : b.doc.at("batch")) own.push_back(&e);
      else
        own.push_back(&b.doc);
      EXPECT_EQ(b.events, own) << text;
      EXPECT_EQ((*b.events.at(0))["id"], "1") << text;
    };

    std::optional<EventBody> source(parse_event_body(text));
    const EventBody copied(*source);
    EventBody moved(std::move(*source));
    source.reset();  // the source's document is gone
    points_into_own_doc(copied);
    points_into_own_doc(moved);

    EventBody assigned = parse_event_body(R"({"id":"other"})");
    assigned = copied;
    points_into_own_doc(assigned);
    EventBody move_assigned = parse_event_body(R"([{"id":"x"},{"id":"y"},{"id":"z"}])");
    move_assigned = std::move(moved);
    points_into_own_doc(move_assigned);

    // A vector that grows moves its elements.
    std::vector<EventBody> bodies;
    for (int i = 0; i < 20; ++i) bodies.push_back(parse_event_body(text));
    for (const auto& b : bodies) points_into_own_doc(b);
  }
}

TEST(ParseEventBody, ACopiedErrorStaysAnErrorWithoutEvents) {
  const EventBody bad = parse_event_body(R"({"batch":{"messageId":"a"}})");
  const EventBody copy = bad;
  EXPECT_FALSE(copy.ok());
  EXPECT_EQ(copy.field, "batch");
  EXPECT_TRUE(copy.events.empty());
}

TEST(ParseEventBody, EmptyListsAreErrors) {
  const EventBody array = parse_event_body("[]");
  EXPECT_FALSE(array.ok());
  EXPECT_EQ(array.field, "body");
  EXPECT_THAT(array.error, HasSubstr("no events"));

  const EventBody batch = parse_event_body(R"({"batch":[]})");
  EXPECT_FALSE(batch.ok());
  EXPECT_EQ(batch.field, "batch");
  EXPECT_TRUE(batch.events.empty());
}

TEST(ParseEventBody, BatchMustBeAnArray) {
  const EventBody body = parse_event_body(R"({"batch":{"messageId":"a"}})");
  EXPECT_FALSE(body.ok());
  EXPECT_EQ(body.field, "batch");
  EXPECT_THAT(body.error, HasSubstr("array"));
}

TEST(ParseEventBody, NonObjectElementsArePassedOnForPerEventErrors) {
  // The body is fine as a list; each element is judged by the translator, which names its index.
  const EventBody body = parse_event_body(R"([{"id":"1"}, 42, "text", null, []])");
  ASSERT_TRUE(body.ok());
  ASSERT_EQ(body.events.size(), 5u);
  EXPECT_TRUE(body.events[0]->is_object());
  EXPECT_TRUE(body.events[1]->is_number());
  EXPECT_TRUE(body.events[4]->is_array());
}

TEST(ParseEventBody, ScalarBodiesAreRefused) {
  for (const char* text : {"42", "\"event\"", "null", "true"}) {
    const EventBody body = parse_event_body(text);
    EXPECT_FALSE(body.ok()) << text;
    EXPECT_EQ(body.field, "body") << text;
  }
}

TEST(ParseEventBody, InvalidJsonIsRefusedWithItsPosition) {
  for (const char* text : {"", "{", R"({"id": })", "[{}, ]", "{'id': 1}", R"({"id":"1"} trailing)"}) {
    const EventBody body = parse_event_body(text);
    EXPECT_FALSE(body.ok()) << text;
    EXPECT_EQ(body.field, "body") << text;
    EXPECT_THAT(body.error, HasSubstr("not valid JSON")) << text;
    EXPECT_TRUE(body.events.empty());
  }
  EXPECT_THAT(parse_event_body(R"({"a": x})").error, HasSubstr("at byte 7"));
}

// nlohmann reports a number beyond a double with out_of_range, not parse_error: it once got past the
// handler and ended the process. Such a body is a 400 like any other bad JSON; a tiny one is just 0.
TEST(ParseEventBody, ANumberBeyondADoubleIsRefusedNotThrown) {
  for (const char* text : {R"({"id":"1","confidence":1e400})", R"([{"rating":-1e999}])", "1E+99999"}) {
    const EventBody body = parse_event_body(text);
    EXPECT_FALSE(body.ok()) << text;
    EXPECT_EQ(body.field, "body") << text;
    EXPECT_THAT(body.error, HasSubstr("out of range")) << text;
  }
  EXPECT_TRUE(parse_event_body(R"({"id":"1","confidence":1e-400})").ok());
}

TEST(ParseEventBody, InvalidUtf8IsRefused) {
  const EventBody body = parse_event_body("{\"id\":\"\xC3\x28\"}");
  EXPECT_FALSE(body.ok());
  EXPECT_EQ(body.field, "body");
}

TEST(ParseEventBody, NestingUpToTheLimitIsAccepted) {
  // kMaxJsonDepth levels in all: 63 arrays around one object.
  const EventBody body = parse_event_body(nested_arrays(kMaxJsonDepth - 1));
  EXPECT_TRUE(body.ok()) << body.error;
}

TEST(ParseEventBody, NestingBeyondTheLimitIsRefusedBeforeParsing) {
  const EventBody body = parse_event_body(nested_arrays(kMaxJsonDepth));  // 65 levels
  EXPECT_FALSE(body.ok());
  EXPECT_EQ(body.field, "body");
  EXPECT_THAT(body.error, HasSubstr("deeper than 64"));
  EXPECT_TRUE(body.doc.is_null()) << "no parse was attempted";

  // Far deeper, and unterminated: still a quick, clean refusal (no recursion into a million levels).
  const EventBody huge = parse_event_body(std::string(1'000'000, '['));
  EXPECT_FALSE(huge.ok());
  EXPECT_THAT(huge.error, HasSubstr("deeper"));
}

TEST(ParseEventBody, BracketsInsideStringsDoNotCountAsNesting) {
  const std::string text = R"({"id":"1","text":")" + std::string(200, '[') + R"("})";
  const EventBody body = parse_event_body(text);
  EXPECT_TRUE(body.ok()) << body.error;
}

}  // namespace
}  // namespace tp
