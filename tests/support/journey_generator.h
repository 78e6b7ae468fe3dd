// Synthetic customers with scripted journeys, for ground-truth tests and benchmarks: every figure the
// map and FAQ should show follows from the script's parameters, not from the code under test.
//
// Customer i (0-based) of n:
//   - awareness on the website at start + i minutes,
//   - consideration (website) 1 h later,                 reached by customers i <  n * p_consider
//   - purchase (website) 2 h after consideration,        reached by customers i <  n * p_consider * p_buy
//   - onboarding (email) 24 h after purchase,            reached by purchasers i <  n * p_consider * p_buy *
//   p_onboard
//   - customers who consider but do not buy ask the chatbot (unstaged) 30 min after considering,
// and every customer asks `questions_per_customer` questions in the chatbot 48 h after arriving, drawn in
// turn from the seeded topics (phrasings cycled): at stage support for those who bought, unstaged for
// the others.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "analytics/faq.h"
#include "analytics/journey_map.h"

namespace tp::testing {

struct Topic {
  std::string name;
  std::vector<std::string> phrasings;  // cycled through
  bool unanswered = false;  // every question of this topic is unanswered (bot fell back, no intent)
  std::string intent;       // the bot's intent when it understood (joins languages)
};

inline std::vector<Topic> seeded_topics() {
  return {
      // Three languages, one intent: the bot's intent joins them.
      {"order status",
       {"Where is my order?", "where's my order", "WHERE IS MY ORDER!!", "where is my ordr",
        "Kur ir mans pasūtījums?", "kur ir mans pasutijums", "Где мой заказ?", "где мой заказ"},
       false,
       "order_status"},
      // No intent (the bot fell back): phrasings must cluster by themselves, one language each.
      {"refund",
       {"I want a refund", "i want a refund please", "I want a refund!!!", "i want refund"},
       true,
       ""},
      {"password",
       {"Jeg har glemt passordet mitt", "jeg har glemt passordet", "Har glemt passordet mitt"},
       false,
       ""},
      {"delivery time",
       {"Kuinka kauan toimitus kestää?", "kuinka kauan toimitus kestaa", "Kuinka kauan toimitus kestää??"},
       true,
       ""},
  };
}

struct GeneratorParams {
  size_t customers = 100;
  double p_consider = 0.8, p_buy = 0.5, p_onboard = 0.5;
  int64_t start_ms = 1'800'000'000'000;
  size_t questions_per_customer = 1;
  int64_t spacing_ms = 60'000;  // between consecutive customers' arrivals
  size_t first_customer = 0;    // ids start here (generate large sets in chunks)
};

struct Generated {
  std::vector<MapRecord> map;
  std::vector<QuestionRecord> questions;
};

inline Generated generate_journeys(const GeneratorParams& p,
                                   const std::vector<Topic>& topics = seeded_topics()) {
  constexpr int64_t kMin = 60'000, kH = 3'600'000;
  Generated g;
  const auto considered = static_cast<size_t>(static_cast<double>(p.customers) * p.p_consider);
  const auto bought = static_cast<size_t>(static_cast<double>(p.customers) * p.p_consider * p.p_buy);
  const auto onboarded =
      static_cast<size_t>(static_cast<double>(p.customers) * p.p_consider * p.p_buy * p.p_onboard);
  size_t q = 0;
  for (size_t i = 0; i < p.customers; ++i) {
    const std::string c = "gen-" + std::to_string(p.first_customer + i);
    const int64_t t = p.start_ms + static_cast<int64_t>(p.first_customer + i) * p.spacing_ms;
    g.map.push_back({t, c, "first-time-buyer", "awareness", "website", 0.2, {}});
    if (i < considered) g.map.push_back({t + kH, c, "first-time-buyer", "consideration", "website", 0.4, {}});
    if (i < bought)
      g.map.push_back({t + 3 * kH, c, "first-time-buyer", "purchase", "website", 0.0, {}});
    else if (i < considered)
      g.map.push_back({t + kH + 30 * kMin, c, "first-time-buyer", "", "chatbot", -0.5, {"unanswered"}});
    if (i < onboarded) g.map.push_back({t + 27 * kH, c, "first-time-buyer", "onboarding", "email", 0.8, {}});
    for (size_t k = 0; k < p.questions_per_customer; ++k, ++q) {
      const Topic& topic = topics[q % topics.size()];
      QuestionRecord r;
      r.ts_ms = t + 48 * kH + static_cast<int64_t>(k) * kMin;
      r.customer = c;
      r.persona = "first-time-buyer";
      r.stage = i < bought ? "support" : "";
      r.touchpoint = "chatbot";
      r.fallback = topic.unanswered;
      r.intent = topic.intent;
      r.unanswered = topic.unanswered;
      r.text = topic.phrasings[(q / topics.size()) % topic.phrasings.size()];
      g.map.push_back(
          {r.ts_ms, c, "first-time-buyer", r.stage, "chatbot", std::nullopt,
           topic.unanswered ? std::vector<std::string>{"unanswered"} : std::vector<std::string>{}});
      g.questions.push_back(std::move(r));
    }
  }
  return g;
}

}  // namespace tp::testing
