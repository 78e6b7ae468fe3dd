// Ground truth for the map: scripted customer journeys with known conversions, gaps and drop-offs;
// the figures are computed by hand from the script, not by the code under test.
#include "analytics/journey_map.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "analytics/faq.h"
#include "analytics/snapshot.h"
#include "model/journey.h"
#include "support/demo_journey.h"

namespace tp {
namespace {

using json = nlohmann::json;
constexpr int64_t kH = 3600 * 1000;
constexpr int64_t kT0 = 1'800'000'000'000;  // a fixed day (2027-01-15), well inside the windows below

using testing::demo_journey;

MapRecord rec(const std::string& customer, int64_t ts, const std::string& stage,
              const std::string& touchpoint, std::optional<double> sentiment = std::nullopt,
              std::vector<std::string> pain = {}, const std::string& persona = "first-time-buyer") {
  return {ts, customer, persona, stage, touchpoint, sentiment, std::move(pain)};
}

const json& stage(const json& map, const std::string& id) {
  for (const auto& s : map["stages"])
    if (s["id"] == id) return s;
  static const json none;
  ADD_FAILURE() << "no stage " << id;
  return none;
}

// 10 customers visit pricing (consideration). 6 of them go on to checkout (purchase) 2 h later; 4 of
// those 6 reach onboarding 10 h after purchasing. The 4 who never buy ask the chatbot 1 h later (an
// interaction without a stage), which is where they "went after dropping off".
class ScriptedJourneys : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 10; ++i) {
      const std::string c = "c" + std::to_string(i);
      const int64_t start = kT0 + i * 60'000;  // a minute apart
      map.add(rec(c, start, "consideration", "website", 0.5));
      if (i < 6) {
        map.add(rec(c, start + 2 * kH, "purchase", "website", -0.5,
                    i < 3 ? std::vector<std::string>{"abandoned"} : std::vector<std::string>{}));
        if (i < 4) map.add(rec(c, start + 12 * kH, "onboarding", "email", 1.0));
      } else {
        map.add(rec(c, start + 1 * kH, "", "chatbot", -1.0, {"unanswered"}));
      }
    }
  }
  json query(int64_t from = kT0 - 24 * kH, int64_t to = kT0 + 48 * kH, const std::string& persona = "") {
    return map.query({from, to, persona});
  }
  JourneyMap map{demo_journey()};
};

TEST_F(ScriptedJourneys, StageCountsConversionsAndDropoffs) {
  const json m = query();
  const json& consideration = stage(m, "consideration");
  EXPECT_EQ(consideration["customers"], 10);
  EXPECT_EQ(consideration["interactions"], 10);
  EXPECT_DOUBLE_EQ(consideration["sentiment"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(consideration["conversion_to_next"].get<double>(), 0.6);
  EXPECT_EQ(consideration["dropoff"], 4);
  EXPECT_DOUBLE_EQ(consideration["time_to_next_s"]["median"].get<double>(), 2 * 3600.0);
  EXPECT_DOUBLE_EQ(consideration["time_to_next_s"]["p90"].get<double>(), 2 * 3600.0);
  // The four who dropped off went to the chatbot next (unstaged).
  EXPECT_EQ(consideration["after_dropoff"]["touchpoints"]["chatbot"], 4);
  EXPECT_EQ(consideration["after_dropoff"]["stages"]["(none)"], 4);

  const json& purchase = stage(m, "purchase");
  EXPECT_EQ(purchase["customers"], 6);
  EXPECT_DOUBLE_EQ(purchase["conversion_to_next"].get<double>(), 4.0 / 6.0);
  EXPECT_EQ(purchase["dropoff"], 2);
  EXPECT_DOUBLE_EQ(purchase["time_to_next_s"]["median"].get<double>(), 10 * 3600.0);
  EXPECT_EQ(purchase["pain"]["interactions"], 3);
  EXPECT_EQ(purchase["pain"]["top"][0]["reason"], "abandoned");
  EXPECT_EQ(purchase["pain"]["top"][0]["count"], 3);

  const json& onboarding = stage(m, "onboarding");
  EXPECT_EQ(onboarding["customers"], 4);
  EXPECT_TRUE(onboarding["conversion_to_next"].get<double>() == 0.0);
  EXPECT_EQ(onboarding["dropoff"], 4);  // nobody reached support
  EXPECT_TRUE(onboarding["time_to_next_s"]["median"].is_null());

  const json& awareness = stage(m, "awareness");
  EXPECT_EQ(awareness["customers"], 0);
  EXPECT_TRUE(awareness["sentiment"].is_null());
  EXPECT_TRUE(awareness["conversion_to_next"].is_null());
  EXPECT_EQ(m["unstaged"]["interactions"], 4);
}

TEST_F(ScriptedJourneys, TouchpointsAndCells) {
  const json m = query();
  for (const auto& t : m["touchpoints"]) {
    if (t["id"] == "website") {
      EXPECT_EQ(t["interactions"], 16);
      EXPECT_EQ(t["customers"], 10);
    } else if (t["id"] == "chatbot") {
      EXPECT_EQ(t["interactions"], 4);
      EXPECT_DOUBLE_EQ(t["sentiment"].get<double>(), -1.0);
    } else if (t["id"] == "email") {
      EXPECT_EQ(t["interactions"], 4);
    } else {
      EXPECT_EQ(t["interactions"], 0);
    }
  }
  // Cells only where there were interactions: consideration/website, purchase/website, onboarding/email.
  ASSERT_EQ(m["cells"].size(), 3u);
  EXPECT_EQ(m["cells"][1]["stage"], "purchase");
  EXPECT_EQ(m["cells"][1]["customers"], 6);
  EXPECT_DOUBLE_EQ(m["cells"][1]["sentiment"].get<double>(), -0.5);
}

TEST_F(ScriptedJourneys, WindowsCountOnlyTheirInteractions) {
  // Only the first hour: the pricing visits, nothing else.
  const json m = query(kT0, kT0 + kH);
  EXPECT_EQ(stage(m, "consideration")["customers"], 10);
  EXPECT_EQ(stage(m, "purchase")["customers"], 0);
  // Conversion is about the customers' journeys, not only the window: they did buy later.
  EXPECT_DOUBLE_EQ(stage(m, "consideration")["conversion_to_next"].get<double>(), 0.6);
  // A window after everything: empty.
  EXPECT_EQ(stage(query(kT0 + 30 * kH, kT0 + 40 * kH), "consideration")["customers"], 0);
}

TEST_F(ScriptedJourneys, PersonaFilter) {
  map.add(rec("b1", kT0, "consideration", "website", std::nullopt, {}, "business-account"));
  EXPECT_EQ(stage(query(), "consideration")["customers"], 11);
  EXPECT_EQ(stage(query(kT0 - 24 * kH, kT0 + 48 * kH, "business-account"), "consideration")["customers"], 1);
  EXPECT_EQ(stage(query(kT0 - 24 * kH, kT0 + 48 * kH, "first-time-buyer"), "consideration")["customers"], 10);
}

TEST(JourneyMapLinks, AnIdentifiedVisitorCountsAsOneCustomerRetroactively) {
  JourneyMap map(demo_journey());
  map.add(rec("anon-1", kT0, "consideration", "website"));
  map.add(rec("cust-1", kT0 + kH, "purchase", "chatbot"));
  json m = map.query({kT0 - kH, kT0 + 2 * kH, ""});
  EXPECT_EQ(stage(m, "consideration")["dropoff"], 1);  // not yet known to be the same person
  map.link("anon-1", "cust-1");
  m = map.query({kT0 - kH, kT0 + 2 * kH, ""});
  EXPECT_EQ(stage(m, "consideration")["dropoff"], 0);
  EXPECT_DOUBLE_EQ(stage(m, "consideration")["conversion_to_next"].get<double>(), 1.0);
  size_t website_customers = 0, chatbot_customers = 0;
  for (const auto& t : m["touchpoints"]) {
    if (t["id"] == "website") website_customers = t["customers"];
    if (t["id"] == "chatbot") chatbot_customers = t["customers"];
  }
  EXPECT_EQ(website_customers, 1u);
  EXPECT_EQ(chatbot_customers, 1u);
  // Later interactions under either id land on the same customer.
  map.add(rec("anon-1", kT0 + kH + 1000, "purchase", "website"));
  EXPECT_EQ(stage(map.query({kT0 - kH, kT0 + 2 * kH, ""}), "purchase")["customers"], 1);
}

// Where drop-offs went: the first interaction after the first at the stage that was at another
// touchpoint or another stage. One customer per map, so each figure is that customer's.
constexpr int64_t kMin = 60'000;

json after_dropoff(const JourneyMap& map, const std::string& id) {
  const json m = map.query({kT0 - 24 * kH, kT0 + 48 * kH, ""});
  EXPECT_EQ(stage(m, id)["dropoff"], 1) << id;  // only drop-offs are counted
  return stage(m, id)["after_dropoff"];
}

json went(json touchpoints, json stages) {
  return {{"touchpoints", std::move(touchpoints)}, {"stages", std::move(stages)}};
}

const json kNowhere = went(json::object(), json::object());

TEST(AfterDropoff, AChatbotTurnAtTheSameStageAfterTheWebsiteCounts) {
  // The case: consideration pages on the website, then 10 minutes after the last page a
  // question to the chatbot, tagged consideration too.
  JourneyMap map(demo_journey());
  map.add(rec("v1", kT0, "consideration", "website"));
  map.add(rec("v1", kT0 + 2 * kMin, "consideration", "website"));
  map.add(rec("v1", kT0 + 4 * kMin, "consideration", "website"));
  EXPECT_EQ(after_dropoff(map, "consideration"), kNowhere);
  map.add(rec("v1", kT0 + 14 * kMin, "consideration", "chatbot"));
  EXPECT_EQ(after_dropoff(map, "consideration"), went({{"chatbot", 1}}, {{"consideration", 1}}));
}

TEST(AfterDropoff, MoreOfTheSameStageAndTouchpointIsNotWhereTheyWent) {
  JourneyMap map(demo_journey());
  map.add(rec("v1", kT0, "awareness", "website"));
  map.add(rec("v1", kT0 + 5 * kMin, "awareness", "website"));  // the same place: not "next"
  EXPECT_EQ(after_dropoff(map, "awareness"), kNowhere);
  map.add(rec("v1", kT0 + 10 * kMin, "awareness", "email"));   // another touchpoint
  map.add(rec("v1", kT0 + 20 * kMin, "awareness", "social"));  // after it: not the first elsewhere
  EXPECT_EQ(after_dropoff(map, "awareness"), went({{"email", 1}}, {{"awareness", 1}}));

  // Another stage at the same touchpoint counts (back to awareness after considering).
  JourneyMap back(demo_journey());
  back.add(rec("v2", kT0, "consideration", "website"));
  back.add(rec("v2", kT0 + kMin, "consideration", "website"));
  back.add(rec("v2", kT0 + 2 * kMin, "awareness", "website"));
  EXPECT_EQ(after_dropoff(back, "consideration"), went({{"website", 1}}, {{"awareness", 1}}));

  // No touchpoint is another touchpoint; no stage is another stage ("(none)" in the counts).
  JourneyMap untouched(demo_journey());
  untouched.add(rec("v3", kT0, "consideration", "website"));
  untouched.add(rec("v3", kT0 + kMin, "consideration", ""));
  EXPECT_EQ(after_dropoff(untouched, "consideration"), went({{"(none)", 1}}, {{"consideration", 1}}));
  JourneyMap unstaged(demo_journey());
  unstaged.add(rec("v4", kT0, "consideration", "website"));
  unstaged.add(rec("v4", kT0 + kMin, "", "website"));
  EXPECT_EQ(after_dropoff(unstaged, "consideration"), went({{"website", 1}}, {{"(none)", 1}}));
}

TEST(AfterDropoff, InteractionsArrivingOutOfOrder) {
  // The chatbot turn is delivered before the page that preceded it: the page becomes the first, and
  // the turn where they went next.
  JourneyMap late_page(demo_journey());
  late_page.add(rec("v1", kT0 + 10 * kMin, "consideration", "chatbot"));
  EXPECT_EQ(after_dropoff(late_page, "consideration"), kNowhere);
  late_page.add(rec("v1", kT0, "consideration", "website"));
  EXPECT_EQ(after_dropoff(late_page, "consideration"), went({{"chatbot", 1}}, {{"consideration", 1}}));

  // A late first at the same touchpoint as the former one: the former first is not "elsewhere", what
  // came after it still is.
  JourneyMap same_place(demo_journey());
  same_place.add(rec("v2", kT0 + 5 * kMin, "consideration", "website"));
  same_place.add(rec("v2", kT0 + 10 * kMin, "consideration", "chatbot"));
  same_place.add(rec("v2", kT0, "consideration", "website"));
  EXPECT_EQ(after_dropoff(same_place, "consideration"), went({{"chatbot", 1}}, {{"consideration", 1}}));

  // A late first at another touchpoint than the former first: the former first is where they went,
  // not the later turn that was "next" until then.
  JourneyMap other_place(demo_journey());
  other_place.add(rec("v3", kT0 + 5 * kMin, "consideration", "website"));
  other_place.add(rec("v3", kT0 + 10 * kMin, "consideration", "chatbot"));
  other_place.add(rec("v3", kT0, "consideration", "email"));
  EXPECT_EQ(after_dropoff(other_place, "consideration"), went({{"website", 1}}, {{"consideration", 1}}));

  // A late first at a stage, before an interaction at another stage that was already known.
  JourneyMap other_stage(demo_journey());
  other_stage.add(rec("v4", kT0 + 5 * kMin, "awareness", "social"));
  other_stage.add(rec("v4", kT0 + 20 * kMin, "consideration", "website"));
  other_stage.add(rec("v4", kT0, "consideration", "website"));
  EXPECT_EQ(after_dropoff(other_stage, "consideration"), went({{"social", 1}}, {{"awareness", 1}}));
}

TEST(AfterDropoff, LinkedVisitorsMerge) {
  // The visitor browsed, the identified customer asked the chatbot 10 minutes later.
  JourneyMap map(demo_journey());
  map.add(rec("anon-1", kT0, "consideration", "website"));
  map.add(rec("cust-1", kT0 + 10 * kMin, "consideration", "chatbot"));
  map.link("anon-1", "cust-1");
  EXPECT_EQ(after_dropoff(map, "consideration"), went({{"chatbot", 1}}, {{"consideration", 1}}));

  // The other way round: the customer's first is the earlier one, the visitor's turn came after it.
  JourneyMap reverse(demo_journey());
  reverse.add(rec("cust-2", kT0, "consideration", "website"));
  reverse.add(rec("cust-2", kT0 + 20 * kMin, "consideration", "email"));
  reverse.add(rec("anon-2", kT0 + 5 * kMin, "consideration", "website"));
  reverse.add(rec("anon-2", kT0 + 10 * kMin, "consideration", "chatbot"));
  reverse.link("anon-2", "cust-2");
  EXPECT_EQ(after_dropoff(reverse, "consideration"), went({{"chatbot", 1}}, {{"consideration", 1}}));
}

TEST(AfterDropoff, SurvivesASnapshot) {
  JourneyMap saved(demo_journey());
  saved.add(rec("v1", kT0, "consideration", "website"));
  saved.add(rec("v1", kT0 + 14 * kMin, "consideration", "chatbot"));
  saved.add(rec("v2", kT0, "consideration", "website"));  // no "next" yet
  FaqSummary faq(demo_journey());
  JourneyMap loaded(demo_journey());
  FaqSummary loaded_faq(demo_journey());
  ASSERT_TRUE(decode_snapshot(encode_snapshot(saved, faq, {}), loaded, loaded_faq));
  const json m = loaded.query({kT0 - kH, kT0 + kH, ""});
  EXPECT_EQ(m, saved.query({kT0 - kH, kT0 + kH, ""}));
  EXPECT_EQ(stage(m, "consideration")["after_dropoff"], went({{"chatbot", 1}}, {{"consideration", 1}}));

  // And it goes on from there: v2's first touchpoint was kept (more pages are not "next", the chatbot is).
  loaded.add(rec("v2", kT0 + kMin, "consideration", "website"));
  EXPECT_EQ(stage(loaded.query({kT0 - kH, kT0 + kH, ""}), "consideration")["after_dropoff"],
            went({{"chatbot", 1}}, {{"consideration", 1}}));
  loaded.add(rec("v2", kT0 + 2 * kMin, "consideration", "chatbot"));
  EXPECT_EQ(stage(loaded.query({kT0 - kH, kT0 + kH, ""}), "consideration")["after_dropoff"],
            went({{"chatbot", 2}}, {{"consideration", 2}}));
}

}  // namespace
}  // namespace tp

#include "support/journey_generator.h"

namespace tp {
namespace {

// The generator's script, checked against the map: figures follow from the parameters.
TEST(GeneratedJourneys, MapFiguresFollowTheScript) {
  testing::GeneratorParams p;
  p.customers = 200;  // 160 consider, 80 buy, 40 onboard
  const auto g = testing::generate_journeys(p);
  JourneyMap map(demo_journey());
  for (const auto& r : g.map) map.add(r);
  const json m = map.query({p.start_ms - kH, p.start_ms + 30 * 24 * kH, ""});
  EXPECT_EQ(stage(m, "awareness")["customers"], 200);
  EXPECT_DOUBLE_EQ(stage(m, "awareness")["conversion_to_next"].get<double>(), 160.0 / 200);
  EXPECT_EQ(stage(m, "awareness")["dropoff"], 40);
  EXPECT_DOUBLE_EQ(stage(m, "awareness")["time_to_next_s"]["median"].get<double>(), 3600.0);
  EXPECT_EQ(stage(m, "consideration")["customers"], 160);
  EXPECT_DOUBLE_EQ(stage(m, "consideration")["conversion_to_next"].get<double>(), 0.5);
  EXPECT_EQ(stage(m, "consideration")["dropoff"], 80);
  EXPECT_EQ(stage(m, "consideration")["after_dropoff"]["touchpoints"]["chatbot"],
            80);  // asked the bot instead
  EXPECT_DOUBLE_EQ(stage(m, "consideration")["time_to_next_s"]["median"].get<double>(), 2 * 3600.0);
  // Purchasers reach onboarding 24 h later (40 of them) or support 45 h later (the other 40).
  EXPECT_EQ(stage(m, "purchase")["customers"], 80);
  EXPECT_DOUBLE_EQ(stage(m, "purchase")["conversion_to_next"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(stage(m, "purchase")["time_to_next_s"]["median"].get<double>(), 24 * 3600.0);
  EXPECT_DOUBLE_EQ(stage(m, "purchase")["time_to_next_s"]["p90"].get<double>(), 45 * 3600.0);
  EXPECT_EQ(stage(m, "onboarding")["customers"], 40);
  EXPECT_DOUBLE_EQ(stage(m, "onboarding")["time_to_next_s"]["median"].get<double>(), 21 * 3600.0);
  EXPECT_EQ(stage(m, "support")["customers"], 80);
  EXPECT_EQ(stage(m, "support")["dropoff"], 80);       // the last stage
  EXPECT_EQ(m["unstaged"]["interactions"], 80 + 120);  // chatbot after considering + non-buyers' questions
}

}  // namespace
}  // namespace tp
