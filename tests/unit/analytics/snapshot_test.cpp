// Snapshots of the map and the FAQ: what a restart loads must answer every query exactly as the
// aggregates it was saved from, and go on from there as if there had been no restart. Damaged or
// foreign bytes are refused without a crash.
#include "analytics/snapshot.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "analytics/faq.h"
#include "analytics/journey_map.h"
#include "model/journey.h"
#include "support/demo_journey.h"
#include "support/journey_generator.h"

namespace tp {
namespace {

using json = nlohmann::json;
constexpr int64_t kH = 3600 * 1000;

using testing::demo_journey;

struct Aggregates {
  JourneyMap map{demo_journey()};
  FaqSummary faq{demo_journey()};
  void feed(const testing::Generated& g) {
    for (const auto& r : g.map) map.add(r);
    for (auto q : g.questions) {
      q.conversation = q.customer;  // one conversation per customer, for outcomes
      faq.add(q);
    }
  }
};

testing::GeneratorParams params(size_t first, size_t customers) {
  testing::GeneratorParams p;
  p.customers = customers;
  p.first_customer = first;
  p.questions_per_customer = 2;
  return p;
}

// Every view a dashboard asks for: several windows, each persona, a stage filter.
json views(const Aggregates& a) {
  const int64_t t0 = testing::GeneratorParams{}.start_ms;
  json out = json::array();
  for (const int64_t span : {6 * kH, 48 * kH, 30 * 24 * kH}) {
    for (const std::string persona : {"", "first-time-buyer", "returning-customer"}) {
      out.push_back(a.map.query({t0, t0 + span, persona}));
      out.push_back(a.faq.query({t0, t0 + span, persona, "", 50}));
      out.push_back(a.faq.query({t0, t0 + span, persona, "support", 50}));
    }
  }
  return out;
}

TEST(Snapshot, LoadedAggregatesAnswerExactlyAsTheSavedOnes) {
  Aggregates saved;
  saved.feed(testing::generate_journeys(params(0, 300)));
  saved.map.link("gen-1", "gen-2");
  saved.faq.link("gen-1", "gen-2");
  const std::string bytes = encode_snapshot(saved.map, saved.faq, {7, 12345});

  Aggregates loaded;
  const auto mark = decode_snapshot(bytes, loaded.map, loaded.faq);
  ASSERT_TRUE(mark);
  EXPECT_EQ(mark->generation, 7);
  EXPECT_EQ(mark->fed_through, 12345);
  EXPECT_EQ(views(loaded), views(saved));
  EXPECT_EQ(loaded.map.customers(), saved.map.customers());
}

TEST(Snapshot, GoesOnAsIfThereHadBeenNoRestart) {
  Aggregates uninterrupted, restarted;
  const auto first = testing::generate_journeys(params(0, 200));
  uninterrupted.feed(first);
  Aggregates before;
  before.feed(first);
  ASSERT_TRUE(decode_snapshot(encode_snapshot(before.map, before.faq, {}), restarted.map, restarted.faq));

  // More customers, more questions (the same topics: they must land in the same clusters), and a link
  // between a customer seen before the snapshot and one seen after.
  const auto second = testing::generate_journeys(params(200, 150));
  uninterrupted.feed(second);
  restarted.feed(second);
  for (Aggregates* a : {&uninterrupted, &restarted}) {
    a->map.link("gen-3", "gen-250");
    a->faq.link("gen-3", "gen-250");
  }
  // Outcomes of questions asked before the snapshot (the open questions are saved too).
  for (const std::string customer : {"gen-5", "gen-6"}) {
    int64_t latest = 0;
    for (const auto& q : first.questions)
      if (q.customer == customer) latest = std::max(latest, q.ts_ms);
    for (Aggregates* a : {&uninterrupted, &restarted})
      EXPECT_TRUE(a->faq.outcome({latest + 1000, customer, true, true, 1}).has_value()) << customer;
  }
  EXPECT_EQ(views(restarted), views(uninterrupted));
}

TEST(Snapshot, EmptyAggregatesRoundTrip) {
  Aggregates empty, loaded;
  ASSERT_TRUE(decode_snapshot(encode_snapshot(empty.map, empty.faq, {}), loaded.map, loaded.faq));
  EXPECT_EQ(views(loaded), views(empty));
}

TEST(Snapshot, TruncatedOrForeignBytesAreRefusedAndLeaveNothingBehind) {
  Aggregates saved;
  saved.feed(testing::generate_journeys(params(0, 50)));
  const std::string bytes = encode_snapshot(saved.map, saved.faq, {1, 2});
  Aggregates empty;
  const json nothing = views(empty);
  for (size_t cut : {size_t{0}, size_t{1}, bytes.size() / 3, bytes.size() / 2, bytes.size() - 1}) {
    Aggregates loaded;
    loaded.feed(testing::generate_journeys(params(0, 5)));
    EXPECT_FALSE(decode_snapshot(std::string_view(bytes).substr(0, cut), loaded.map, loaded.faq)) << cut;
    EXPECT_EQ(views(loaded), nothing) << "cut at " << cut << " left aggregates behind";
  }
  Aggregates loaded;
  EXPECT_FALSE(decode_snapshot(bytes + "x", loaded.map, loaded.faq));
  EXPECT_FALSE(decode_snapshot("not a snapshot at all", loaded.map, loaded.faq));

  // Made for another journey (a stage renamed): its indexes would mean other stages.
  Journey other = demo_journey();
  other.stages[1].id = "evaluation";
  JourneyMap other_map(other);
  FaqSummary other_faq(other);
  EXPECT_FALSE(decode_snapshot(bytes, other_map, other_faq));
}

TEST(Snapshot, FlippedBytesNeverCrash) {
  Aggregates saved;
  saved.feed(testing::generate_journeys(params(0, 40)));
  const std::string bytes = encode_snapshot(saved.map, saved.faq, {1, 2});
  // Whatever a flipped byte decodes to, loading it must be safe (the store's checksum is what refuses
  // damaged files; this is the second line).
  for (size_t i = 0; i < bytes.size(); i += std::max<size_t>(1, bytes.size() / 400)) {
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x5a);
    Aggregates loaded;
    if (decode_snapshot(damaged, loaded.map, loaded.faq)) (void)views(loaded);
  }
  SUCCEED();
}

}  // namespace
}  // namespace tp
