// Tagging throughput (issue 3): 1,000 keyword rules and 50 regex rules over realistic chat turns,
// the compiled engine (one automaton, RE2 sets, anchored rules) against the naive loop that checks
// every rule one by one, in the same run. Reported as interactions/s; compare the two lines.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "engine/plugin_host.h"
#include "engine/rule_set.h"
#include "engine/text_fold.h"
#include "model/journey.h"

namespace {

const std::vector<std::string>& vocabulary() {
  static const std::vector<std::string> words = [] {
    std::vector<std::string> w = {"refund",   "delivery", "order",    "invoice",  "password", "login",
                                  "cancel",   "price",    "discount", "parcel",   "atmaksa",  "piegāde",
                                  "возврат",  "доставка", "refusjon", "levering", "hyvitys",  "toimitus",
                                  "warranty", "return",   "exchange", "size",     "colour",   "stock",
                                  "coupon",   "payment",  "card",     "account",  "email",    "address"};
    // Synthetic product words so that 1,000 rules have distinct keywords, as a real catalogue would.
    for (int i = 0; i < 1500; ++i) w.push_back("item" + std::to_string(i) + "x");
    return w;
  }();
  return words;
}

tp::Journey journey() {
  tp::Journey j;
  for (const char* s : {"awareness", "consideration", "purchase", "onboarding", "support"})
    j.stages.push_back({s, s, ""});
  for (const char* t : {"website", "chatbot", "faq"}) j.touchpoints.push_back({t, t, t});
  j.personas.push_back({"first-time-buyer", "", ""});
  return j;
}

std::shared_ptr<const tp::RuleSet> big_rule_set() {
  static std::shared_ptr<const tp::RuleSet> rs = [] {
    std::mt19937 rng(1);
    const auto& words = vocabulary();
    const char* stages[] = {"awareness", "consideration", "purchase", "onboarding", "support"};
    std::string pack = R"({"rules": [)";
    for (int r = 0; r < 1000; ++r) {
      std::string kws;
      for (int k = 0; k < 3; ++k)
        kws += std::string(k ? "," : "") + "\"" + words[rng() % words.size()] + (k == 2 ? "*" : "") + "\"";
      pack += std::string(r ? "," : "") + R"({"id": "kw)" + std::to_string(r) +
              R"(", "description": "d", "priority": )" + std::to_string(rng() % 10) +
              R"(, "when": {"all": [{"field": "text", "keywords": [)" + kws +
              R"(]}, {"field": "role", "eq": "user"}]}, "then": {"stage": ")" + stages[rng() % 5] +
              R"(", "pain": ["p)" + std::to_string(r % 13) + R"("]}})";
    }
    for (int r = 0; r < 50; ++r) {
      pack += R"(,{"id": "re)" + std::to_string(r) +
              R"(", "description": "d", "when": {"field": "text", "regex": "(?i))" +
              words[rng() % words.size()] + R"(\\s+#?\\d{)" + std::to_string(2 + r % 4) +
              R"(,}"}, "then": {"pain": ["re)" + std::to_string(r % 7) + R"("]}})";
    }
    pack += "]}";
    auto load = tp::compile_rules({{"bench.json", pack}}, journey());
    if (!load.ok()) std::abort();
    return load.rules;
  }();
  return rs;
}

std::vector<tp::Interaction> turns() {
  static const std::vector<tp::Interaction> out = [] {
    std::mt19937 rng(2);
    const auto& words = vocabulary();
    const std::vector<std::string> filler = {"hello", "i",   "want",   "to",        "know", "where", "is",
                                             "my",    "the", "please", "thanks",    "can",  "you",   "help",
                                             "with",  "it",  "was",    "yesterday", "again"};
    std::vector<tp::Interaction> v;
    for (int i = 0; i < 4096; ++i) {
      tp::Interaction in;
      in.id = "e" + std::to_string(i);
      in.type = tp::EventType::Message;
      in.customer_id = "c" + std::to_string(i % 500);
      in.channel = "chatbot";
      in.role = tp::Role::User;
      std::string text;
      const int n = 8 + static_cast<int>(rng() % 12);  // 8..19 words, like chat questions
      for (int k = 0; k < n; ++k) {
        const bool topical = rng() % 6 == 0;
        std::string w = topical ? words[rng() % 40] : filler[rng() % filler.size()];
        if (rng() % 9 == 0) w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
        text += (k ? " " : "") + w;
      }
      if (i % 10 == 0) text += " #" + std::to_string(10000 + i);
      in.text = text;
      v.push_back(std::move(in));
    }
    return v;
  }();
  return out;
}

void BM_TagCompiled(benchmark::State& state) {
  const auto rs = big_rule_set();
  const auto& in = turns();
  tp::TextFolder::instance();
  size_t i = 0;
  for (auto _ : state) {
    tp::TagSet tags;
    const tp::Interaction& e = in[i++ & 4095];
    rs->apply({e, "events", e.customer_id}, {}, tags);
    benchmark::DoNotOptimize(tags);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("1,000 keyword + 50 regex rules, compiled");
}
BENCHMARK(BM_TagCompiled)->MinTime(1.0);

void BM_TagNaiveBaseline(benchmark::State& state) {
  const auto rs = big_rule_set();
  const auto& in = turns();
  size_t i = 0;
  for (auto _ : state) {
    tp::TagSet tags;
    const tp::Interaction& e = in[i++ & 4095];
    rs->apply_naive({e, "events", e.customer_id}, {}, tags);
    benchmark::DoNotOptimize(tags);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("same rules, each checked one by one (baseline)");
}
BENCHMARK(BM_TagNaiveBaseline)->MinTime(1.0);

}  // namespace

// The shipped plugins (lexicon_sentiment, persona_traits) through the plugin host, as the daemon calls
// them: each call handed to the plugin's own worker thread (for the timeout). Per interaction, both plugins.
// Argument 1: the plugins are called inline (on the tagging thread, as the shipped config does).
void BM_TagPluginsShipped(benchmark::State& state) {
  tp::PluginHost host;
  const std::string lexicons = std::string(TP_SOURCE_DIR) + "/config/lexicons";
  const bool inline_calls = state.range(0) == 1;
  const auto errors = host.load_all(
      {TP_PLUGIN_DIR},
      {{"lexicon_sentiment",
        R"({"lexicon_dir": ")" + lexicons + R"(", "languages": ["en", "lv", "ru", "no", "fi"]})",
        inline_calls},
       {"persona_traits",
        R"({"rules": [{"trait": "plan", "in": ["business"], "persona": "business-account"}]})",
        inline_calls}});
  if (!errors.empty()) {
    state.SkipWithError(errors.front().c_str());
    return;
  }
  const auto& in = turns();
  size_t i = 0;
  for (auto _ : state) {
    tp::TagSet tags;
    host.tag(in[i++ & 4095], "bench", "customer", tags);
    benchmark::DoNotOptimize(tags);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_TagPluginsShipped)->Arg(0)->Arg(1)->MinTime(1.0)->UseRealTime();

BENCHMARK_MAIN();
