// The drill-down index: which conversations a filter matches (one interaction in the window matching
// every filter), the exact total, newest first, a cursor that returns every match once, sessionless
// conversations cut at 30-minute gaps, and the snapshot round trip.
#include "analytics/conversations.h"

#include <gtest/gtest.h>

#include <set>

#include "support/demo_journey.h"

namespace tp {
namespace {

using testing::demo_journey;
constexpr int64_t kMin = 60'000, kH = 3'600'000;
constexpr int64_t kT0 = 1'800'000'000'000;

ConversationRecord turn(int64_t seq, int64_t ts, const std::string& customer, const std::string& session,
                        const std::string& stage, const std::string& touchpoint,
                        std::vector<std::string> pain = {}, std::optional<uint32_t> cluster = std::nullopt) {
  return {seq, ts, customer, session, "first-time-buyer", stage, touchpoint, std::move(pain), cluster};
}

ConversationQuery window(int64_t from = kT0 - kH, int64_t to = kT0 + 100 * kH) {
  ConversationQuery q;
  q.from_ms = from;
  q.to_ms = to;
  return q;
}

std::vector<std::string> ids(const ConversationPage& p) {
  std::vector<std::string> out;
  for (const auto& c : p.conversations) out.push_back(c.id);
  return out;
}

TEST(ConversationIndex, AFilterMatchesConversationsWithOneInteractionMatchingAllOfIt) {
  ConversationIndex index(demo_journey());
  // s1: consideration on the website, then a chatbot question at consideration.
  index.add(turn(1, kT0, "c1", "s1", "consideration", "website"));
  index.add(turn(2, kT0 + 10 * kMin, "c1", "s1", "consideration", "chatbot", {"unanswered"}, 7));
  // s2: consideration on the website, support on the chatbot: never consideration x chatbot.
  index.add(turn(3, kT0 + kH, "c2", "s2", "consideration", "website"));
  index.add(turn(4, kT0 + kH + kMin, "c2", "s2", "support", "chatbot", {"escalated"}));

  ConversationQuery q = window();
  q.stage = "consideration";
  q.touchpoint = "chatbot";
  auto page = index.query(q);
  EXPECT_EQ(page.total, 1u);
  EXPECT_EQ(ids(page), std::vector<std::string>{"s1"});

  q = window();
  q.stage = "consideration";
  page = index.query(q);
  EXPECT_EQ(page.total, 2u);
  EXPECT_EQ(ids(page), (std::vector<std::string>{"s2", "s1"}));  // newest end first

  q = window();
  q.pain = "unanswered";
  EXPECT_EQ(ids(index.query(q)), std::vector<std::string>{"s1"});
  q.pain = ConversationIndex::kAnyPain;
  EXPECT_EQ(index.query(q).total, 2u);
  q.pain = "never-seen";
  EXPECT_EQ(index.query(q).total, 0u);

  q = window();
  q.clusters = {7};
  page = index.query(q);
  ASSERT_EQ(page.total, 1u);
  EXPECT_EQ(page.conversations[0].clusters, std::vector<uint32_t>{7});
  EXPECT_EQ(page.conversations[0].seqs, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(page.conversations[0].customer, "c1");

  q = window();
  q.persona = "business-account";
  EXPECT_EQ(index.query(q).total, 0u);
}

TEST(ConversationIndex, OnlyInteractionsInsideTheWindowMatch) {
  ConversationIndex index(demo_journey());
  index.add(turn(1, kT0, "c1", "s1", "awareness", "website"));
  index.add(turn(2, kT0 + 2 * kH + 5 * kMin, "c1", "s1", "purchase", "website"));
  ConversationQuery q = window(kT0 + kH, kT0 + 2 * kH + 5 * kMin);  // `to` is exclusive
  EXPECT_EQ(index.query(q).total, 0u);
  q.to_ms += 1;
  EXPECT_EQ(index.query(q).total, 1u);
  q.stage = "awareness";  // the conversation is in the window, but not its awareness interaction
  EXPECT_EQ(index.query(q).total, 0u);
}

TEST(ConversationIndex, WithoutASessionThirtyMinutesOfSilenceStartANewConversation) {
  ConversationIndex index(demo_journey());
  index.add(turn(1, kT0, "c1", "", "awareness", "website"));
  index.add(turn(2, kT0 + 29 * kMin, "c1", "", "consideration", "website"));
  index.add(turn(3, kT0 + 29 * kMin + 30 * kMin, "c1", "", "consideration", "chatbot"));
  index.add(turn(4, kT0 + 5 * kMin, "c2", "", "awareness", "website"));
  auto page = index.query(window());
  EXPECT_EQ(page.total, 3u);
  EXPECT_EQ(index.conversations(), 3u);
  ASSERT_EQ(page.conversations.size(), 3u);
  EXPECT_EQ(page.conversations[0].seqs, std::vector<int64_t>{3});
  EXPECT_EQ(page.conversations[1].seqs, (std::vector<int64_t>{1, 2}));  // ends at 29 min
  EXPECT_EQ(page.conversations[2].seqs, std::vector<int64_t>{4});       // ends at 5 min
  // A late interaction in the gap joins the two: one conversation, found by what either half holds.
  index.add(turn(5, kT0 + 45 * kMin, "c1", "", "consideration", "email"));
  EXPECT_EQ(index.conversations(), 2u);
  ConversationQuery q = window();
  q.stage = "awareness";
  q.touchpoint = "website";
  page = index.query(q);
  EXPECT_EQ(page.total, 2u);
  q.touchpoint = "chatbot";
  q.stage = "consideration";
  page = index.query(q);
  ASSERT_EQ(page.total, 1u);
  EXPECT_EQ(page.conversations[0].seqs, (std::vector<int64_t>{1, 2, 3, 5}));
  EXPECT_EQ(page.conversations[0].started_ms, kT0);
  EXPECT_EQ(page.conversations[0].ended_ms, kT0 + 59 * kMin);
}

TEST(ConversationIndex, WalkingTheCursorReturnsEveryMatchOnce) {
  ConversationIndex index(demo_journey());
  int64_t seq = 0;
  for (int i = 0; i < 123; ++i) {
    const std::string s = "session-" + std::to_string(i);
    // Some end at the same moment: the id breaks the tie.
    index.add(turn(++seq, kT0 + (i % 40) * kMin, "c" + std::to_string(i), s, "support", "chatbot"));
    if (i % 3 == 0) index.add(turn(++seq, kT0 + (i % 40) * kMin + kMin, "c", s, "support", "helpdesk"));
  }
  index.add(turn(++seq, kT0, "other", "not-matching", "awareness", "website"));
  ConversationQuery q = window();
  q.stage = "support";
  q.limit = 50;
  std::set<std::string> seen;
  std::vector<size_t> sizes;
  int64_t last_end = INT64_MAX;
  for (;;) {
    const auto page = index.query(q);
    EXPECT_EQ(page.total, 123u);
    sizes.push_back(page.conversations.size());
    for (const auto& c : page.conversations) {
      EXPECT_TRUE(seen.insert(c.id).second) << c.id << " twice";
      EXPECT_LE(c.ended_ms, last_end);
      last_end = c.ended_ms;
    }
    if (!page.next) break;
    q.after = page.next;
  }
  EXPECT_EQ(seen.size(), 123u);
  EXPECT_EQ(sizes, (std::vector<size_t>{50, 50, 23}));
}

TEST(ConversationIndex, LinkedCustomersShowAsTheCustomerTheyTurnedOutToBe) {
  ConversationIndex index(demo_journey());
  index.add(turn(1, kT0, "anon-1", "", "awareness", "website"));
  index.link("anon-1", "alice");
  EXPECT_EQ(index.query(window()).conversations.at(0).customer, "alice");
}

TEST(ConversationIndex, SnapshotRoundTripAnswersTheSame) {
  ConversationIndex index(demo_journey());
  index.add(turn(1, kT0, "c1", "s1", "consideration", "website", {"slow_response"}));
  index.add(turn(2, kT0 + kMin, "c1", "s1", "consideration", "chatbot", {"unanswered"}, 3));
  index.add(turn(3, kT0, "c2", "", "awareness", "website"));
  index.add(turn(4, kT0 + 40 * kMin, "c2", "", "awareness", "website"));
  index.link("c2", "bob");
  BinaryWriter out;
  index.save(out);
  ConversationIndex loaded(demo_journey());
  BinaryReader in(out.buffer());
  ASSERT_TRUE(loaded.load(in));
  EXPECT_TRUE(in.at_end());
  for (const char* pain : {"", "unanswered", "slow_response", "any"}) {
    ConversationQuery q = window();
    q.pain = pain;
    const auto a = index.query(q), b = loaded.query(q);
    EXPECT_EQ(a.total, b.total) << pain;
    EXPECT_EQ(ids(a), ids(b)) << pain;
  }
  // Sessionless conversations keep growing after a load as before it.
  loaded.add(turn(5, kT0 + 41 * kMin, "c2", "", "awareness", "website"));
  EXPECT_EQ(loaded.conversations(), 3u);
  // Damaged input is refused whole.
  const std::string bytes = out.buffer();
  for (size_t cut = 0; cut < bytes.size(); cut += 7) {
    ConversationIndex partial(demo_journey());
    BinaryReader damaged(std::string_view(bytes).substr(0, cut));
    EXPECT_FALSE(partial.load(damaged) && damaged.at_end()) << cut;
  }
}

}  // namespace
}  // namespace tp
