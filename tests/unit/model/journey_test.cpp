#include "model/journey.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace tp {
namespace {

using ::testing::HasSubstr;

const std::string kDemoJourney = std::string(TP_SOURCE_DIR) + "/config/journey.json";

std::vector<std::string> paths_of(const std::vector<Diagnostic>& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.pointer);
  return out;
}

const Diagnostic* problem_at(const std::vector<Diagnostic>& problems, const std::string& path) {
  auto it =
      std::find_if(problems.begin(), problems.end(), [&](const Diagnostic& p) { return p.pointer == path; });
  return it == problems.end() ? nullptr : &*it;
}

TEST(Journey, DemoFileLoadsWithFiveStagesInOrder) {
  const JourneyLoad load = load_journey_file(kDemoJourney);
  ASSERT_TRUE(load.ok()) << load.problems[0].pointer << ": " << load.problems[0].message;
  const Journey& j = load.journey;
  ASSERT_EQ(j.stages.size(), 5u);
  const std::vector<std::string> expected = {"awareness", "consideration", "purchase", "onboarding",
                                             "support"};
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(j.stages[i].id, expected[i]);
    EXPECT_EQ(j.stage_index(expected[i]), static_cast<int>(i));
  }
  EXPECT_EQ(j.stages[4].name, "Support & retention");
  EXPECT_FALSE(j.stages[0].description.empty());
  EXPECT_TRUE(j.has_touchpoint("chatbot"));
  EXPECT_TRUE(j.has_touchpoint("website"));
  EXPECT_FALSE(j.has_touchpoint("awareness"));
  EXPECT_TRUE(j.has_persona("first-time-buyer"));
  EXPECT_FALSE(j.has_persona("chatbot"));
  // The touchpoint's third field is its channel.
  const auto chatbot = std::find_if(j.touchpoints.begin(), j.touchpoints.end(),
                                    [](const JourneyTouchpoint& t) { return t.id == "chatbot"; });
  ASSERT_NE(chatbot, j.touchpoints.end());
  EXPECT_EQ(chatbot->channel, "chatbot");
}

TEST(Journey, ANumberBeyondADoubleIsAProblemNotACrash) {
  const JourneyLoad load = parse_journey(R"({"stages":[{"id":"a","order":1e400}],"touchpoints":[]})");
  ASSERT_EQ(load.problems.size(), 1u);
  EXPECT_NE(load.problems[0].message.find("number overflow"), std::string::npos);
}

TEST(Journey, StageIndexOfUnknownIdIsMinusOne) {
  const JourneyLoad load = parse_journey(R"({"stages":[{"id":"a"},{"id":"b"}],"touchpoints":[]})");
  ASSERT_TRUE(load.ok());
  EXPECT_EQ(load.journey.stage_index("a"), 0);
  EXPECT_EQ(load.journey.stage_index("b"), 1);
  EXPECT_EQ(load.journey.stage_index("c"), -1);
  EXPECT_EQ(load.journey.stage_index(""), -1);
}

TEST(Journey, NameDefaultsToTheId) {
  const JourneyLoad load =
      parse_journey(R"({"stages":[{"id":"buy"}],"touchpoints":[{"id":"web","name":"Web"}]})");
  ASSERT_TRUE(load.ok());
  EXPECT_EQ(load.journey.stages[0].name, "buy");
  EXPECT_EQ(load.journey.touchpoints[0].name, "Web");
  EXPECT_TRUE(load.journey.personas.empty());  // personas are optional
}

TEST(Journey, CommentsAreAllowed) {
  const JourneyLoad load = parse_journey(R"(// the journey
    { /* stages */ "stages": [{"id": "a"}], "touchpoints": [] })");
  EXPECT_TRUE(load.ok());
}

TEST(Journey, DuplicateIdsAreReportedWithTheirPath) {
  const JourneyLoad load = parse_journey(R"({
    "stages": [{"id": "a"}, {"id": "b"}, {"id": "a"}],
    "touchpoints": [{"id": "web"}, {"id": "web"}]
  })");
  EXPECT_FALSE(load.ok());
  EXPECT_THAT(paths_of(load.problems), ::testing::UnorderedElementsAre("/stages/2/id", "/touchpoints/1/id"));
  EXPECT_THAT(problem_at(load.problems, "/stages/2/id")->message, HasSubstr("duplicate"));
}

TEST(Journey, ProblemsCarryTheFileLineAndColumn) {
  const JourneyLoad load = parse_journey(
      "{\n"
      "  \"stages\": [{\"id\": \"a\"}, {\"id\": \"a\"}],\n"  // the second "a" at column 34
      "  \"touchpoints\": [],\n"
      "  \"colour\": \"red\"\n"  // the key at column 3
      "}\n",
      "journey.json");
  ASSERT_EQ(load.problems.size(), 2u);
  const Diagnostic* duplicate = problem_at(load.problems, "/stages/1/id");
  ASSERT_NE(duplicate, nullptr);
  EXPECT_EQ(duplicate->file, "journey.json");
  EXPECT_EQ(duplicate->line, 2u);
  EXPECT_EQ(duplicate->column, 34u);
  const Diagnostic* unknown = problem_at(load.problems, "/colour");
  ASSERT_NE(unknown, nullptr);
  EXPECT_EQ(unknown->line, 4u);
  EXPECT_EQ(unknown->column, 3u);
  EXPECT_EQ(format_diagnostic(*unknown, false), "journey.json:4:3: error: /colour: unknown key");
}

TEST(Journey, SameIdInDifferentListsIsFine) {
  const JourneyLoad load = parse_journey(R"({"stages":[{"id":"web"}],"touchpoints":[{"id":"web"}],
                                             "personas":[{"id":"web"}]})");
  EXPECT_TRUE(load.ok());
}

TEST(Journey, MissingAndWrongFieldsAreReportedWithPaths) {
  const JourneyLoad load = parse_journey(R"({
    "stages": [{"name": "No id"}, {"id": "Bad Id!"}, {"id": "ok", "colour": "red"}, {"id": 5}, "stage"],
    "personas": {"id": "p"},
    "extra": true
  })");
  EXPECT_FALSE(load.ok());
  EXPECT_THAT(
      paths_of(load.problems),
      ::testing::UnorderedElementsAre("/stages/0/id", "/stages/1/id", "/stages/2/colour", "/stages/3/id",
                                      "/stages/3/id", "/stages/4", "/touchpoints", "/personas", "/extra"));
  EXPECT_THAT(problem_at(load.problems, "/touchpoints")->message, HasSubstr("required"));
  EXPECT_THAT(problem_at(load.problems, "/personas")->message, HasSubstr("array"));
  EXPECT_THAT(problem_at(load.problems, "/extra")->message, HasSubstr("unknown"));
  EXPECT_THAT(problem_at(load.problems, "/stages/2/colour")->message, HasSubstr("unknown"));
}

TEST(Journey, IdsAreLimitedInLengthAndAlphabet) {
  const std::string ok(64, 'a');
  const std::string too_long(65, 'a');
  EXPECT_TRUE(parse_journey(R"({"stages":[{"id":")" + ok + R"("}],"touchpoints":[]})").ok());
  EXPECT_FALSE(parse_journey(R"({"stages":[{"id":")" + too_long + R"("}],"touchpoints":[]})").ok());
  EXPECT_TRUE(parse_journey(R"({"stages":[{"id":"a-b_c9"}],"touchpoints":[]})").ok());
  for (const char* bad : {"A", "a b", "a.b", "ā", ""})
    EXPECT_FALSE(parse_journey(std::string(R"({"stages":[{"id":")") + bad + R"("}],"touchpoints":[]})").ok())
        << bad;
}

TEST(Journey, AtLeastOneStage) {
  const JourneyLoad load = parse_journey(R"({"stages":[],"touchpoints":[]})");
  EXPECT_FALSE(load.ok());
  EXPECT_EQ(paths_of(load.problems), std::vector<std::string>{"/stages"});
}

TEST(Journey, NotJsonOrNotAnObject) {
  const JourneyLoad broken = parse_journey("{\"stages\": [");
  ASSERT_EQ(broken.problems.size(), 1u);
  EXPECT_EQ(broken.problems[0].pointer, "");
  EXPECT_THAT(broken.problems[0].message, HasSubstr("JSON"));

  const JourneyLoad array = parse_journey("[]");
  ASSERT_EQ(array.problems.size(), 1u);
  EXPECT_EQ(array.problems[0].pointer, "");
}

TEST(Journey, MissingFileIsAProblem) {
  const JourneyLoad load = load_journey_file(std::string(TP_SOURCE_DIR) + "/config/no-such-journey.json");
  ASSERT_EQ(load.problems.size(), 1u);
  EXPECT_THAT(load.problems[0].message, HasSubstr("no-such-journey.json"));
}

}  // namespace
}  // namespace tp
