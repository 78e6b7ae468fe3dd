// The compiled form of a rule set (internal to the engine): leaves, condition nodes, rules in
// precedence order, and the per-field matchers shared by all rules.
#pragma once
#include <re2/re2.h>
#include <re2/set.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/keyword_automaton.h"
#include "engine/rule_set.h"

namespace tp {

enum class FieldId : uint8_t {
  Source,
  Type,
  Channel,
  Role,
  Intent,
  Name,
  Url,
  Path,
  Text,
  Session,
  Customer,
  Anonymous,
  Fallback,
  Escalated,
  Confidence,
  Rating,
  Sentiment,
  Property,
  Trait,
  TagPersona,
  TagStage,
  TagTouchpoint,
  Pain
};

struct FieldRef {
  FieldId id = FieldId::Text;
  std::string sub;  // properties.<sub> / traits.<sub>: a dotted path inside the object
  std::string name() const;
  bool operator==(const FieldRef& o) const { return id == o.id && sub == o.sub; }
};

// Parses "channel", "properties.plan", "tags.stage"...; nullopt for an unknown name.
std::optional<FieldRef> parse_field(std::string_view name);
bool is_numeric_field(FieldId id);
bool is_bool_field(FieldId id);

struct LiteralValue {
  enum class Kind { String, Number, Bool } kind = Kind::String;
  std::string s;
  double n = 0;
  bool b = false;
};

enum class LeafKind { Eq, Glob, Regex, Keywords, Compare, Exists, ReachedStage };
enum class CompareOp { Lt, Lte, Gt, Gte, Eq, Ne };

struct Leaf {
  LeafKind kind = LeafKind::Eq;
  FieldRef field;
  std::vector<LiteralValue> values;  // Eq: any of them
  std::vector<std::string> globs;    // Glob: any of them
  std::string regex_text;            // Regex
  std::unique_ptr<RE2> regex;
  std::vector<std::string> keywords;  // Keywords: folded search patterns (" word ", " pre", "詞")
  std::vector<std::string> keywords_as_written;
  CompareOp op = CompareOp::Eq;  // Compare
  double number = 0;
  int stage = -1;  // ReachedStage: journey index
  std::string stage_id;
  int group = -1;                // Keywords/Regex: the field group that precomputes it
  std::string describe() const;  // "text has a keyword of [refund, money back]"
};

struct Node {
  enum class Kind { All, Any, Not, Leaf } kind = Kind::Leaf;
  std::vector<uint32_t> children;
  uint32_t leaf = 0;
};

struct Actions {
  std::string persona, stage, touchpoint;
  bool persona_override = false;
  std::vector<std::string> pain;
  std::optional<double> sentiment;
  double sentiment_delta = 0;
};

struct CompiledRule {
  std::string id, description, file;
  int priority = 0;
  uint32_t root = 0;
  Actions then;
};

// Every keyword and regex leaf on one field, matched in one pass.
struct FieldGroup {
  FieldRef field;
  KeywordAutomaton automaton;
  std::vector<std::vector<uint32_t>> pattern_leaves;  // automaton pattern id -> leaves
  std::unique_ptr<RE2::Set> regexes;
  std::vector<uint32_t> regex_leaves;  // set index -> leaf
};

struct RuleSet::Impl {
  Journey journey;
  std::vector<Leaf> leaves;
  std::vector<Node> nodes;
  std::vector<CompiledRule> rules;  // precedence order: priority descending, then file order
  std::vector<FieldGroup> groups;
  std::vector<std::vector<uint32_t>> anchored;  // leaf -> rules that can only match when it holds
  std::vector<uint32_t> unanchored;             // rules checked for every interaction
};

// Builds RuleSet objects (RuleSet's constructor is private to keep them immutable and shared).
struct RuleSetBuilder {
  static std::shared_ptr<RuleSet> make(std::unique_ptr<RuleSet::Impl> impl, std::string version);
};

}  // namespace tp
