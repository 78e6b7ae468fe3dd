// A compiled rule set: every rule pack file parsed, checked against the journey, and compiled into
// one keyword automaton and one RE2 set per field, with rules indexed by the leaf that anchors them.
// Immutable once built, so the daemon swaps whole rule sets atomically on reload.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/customer_state.h"
#include "model/interaction.h"
#include "model/journey.h"
#include "model/tag_set.h"
#include "util/diagnostic.h"

namespace tp {

inline constexpr int kEngineVersionMajor = 1;
inline constexpr int kEngineVersionMinor = 0;

struct RuleSource {
  std::string file;  // for messages
  std::string text;  // JSON, comments allowed
};

// What one interaction looks like to the rules: the canonical fields plus where it came from.
struct TagInput {
  const Interaction& interaction;
  std::string_view source;
  std::string_view customer;  // resolved customer key (customer id, else anonymous id)
};

// Why a rule matched, in words, for `touchpointd rules test`.
struct RuleExplanation {
  std::string rule;
  int priority = 0;
  std::vector<std::string> because;  // the leaf conditions that held
  std::vector<std::string> applied;  // actions that took effect
  std::vector<std::string> ignored;  // actions that lost to preset tags, stickiness or a higher rule
};

class RuleSet {
 public:
  ~RuleSet();
  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;

  // Applies the matching rules to `tags` (which holds preset tags, sticky persona and plugin results).
  // `explain` (optional) receives one entry per matching rule.
  void apply(const TagInput& input, const CustomerView& customer, TagSet& tags,
             std::vector<RuleExplanation>* explain = nullptr) const;

  // The same decisions without the automaton, RE2 sets or index: every rule checked one by one, each
  // keyword searched and each regex run on its own. The benchmark's baseline and the tests' oracle.
  void apply_naive(const TagInput& input, const CustomerView& customer, TagSet& tags) const;

  size_t rule_count() const;
  const std::string& version() const { return version_; }  // content hash of the sources

  struct Impl;

 private:
  friend struct RuleSetBuilder;
  RuleSet();
  std::unique_ptr<Impl> impl_;
  std::string version_;
};

struct RuleLoad {
  std::shared_ptr<const RuleSet> rules;  // null when there are errors
  std::vector<Diagnostic> diagnostics;   // subject: the rule id (or list/macro name) when known
  bool ok() const { return rules != nullptr; }
  size_t errors() const;
};

// Collects every error and warning of every file; builds the rule set only when there is no error.
RuleLoad compile_rules(const std::vector<RuleSource>& sources, const Journey& journey);

}  // namespace tp
