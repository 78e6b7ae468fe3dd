// Tagging one interaction, start to finish: the sender's preset tags and sentiment, the customer's
// sticky persona, plugins, rules, built-in pain signals, the touchpoint from the channel hint; then
// the memory is updated (persona, stages reached, conversation). Pure computation: no I/O.
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "engine/journey_memory.h"
#include "engine/rule_set.h"
#include "model/journey.h"
#include "model/tag_set.h"

namespace tp {

struct SignalOptions {
  double unanswered_confidence = 0.5;  // a matched intent below this confidence counts as unanswered
  double negative_sentiment = -0.3;    // sentiment at or below this is a "negative" pain signal
  double repeated_similarity = 0.8;    // token-set Jaccard similarity of a repeated question
  int64_t slow_response_ms = 60000;    // a bot/agent answer later than this after the customer's turn
  size_t remembered_questions = 5;     // per conversation
};

// Plugins run before rules; the daemon passes its plugin host through this hook (null: no plugins).
using PluginHook = std::function<void(const TagInput& input, TagSet& tags)>;

class Tagger {
 public:
  Tagger(std::shared_ptr<const RuleSet> rules, const Journey& journey, SignalOptions signals = {},
         PluginHook plugins = {});

  // Tags `in` (stored under `source`) and updates `memory`. `explain` receives the matching rules;
  // `customer_changed`, whether what `memory` remembers of the interaction's customer changed (so that
  // only changed customers are written back).
  TagSet tag(const Interaction& in, std::string_view source, JourneyMemory& memory,
             std::vector<RuleExplanation>* explain = nullptr, bool* customer_changed = nullptr) const;

  const std::string& version() const { return version_; }
  const RuleSet& rules() const { return *rules_; }

 private:
  void signals(const Interaction& in, JourneyMemory& memory, TagSet& tags) const;

  std::shared_ptr<const RuleSet> rules_;
  Journey journey_;
  SignalOptions signals_;
  PluginHook plugins_;
  std::string version_;
};

// Words of a question, folded, as a sorted set: the unit of "near-identical" comparison.
std::vector<std::string> question_tokens(std::string_view text);
double jaccard(const std::vector<std::string>& a, const std::vector<std::string>& b);

}  // namespace tp
