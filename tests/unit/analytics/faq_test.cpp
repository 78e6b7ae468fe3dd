// FAQ ground truth: seeded question topics, each written in several phrasings, cases, accents and
// languages, must each form exactly one cluster with the right counts; the figures per cluster follow
// from the seeded flags.
#include "analytics/faq.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "analytics/question_clusters.h"
#include "analytics/question_terms.h"
#include "model/journey.h"
#include "support/demo_journey.h"

namespace tp {
namespace {

using json = nlohmann::json;
constexpr int64_t kH = 3600 * 1000;
constexpr int64_t kT0 = 1'800'000'000'000;

using testing::demo_journey;

const std::vector<std::string> kOrderEn = {"Where is my order?", "where's my order", "WHERE IS MY ORDER!!",
                                           "where is my ordr", "hi, where is my order please"};
const std::vector<std::string> kOrderLv = {"Kur ir mans pasūtījums?", "kur ir mans pasutijums",
                                           "KUR IR MANS PASŪTĪJUMS??", "Sveiki, kur ir mans pasūtījums"};
const std::vector<std::string> kOrderRu = {"Где мой заказ?", "где мой заказ", "ГДЕ МОЙ ЗАКАЗ!",
                                           "подскажите, где мой заказ"};
const std::vector<std::string> kRefundEn = {"I want a refund", "i want a refund please", "I want a refund!!!",
                                            "i want refund"};
const std::vector<std::string> kPasswordNo = {"Jeg har glemt passordet mitt", "jeg har glemt passordet",
                                              "Har glemt passordet mitt"};

TEST(QuestionClusters, EachSeededTopicFormsOneClusterWithoutIntents) {
  QuestionClusters clusters;
  std::vector<std::set<uint32_t>> topics;
  for (const auto* topic : {&kOrderEn, &kOrderLv, &kOrderRu, &kRefundEn, &kPasswordNo}) {
    std::set<uint32_t> ids;
    for (const auto& q : *topic) ids.insert(clusters.assign(q, "", true));
    EXPECT_EQ(ids.size(), 1u) << "topic starting with '" << (*topic)[0] << "' split into " << ids.size()
                              << " clusters";
    topics.push_back(ids);
  }
  // ...and different topics never share a cluster (without intents, languages stay apart).
  std::set<uint32_t> all;
  for (const auto& t : topics) all.insert(t.begin(), t.end());
  EXPECT_EQ(all.size(), topics.size());
}

TEST(QuestionClusters, TheBotsIntentJoinsPhrasingsAcrossLanguages) {
  QuestionClusters clusters;
  const uint32_t en = clusters.assign("Where is my order?", "order_status", false);
  EXPECT_EQ(clusters.assign("Kur ir mans pasūtījums?", "order_status", false), en);
  EXPECT_EQ(clusters.assign("Где мой заказ?", "order_status", false), en);
  // A fallback (no intent) phrased like a known member joins it too.
  EXPECT_EQ(clusters.assign("where is my order??", "", true), en);
  // Another intent never joins.
  EXPECT_NE(clusters.assign("Where is my order?", "refund_status", false), en);
}

TEST(QuestionTerms, FunctionWordsGoAndInflectedFormsMeet) {
  QuestionTerms t;
  using V = std::vector<std::string>;
  EXPECT_EQ(t.terms("Where is my refund??"), V{"refun"});
  EXPECT_EQ(t.terms("REFUNDED, refunds: refunding"), V{"refun"});
  EXPECT_EQ(t.terms("order #12345 not delivered"), t.terms("order not delivered"));  // numbers are no topic
  EXPECT_EQ(t.terms("order #12345 not delivered").size(), 2u);
  // Words that mean the same in support questions are one term, in their own language only.
  EXPECT_EQ(t.terms("where is my parcel"), t.terms("where is my package"));
  EXPECT_EQ(t.terms("voucher not working"), t.terms("coupon not working"));
  EXPECT_NE(t.terms("where is my ordr"), t.terms("hvor er bestillingen"));  // Norwegian "ordre" is theirs
  EXPECT_EQ(t.terms("Где мой пароль?"), t.terms("пароля нет"));
  EXPECT_EQ(t.terms("Kad būs piegāde?"), t.terms("kad bus piegades"));  // accents and case endings
  EXPECT_EQ(t.terms("toimitus"), t.terms("toimituksen"));
  EXPECT_EQ(t.terms("Jeg har glemt passordet"), t.terms("glemt passord"));
  EXPECT_TRUE(t.terms("hi! thanks :)").empty());
  EXPECT_TRUE(t.stopword("Ё") == t.stopword("е"));
}

TEST(QuestionClusters, ARareTypoOfAFrequentWordIsReadAsThatWord) {
  QuestionClusters clusters;
  const uint32_t refund = clusters.assign("where is my refund", "", true);
  EXPECT_EQ(clusters.assign("refund not received", "", true), refund);
  EXPECT_EQ(clusters.assign("has my refund been processed", "", true), refund);
  EXPECT_EQ(clusters.assign("refund status?", "", true), refund);
  EXPECT_EQ(clusters.assign("were is my refnd", "", true), refund);
  EXPECT_EQ(clusters.assign("REFUDN please", "", true), refund);  // swapped letters
  // A typo of a word that a synonym group made part of a shorter term ("payment" is "pay"'s group).
  const uint32_t payment = clusters.assign("my payment failed", "", true);
  EXPECT_EQ(clusters.assign("payment failed again", "", true), payment);
  EXPECT_EQ(clusters.assign("the payment failed", "", true), payment);
  EXPECT_EQ(clusters.assign("paymnet failed", "", true), payment);
  // Not a typo of anything frequent: its own cluster.
  EXPECT_NE(clusters.assign("do you sell gift cards", "", true), refund);
}

TEST(QuestionClusters, DifferentQuestionsSharingAWordStayApart) {
  QuestionClusters clusters;
  const uint32_t time = clusters.assign("how long does delivery take", "", true);
  clusters.assign("when will my delivery arrive", "", true);
  const uint32_t cost = clusters.assign("how much does delivery cost", "", true);
  EXPECT_NE(cost, time);
  EXPECT_EQ(clusters.assign("delivery cost?", "", true), cost);
  EXPECT_EQ(clusters.assign("how many days does delivery take", "", true), time);
}

QuestionRecord question(const std::string& text, int64_t ts, const std::string& customer,
                        bool unanswered = false, bool escalated = false, bool negative = false,
                        std::optional<int> rating = std::nullopt, const std::string& stage = "support",
                        const std::string& touchpoint = "chatbot") {
  QuestionRecord q;
  q.ts_ms = ts;
  q.customer = customer;
  q.persona = "first-time-buyer";
  q.stage = stage;
  q.touchpoint = touchpoint;
  q.fallback = unanswered;
  q.unanswered = unanswered;
  q.escalated = escalated;
  q.negative = negative;
  q.rating = rating;
  q.text = text;
  return q;
}

TEST(FaqSummary, FiguresPerClusterAndThePainScoreOrder) {
  FaqSummary faq(demo_journey());
  // "where is my order": 10 questions by 5 customers, 7 unanswered, 2 escalated.
  for (int i = 0; i < 10; ++i)
    faq.add(question(kOrderEn[static_cast<size_t>(i) % kOrderEn.size()], kT0 + i * 1000,
                     "c" + std::to_string(i % 5), i < 7, i < 2));
  // "refund": 12 questions, all answered, 6 negative, rated 2 and 4.
  for (int i = 0; i < 12; ++i)
    faq.add(question(kRefundEn[static_cast<size_t>(i) % kRefundEn.size()], kT0 + i * 1000,
                     "r" + std::to_string(i), false, false, i % 2 == 0,
                     i == 0   ? std::optional<int>(2)
                     : i == 1 ? std::optional<int>(4)
                              : std::nullopt,
                     "purchase", "website"));
  const json out = faq.query({kT0 - kH, kT0 + kH, "", "", 10});
  ASSERT_EQ(out["clusters"].size(), 2u);
  const json& first = out["clusters"][0];
  const json& second = out["clusters"][1];
  // order: 10 x (1 + 2 x 0.7 + 1.5 x 0.2) = 27; refund: 12 x (1 + 0.5 + (5 - 3) / 4) = 24.
  EXPECT_DOUBLE_EQ(first["pain_score"].get<double>(), faq_pain_score(10, 0.7, 0.2, 0.0, std::nullopt));
  EXPECT_DOUBLE_EQ(first["pain_score"].get<double>(), 27.0);
  EXPECT_DOUBLE_EQ(second["pain_score"].get<double>(), 24.0);
  EXPECT_EQ(first["count"], 10);
  EXPECT_EQ(first["customers"], 5);
  EXPECT_DOUBLE_EQ(first["unanswered_rate"].get<double>(), 0.7);
  EXPECT_DOUBLE_EQ(first["escalation_rate"].get<double>(), 0.2);
  EXPECT_TRUE(first["avg_rating"].is_null());
  EXPECT_EQ(first["opportunity"], "add an answer for this question: 70% unanswered");
  EXPECT_EQ(first["stages"]["support"], 10);
  EXPECT_EQ(first["touchpoints"]["chatbot"], 10);
  EXPECT_LE(first["examples"].size(), 3u);
  EXPECT_EQ(second["count"], 12);
  EXPECT_DOUBLE_EQ(second["avg_rating"].get<double>(), 3.0);
  EXPECT_DOUBLE_EQ(second["negative_rate"].get<double>(), 0.5);
  EXPECT_EQ(second["opportunity"], "customers are unhappy here: 50% negative");
  EXPECT_EQ(second["stages"]["purchase"], 12);
}

TEST(FaqSummary, TrendComparesWithThePreviousWindowAndFiltersApply) {
  FaqSummary faq(demo_journey());
  for (int i = 0; i < 4; ++i)
    faq.add(question("Where is my order?", kT0 - 2 * kH + i, "a"));  // previous window
  for (int i = 0; i < 6; ++i)
    faq.add(question("where is my order", kT0 + i, "b", false, false, false, std::nullopt, "purchase"));
  const json out = faq.query({kT0, kT0 + 2 * kH, "", "", 10});
  ASSERT_EQ(out["clusters"].size(), 1u);
  EXPECT_EQ(out["clusters"][0]["count"], 6);
  EXPECT_EQ(out["clusters"][0]["trend"]["previous"], 4);
  EXPECT_DOUBLE_EQ(out["clusters"][0]["trend"]["change"].get<double>(), 0.5);
  EXPECT_EQ(faq.query({kT0, kT0 + 2 * kH, "", "support", 10})["clusters"].size(), 0u);
  EXPECT_EQ(faq.query({kT0, kT0 + 2 * kH, "", "purchase", 10})["clusters"][0]["count"], 6);
  EXPECT_EQ(faq.query({kT0, kT0 + 2 * kH, "business-account", "", 10})["clusters"].size(), 0u);
}

TEST(FaqSummary, AnIdentifiedVisitorCountsAsOneCustomerRetroactively) {
  FaqSummary faq(demo_journey());
  faq.add(question("Where is my order?", kT0, "anon-1"));
  faq.add(question("where is my order", kT0 + 1, "cust-1"));
  EXPECT_EQ(faq.query({kT0 - kH, kT0 + kH, "", "", 10})["clusters"][0]["customers"], 2);
  faq.link("anon-1", "cust-1");
  EXPECT_EQ(faq.query({kT0 - kH, kT0 + kH, "", "", 10})["clusters"][0]["customers"], 1);
}

TEST(FaqSummary, TopClustersPerCell) {
  FaqSummary faq(demo_journey());
  for (int i = 0; i < 3; ++i) faq.add(question("Where is my order?", kT0 + i, "a"));
  faq.add(question("I want a refund", kT0, "a"));
  const auto top = faq.top_by_cell(kT0 - kH, kT0 + kH, "", 3);
  const auto& cell = top.at({"support", "chatbot"});
  ASSERT_EQ(cell.size(), 2u);
  EXPECT_EQ(cell[0].second, 3u);
  EXPECT_EQ(cell[1].first, "I want a refund");
}

}  // namespace
}  // namespace tp

#include "support/journey_generator.h"

namespace tp {
namespace {

TEST(GeneratedQuestions, EachSeededTopicFormsOneClusterWithTheRightCount) {
  testing::GeneratorParams p;
  p.customers = 120;
  p.questions_per_customer = 2;  // 240 questions, 60 per topic
  const auto topics = testing::seeded_topics();
  const auto g = testing::generate_journeys(p, topics);
  FaqSummary faq(demo_journey());
  for (const auto& q : g.questions) faq.add(q);
  const json out = faq.query({p.start_ms, p.start_ms + 30 * 24 * kH, "", "", 50});
  ASSERT_EQ(out["clusters"].size(), topics.size()) << out.dump(1);
  for (const auto& c : out["clusters"]) {
    EXPECT_EQ(c["count"], 60) << c["label"];
    const bool unanswered = c["unanswered_rate"].get<double>() == 1.0;
    EXPECT_TRUE(unanswered || c["unanswered_rate"].get<double>() == 0.0);
  }
  // The unanswered topics rank first (pain score 60 x 3 vs 60 x 1); the intent names its cluster.
  EXPECT_DOUBLE_EQ(out["clusters"][0]["pain_score"].get<double>(), 180.0);
  EXPECT_DOUBLE_EQ(out["clusters"][1]["pain_score"].get<double>(), 180.0);
  EXPECT_DOUBLE_EQ(out["clusters"][3]["pain_score"].get<double>(), 60.0);
  size_t with_intent = 0;
  for (const auto& c : out["clusters"]) with_intent += c["intent"] == "order_status";
  EXPECT_EQ(with_intent, 1u);
}

}  // namespace
}  // namespace tp

namespace tp {
namespace {

// Outcomes told by later turns: the bot's fallback, a hand-off, a rating, counted on the conversation's
// latest question, once each, and only within the window.
class Outcomes : public ::testing::Test {
 protected:
  FaqSummary faq{demo_journey()};
  QuestionRecord question(int64_t ts, const std::string& text, const std::string& conversation) {
    QuestionRecord q;
    q.ts_ms = ts;
    q.customer = "cust-" + conversation;
    q.touchpoint = "chatbot";
    q.text = text;
    q.conversation = conversation;
    return q;
  }
  json cluster(const std::string& label) {
    const json out = faq.query({kT0, kT0 + 24 * kH, "", "", 50});
    for (const auto& c : out["clusters"])
      if (c["label"] == label) return c;
    return nullptr;
  }
};

TEST_F(Outcomes, AFallbackTurnMakesTheQuestionBeforeItUnanswered) {
  faq.add(question(kT0, "How do I return shoes?", "s1"));
  faq.add(question(kT0 + 1000, "How do I return shoes?", "s2"));
  EXPECT_TRUE(faq.outcome({kT0 + 2000, "s1", true, false, std::nullopt}).has_value());
  EXPECT_FALSE(faq.outcome({kT0 + 3000, "s1", true, false, std::nullopt}).has_value()) << "counted once";
  const json c = cluster("How do I return shoes?");
  ASSERT_FALSE(c.is_null());
  EXPECT_DOUBLE_EQ(c["unanswered_rate"].get<double>(), 0.5);
}

TEST_F(Outcomes, HandOffAndRatingGoToTheLatestQuestionOfTheConversation) {
  faq.add(question(kT0, "Where is my parcel?", "s1"));
  faq.add(question(kT0 + 60'000, "Can I change the delivery address?", "s1"));
  faq.outcome({kT0 + 120'000, "s1", false, true, 2});
  const json parcel = cluster("Where is my parcel?"), address = cluster("Can I change the delivery address?");
  EXPECT_DOUBLE_EQ(parcel["escalation_rate"].get<double>(), 0.0);
  EXPECT_TRUE(parcel["avg_rating"].is_null());
  EXPECT_DOUBLE_EQ(address["escalation_rate"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(address["avg_rating"].get<double>(), 2.0);
}

TEST_F(Outcomes, LateOrForeignOutcomesAreNotCounted) {
  faq.add(question(kT0, "Is the shop open on Sunday?", "s1"));
  EXPECT_FALSE(faq.outcome({kT0 + FaqSummary::kOutcomeWindowMs + 1, "s1", true, true, 1}).has_value());
  EXPECT_FALSE(faq.outcome({kT0 + 1000, "other", true, true, 1}).has_value());
  EXPECT_FALSE(faq.outcome({kT0 - 1000, "s1", true, true, 1}).has_value()) << "before the question";
  const json c = cluster("Is the shop open on Sunday?");
  EXPECT_DOUBLE_EQ(c["unanswered_rate"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(c["escalation_rate"].get<double>(), 0.0);
  EXPECT_TRUE(c["avg_rating"].is_null());
}

TEST_F(Outcomes, AQuestionsOwnRatingIsNotReplacedByALaterOne) {
  QuestionRecord q = question(kT0, "Do you have gift cards?", "s1");
  q.rating = 5;
  faq.add(q);
  faq.outcome({kT0 + 1000, "s1", false, false, 1});
  EXPECT_DOUBLE_EQ(cluster("Do you have gift cards?")["avg_rating"].get<double>(), 5.0);
}

// Clusters merge as their profiles converge: every question then counts under the surviving id, what
// the absorbed cluster showed (phrasings) moves with it, and the old id still leads there.
TEST(FaqSummary, MergedClustersCountUnderTheSurvivorAndOldIdsLeadThere) {
  FaqSummary faq(demo_journey());
  std::ifstream in(std::string(TP_SOURCE_DIR) + "/tests/fixtures/paraphrases/en.jsonl");
  std::vector<uint32_t> given;
  int64_t ts = kT0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const json j = json::parse(line);
    QuestionRecord q = question(j["text"].get<std::string>(), ts += 1000, "c" + std::to_string(given.size()));
    if (j["intent"].is_string()) {
      q.intent = j["intent"].get<std::string>();
      q.fallback = false;
    } else {
      q.fallback = true;
    }
    given.push_back(faq.add(q));
  }
  ASSERT_GT(given.size(), 150u);
  std::map<uint32_t, uint64_t> expected;
  size_t moved = 0;
  for (const uint32_t id : given) {
    const uint32_t now = faq.canonical_cluster(id);
    ++expected[now];
    if (now != id) {
      ++moved;
      const auto members = faq.cluster_members(now);
      EXPECT_NE(std::find(members.begin(), members.end(), id), members.end());
    }
  }
  EXPECT_GT(moved, 0u) << "the fixture is meant to produce merges";
  const json out = faq.query({kT0, kT0 + 2 * kH, "", "", 500});
  EXPECT_EQ(out["total_clusters"], expected.size());
  uint64_t total = 0;
  for (const json& row : out["clusters"]) {
    const auto id = row["id"].get<uint32_t>();
    EXPECT_EQ(faq.canonical_cluster(id), id) << "rows are survivors";
    EXPECT_EQ(row["count"].get<uint64_t>(), expected[id]) << row["label"];
    total += row["count"].get<uint64_t>();
    // The absorbed clusters' phrasings are listed too: all of them while there are at most 10.
    uint64_t listed = 0;
    for (const json& p : row["phrasings"]) listed += p["count"].get<uint64_t>();
    ASSERT_LE(row["phrasings"].size(), 10u);
    if (row["phrasings"].size() < 10) {
      EXPECT_EQ(listed, row["count"].get<uint64_t>()) << row["label"];
    }
  }
  EXPECT_EQ(total, given.size());
}

}  // namespace
}  // namespace tp
