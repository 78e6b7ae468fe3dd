// Exports and opportunities from a map built on a small scripted history.
#include "analytics/exports.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "analytics/journey_map.h"
#include "support/demo_journey.h"

namespace tp {
namespace {

using json = nlohmann::json;
constexpr int64_t kH = 3600 * 1000;
constexpr int64_t kT0 = 1'800'000'000'000;

using testing::demo_journey;

json scripted_map() {
  JourneyMap map(demo_journey());
  for (int i = 0; i < 10; ++i) {
    const std::string c = "c" + std::to_string(i);
    map.add({kT0, c, "", "consideration", "website", 1.0, {}});
    if (i < 3)
      map.add({kT0 + kH, c, "", "purchase", "website", -1.0, {}});
    else
      map.add({kT0 + kH, c, "", "", "chatbot", std::nullopt, {}});
    if (i < 2) map.add({kT0 + 2 * kH, c, "", "purchase", "chatbot", -0.5, {"unanswered"}});
  }
  json m = map.query({kT0 - kH, kT0 + 3 * kH, ""});
  for (auto& cell : m["cells"]) cell["faq"] = json::array();
  return m;
}

TEST(Exports, CsvFieldsAreQuotedAndFormulasDefused) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
  EXPECT_EQ(csv_field("+1 555"), "'+1 555");
  EXPECT_EQ(csv_field("@cmd"), "'@cmd");
  EXPECT_EQ(csv_field("-0.5"), "-0.5");  // a negative number stays a number
  EXPECT_EQ(csv_field("line\nbreak"), "\"line\nbreak\"");
}

TEST(Exports, OpportunitiesRankCellsAndTransitionsByImpact) {
  const json ops = map_opportunities(scripted_map(), demo_journey());
  ASSERT_GE(ops.size(), 2u);
  // consideration -> purchase: 7 of 10 went no further, impact 7 x 0.7 = 4.9 (the largest).
  EXPECT_EQ(ops[0]["kind"], "transition");
  EXPECT_EQ(ops[0]["stage"], "consideration");
  EXPECT_DOUBLE_EQ(ops[0]["impact"].get<double>(), 4.9);
  EXPECT_EQ(
      ops[0]["line"],
      "Consideration -> Purchase: 70% of customers went no further (7 of 10); most went next to Chatbot");
  // purchase / chatbot: 2 customers, every interaction unanswered: impact 2.
  bool found = false;
  for (const auto& o : ops)
    if (o["kind"] == "cell" && o["touchpoint"] == "chatbot") {
      found = true;
      EXPECT_DOUBLE_EQ(o["impact"].get<double>(), 2.0);
      EXPECT_EQ(o["line"], "Purchase / Chatbot: 100% of interactions with a pain point (mostly unanswered)");
    }
  EXPECT_TRUE(found);
}

TEST(Exports, MermaidJourneyHasSectionsTasksAndScores) {
  const std::string mmd = map_mermaid(scripted_map(), demo_journey(), "Demo: title");
  EXPECT_EQ(mmd.rfind("journey\n  title Demo  title\n", 0), 0u) << mmd;  // ':' would break the syntax
  EXPECT_NE(mmd.find("  section Consideration\n    Website: 5: 10 customers\n"), std::string::npos) << mmd;
  EXPECT_NE(mmd.find("  section Purchase\n    Website: 1: 3 customers\n    Chatbot: 2: 2 customers\n"),
            std::string::npos)
      << mmd;
  EXPECT_EQ(mmd.find("section Awareness"), std::string::npos);  // no cells, no section
}

TEST(Exports, MapCsvHasStageAndCellRows) {
  const std::string csv = map_csv(scripted_map());
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "stage,touchpoint,customers,interactions,sentiment,pain_interactions,top_pain,conversion_to_next,"
            "dropoff,"
            "time_to_next_median_s,time_to_next_p90_s");
  EXPECT_NE(csv.find("\nconsideration,,10,10,1,0,,0.3,7,3600,3600\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\npurchase,chatbot,2,2,-0.5,2,unanswered,,,,\n"), std::string::npos) << csv;
}

}  // namespace
}  // namespace tp
