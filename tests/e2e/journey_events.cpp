#include "journey_events.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "util/time.h"

namespace tp::e2e {

namespace {

// A small deterministic generator (the data must be the same on every machine).
class Lcg {
 public:
  explicit Lcg(uint32_t seed) : state_(seed * 2654435761u + 1) {}
  double next() {  // [0, 1)
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state_ >> 11) / static_cast<double>(1ULL << 53);
  }
  size_t below(size_t n) { return static_cast<size_t>(next() * static_cast<double>(n)); }

 private:
  uint64_t state_;
};

struct Question {
  const char* text;
  const char* intent;  // "" when the bot did not understand
  bool fallback;
  bool escalated;
};

constexpr std::array<Question, 8> kQuestions = {{
    {"Where is my order?", "order_status", false, false},
    {"Kur ir mans pasūtījums?", "order_status", false, false},
    {"Где мой заказ?", "order_status", false, false},
    {"I want a refund", "", true, true},
    {"i want a refund please", "", true, false},
    {"How long does delivery take?", "", true, false},
    {"Can I pay with PayPal?", "payment_methods", false, false},
    {"Do you ship to Norway?", "", true, false},
}};

struct Step {
  const char* stage;
  const char* touchpoint;
  double sentiment;
};

constexpr std::array<Step, 5> kSteps = {{{"awareness", "website", 0.3},
                                         {"consideration", "website", 0.2},
                                         {"purchase", "website", 0.05},
                                         {"onboarding", "email", 0.5},
                                         {"support", "chatbot", -0.3}}};

constexpr std::array<const char*, 3> kPersonas = {"first-time-buyer", "returning-customer",
                                                  "business-account"};
constexpr std::array<const char*, 4> kAskedAt = {"chatbot", "chatbot", "faq", "helpdesk"};

}  // namespace

nlohmann::json journey_events(int64_t now_ms, size_t customers, uint32_t seed) {
  Lcg rng(seed);
  nlohmann::json events = nlohmann::json::array();
  constexpr int64_t kDay = 86'400'000;
  for (size_t c = 0; c < customers; ++c) {
    const std::string id = "customer-" + std::to_string(c);
    const char* persona = kPersonas[c % kPersonas.size()];
    int64_t t = now_ms - static_cast<int64_t>((0.3 + rng.next() * 6.0) * static_cast<double>(kDay));
    // Fewer customers at each later stage, as in any funnel.
    const size_t reached =
        1 + static_cast<size_t>(std::pow(rng.next(), 0.7) * static_cast<double>(kSteps.size()));
    for (size_t s = 0; s < std::min(reached, kSteps.size()); ++s) {
      t += static_cast<int64_t>((0.2 + rng.next() * 5.0) * 3'600'000);
      if (t >= now_ms) break;
      const Step& step = kSteps[s];
      const double sentiment = std::clamp(step.sentiment + (rng.next() - 0.5) * 0.6, -1.0, 1.0);
      events.push_back(
          {{"id", id + "-" + std::to_string(s)},
           {"type", "page"},
           {"customer_id", id},
           {"timestamp", format_rfc3339_ms(t)},
           {"url", std::string("https://shop.example/") + step.stage},
           {"sentiment", sentiment},
           {"tags", {{"persona", persona}, {"stage", step.stage}, {"touchpoint", step.touchpoint}}}});
      if (rng.next() < 0.5) {
        const Question& q = kQuestions[rng.below(kQuestions.size())];
        t += 30'000;
        if (t >= now_ms) break;
        nlohmann::json e = {{"id", id + "-" + std::to_string(s) + "-q"},
                            {"type", "message"},
                            {"role", "user"},
                            {"customer_id", id},
                            {"timestamp", format_rfc3339_ms(t)},
                            {"text", q.text},
                            {"fallback", q.fallback},
                            {"escalated", q.escalated},
                            {"sentiment", q.fallback ? -0.4 : 0.1},
                            {"tags",
                             {{"persona", persona},
                              {"stage", step.stage},
                              {"touchpoint", kAskedAt[rng.below(kAskedAt.size())]}}}};
        if (*q.intent) e["intent"] = q.intent;
        if (rng.next() < 0.3) e["rating"] = 1 + static_cast<int>(rng.below(5));
        events.push_back(std::move(e));
      }
    }
    // Some customers also leave a social media mention nobody tagged with a stage.
    if (c % 10 == 0) {
      events.push_back({{"id", id + "-social"},
                        {"type", "track"},
                        {"name", "Mention"},
                        {"customer_id", id},
                        {"timestamp", format_rfc3339_ms(now_ms - 3'600'000)},
                        {"tags", {{"persona", persona}, {"touchpoint", "social"}}}});
    }
  }
  return events;
}

}  // namespace tp::e2e
