// Evaluating a compiled rule set against one interaction: the precomputed matchers first (one
// automaton pass and one RE2 set per field that has any), then the candidate rules in precedence
// order, each condition tree short-circuited.
#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "engine/glob.h"
#include "engine/rule_set_impl.h"
#include "engine/text_fold.h"

namespace tp {
namespace {

using json = nlohmann::json;

// Per-interaction state shared by every rule: fields read or parsed at most once.
class Context {
 public:
  Context(const TagInput& in, const CustomerView& customer, TagSet& tags)
      : in_(in), customer_(customer), tags_(tags) {}

  const TagInput& input() const { return in_; }
  const CustomerView& customer() const { return customer_; }
  TagSet& tags() { return tags_; }

  // The field as text; nullopt when absent. Numbers and booleans inside properties/traits are not text.
  std::optional<std::string_view> text(const FieldRef& f) {
    const Interaction& i = in_.interaction;
    auto nonempty = [](const std::string& s) -> std::optional<std::string_view> {
      if (s.empty()) return std::nullopt;
      return std::string_view(s);
    };
    switch (f.id) {
      case FieldId::Source:
        return in_.source.empty() ? std::nullopt : std::optional(in_.source);
      case FieldId::Type:
        return to_string(i.type);
      case FieldId::Channel:
        return nonempty(i.channel);
      case FieldId::Role:
        return i.role == Role::None ? std::nullopt : std::optional(to_string(i.role));
      case FieldId::Intent:
        return nonempty(i.intent);
      case FieldId::Name:
        return nonempty(i.name);
      case FieldId::Url:
        return nonempty(i.url);
      case FieldId::Path:
        return url_path();
      case FieldId::Text:
        return nonempty(i.text);
      case FieldId::Session:
        return nonempty(i.session_id);
      case FieldId::Customer:
        return in_.customer.empty() ? std::nullopt : std::optional(in_.customer);
      case FieldId::Anonymous:
        return nonempty(i.anonymous_id);
      case FieldId::TagPersona:
        return nonempty(tags_.persona);
      case FieldId::TagStage:
        return nonempty(tags_.stage);
      case FieldId::TagTouchpoint:
        return nonempty(tags_.touchpoint);
      case FieldId::Property:
      case FieldId::Trait: {
        const json* v = object_value(f);
        if (!v || !v->is_string()) return std::nullopt;
        return std::string_view(v->get_ref<const std::string&>());
      }
      default:
        return std::nullopt;
    }
  }

  std::optional<double> number(const FieldRef& f) {
    const Interaction& i = in_.interaction;
    switch (f.id) {
      case FieldId::Confidence:
        return i.confidence;
      case FieldId::Rating:
        return i.rating ? std::optional<double>(*i.rating) : std::nullopt;
      case FieldId::Sentiment:
        return tags_.sentiment;
      case FieldId::Property:
      case FieldId::Trait: {
        const json* v = object_value(f);
        if (!v || !v->is_number()) return std::nullopt;
        return v->get<double>();
      }
      default:
        return std::nullopt;
    }
  }

  std::optional<bool> boolean(const FieldRef& f) {
    const Interaction& i = in_.interaction;
    switch (f.id) {
      case FieldId::Fallback:
        return i.fallback;
      case FieldId::Escalated:
        return i.escalated;
      case FieldId::Property:
      case FieldId::Trait: {
        const json* v = object_value(f);
        if (!v || !v->is_boolean()) return std::nullopt;
        return v->get<bool>();
      }
      default:
        return std::nullopt;
    }
  }

  bool exists(const FieldRef& f) {
    if (f.id == FieldId::Pain) return !tags_.pain.empty();
    return text(f) || number(f) || boolean(f) ||
           (f.id == FieldId::Property || f.id == FieldId::Trait ? object_value(f) != nullptr : false);
  }

  // Folded text of a field (cached per field group).
  const std::string& folded(size_t group, const FieldRef& f) {
    if (folded_.size() <= group) folded_.resize(group + 1);
    auto& slot = folded_[group];
    if (!slot) {
      slot.emplace();
      if (auto t = text(f)) TextFolder::instance().fold(*t, *slot);
    }
    return *slot;
  }

  const std::string& folded_by_name(const FieldRef& f) {
    auto [it, inserted] = folded_by_name_.try_emplace(f.name());
    if (inserted)
      if (auto t = text(f)) TextFolder::instance().fold(*t, it->second);
    return it->second;
  }

  std::vector<uint8_t> fired;  // leaf -> precomputed verdict (keywords, regex)

 private:
  std::optional<std::string_view> url_path() {
    const std::string& url = in_.interaction.url;
    if (url.empty()) return std::nullopt;
    size_t start = 0;
    if (const size_t scheme = url.find("://"); scheme != std::string::npos) {
      start = url.find('/', scheme + 3);
      if (start == std::string::npos) return std::string_view("/");
    }
    const size_t end = url.find_first_of("?#", start);
    return std::string_view(url).substr(start, end == std::string::npos ? std::string::npos : end - start);
  }

  const json* object_value(const FieldRef& f) {
    auto& slot = f.id == FieldId::Property ? properties_ : traits_;
    if (!slot) {
      const std::string& text =
          f.id == FieldId::Property ? in_.interaction.properties_json : in_.interaction.traits_json;
      slot = text.empty() ? json() : json::parse(text, nullptr, /*allow_exceptions=*/false);
    }
    const json* cur = &*slot;
    size_t start = 0;
    while (start <= f.sub.size()) {
      const size_t dot = f.sub.find('.', start);
      const std::string key = f.sub.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (!cur->is_object()) return nullptr;
      auto it = cur->find(key);
      if (it == cur->end()) return nullptr;
      cur = &*it;
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return cur->is_null() ? nullptr : cur;
  }

  const TagInput& in_;
  const CustomerView& customer_;
  TagSet& tags_;
  std::optional<json> properties_, traits_;
  std::vector<std::optional<std::string>> folded_;
  std::map<std::string, std::string> folded_by_name_;
};

bool compare(double a, CompareOp op, double b) {
  switch (op) {
    case CompareOp::Lt:
      return a < b;
    case CompareOp::Lte:
      return a <= b;
    case CompareOp::Gt:
      return a > b;
    case CompareOp::Gte:
      return a >= b;
    case CompareOp::Eq:
      return a == b;
    case CompareOp::Ne:
      return a != b;
  }
  return false;
}

bool eq_leaf(const Leaf& leaf, Context& ctx) {
  if (leaf.field.id == FieldId::Pain) {
    for (const auto& v : leaf.values)
      if (v.kind == LiteralValue::Kind::String && ctx.tags().has_pain(v.s)) return true;
    return false;
  }
  for (const auto& v : leaf.values) {
    switch (v.kind) {
      case LiteralValue::Kind::String:
        if (auto t = ctx.text(leaf.field); t && *t == v.s) return true;
        break;
      case LiteralValue::Kind::Number:
        if (auto n = ctx.number(leaf.field); n && *n == v.n) return true;
        break;
      case LiteralValue::Kind::Bool:
        if (auto b = ctx.boolean(leaf.field); b && *b == v.b) return true;
        break;
    }
  }
  return false;
}

// Leaves that the field groups do not precompute, and (naive) those too.
bool eval_leaf(const RuleSet::Impl& rs, uint32_t index, Context& ctx, bool naive) {
  const Leaf& leaf = rs.leaves[index];
  switch (leaf.kind) {
    case LeafKind::Eq:
      return eq_leaf(leaf, ctx);
    case LeafKind::Glob: {
      auto t = ctx.text(leaf.field);
      if (!t) return false;
      for (const auto& g : leaf.globs)
        if (glob_match(g, *t)) return true;
      return false;
    }
    case LeafKind::Compare: {
      auto n = ctx.number(leaf.field);
      return n && compare(*n, leaf.op, leaf.number);
    }
    case LeafKind::Exists:
      return ctx.exists(leaf.field);
    case LeafKind::ReachedStage:
      return ctx.customer().reached(leaf.stage);
    case LeafKind::Regex:
      if (!naive) return ctx.fired[index] != 0;
      if (auto t = ctx.text(leaf.field)) return RE2::PartialMatch(*t, *leaf.regex);
      return false;
    case LeafKind::Keywords:
      if (!naive) return ctx.fired[index] != 0;
      if (ctx.text(leaf.field)) {
        // A fair baseline: each field is folded once per interaction, then every keyword searched.
        const std::string& folded = ctx.folded_by_name(leaf.field);
        for (const auto& k : leaf.keywords)
          if (folded.find(k) != std::string::npos) return true;
      }
      return false;
  }
  return false;
}

// A condition subtree in words (for explanations of "not").
std::string describe_node(const RuleSet::Impl& rs, uint32_t index) {
  const Node& node = rs.nodes[index];
  if (node.kind == Node::Kind::Leaf) return rs.leaves[node.leaf].describe();
  if (node.kind == Node::Kind::Not) return "not (" + describe_node(rs, node.children[0]) + ")";
  std::string out = node.kind == Node::Kind::All ? "all of (" : "any of (";
  for (size_t i = 0; i < node.children.size(); ++i)
    out += (i ? "; " : "") + describe_node(rs, node.children[i]);
  return out + ")";
}

bool eval_node(const RuleSet::Impl& rs, uint32_t index, Context& ctx, bool naive,
               std::vector<std::string>* because) {
  const Node& node = rs.nodes[index];
  switch (node.kind) {
    case Node::Kind::Leaf: {
      const bool ok = eval_leaf(rs, node.leaf, ctx, naive);
      if (ok && because) because->push_back(rs.leaves[node.leaf].describe());
      return ok;
    }
    case Node::Kind::All:
      for (const uint32_t c : node.children)
        if (!eval_node(rs, c, ctx, naive, because)) return false;
      return true;
    case Node::Kind::Any:
      for (const uint32_t c : node.children)
        if (eval_node(rs, c, ctx, naive, because)) return true;
      return false;
    case Node::Kind::Not: {
      std::vector<std::string> inner_because;
      const bool inner = eval_node(rs, node.children[0], ctx, naive, because ? &inner_because : nullptr);
      if (!inner && because) because->push_back("not: " + describe_node(rs, node.children[0]));
      return !inner;
    }
  }
  return false;
}

// A rule may set a tag when nothing of higher standing decided it already.
bool may_set(TagOrigin current) {
  return current == TagOrigin::None || current == TagOrigin::Plugin;
}

void apply_actions(const CompiledRule& rule, TagSet& tags, RuleExplanation* ex) {
  const Actions& a = rule.then;
  auto set = [&](const char* what, const std::string& value, std::string& tag, TagOrigin& origin, bool may) {
    if (value.empty()) return;
    if (may) {
      tag = value;
      origin = TagOrigin::Rule;
      if (ex) ex->applied.push_back(std::string(what) + " = " + value);
    } else if (ex) {
      const char* by = origin == TagOrigin::Preset   ? "the sender's preset tag"
                       : origin == TagOrigin::Sticky ? "the customer's sticky persona"
                                                     : "a rule of higher precedence";
      ex->ignored.push_back(std::string(what) + " = " + value + " (kept '" + tag + "' from " + by + ")");
    }
  };
  set("persona", a.persona, tags.persona, tags.persona_origin,
      may_set(tags.persona_origin) || (a.persona_override && tags.persona_origin == TagOrigin::Sticky));
  set("stage", a.stage, tags.stage, tags.stage_origin, may_set(tags.stage_origin));
  set("touchpoint", a.touchpoint, tags.touchpoint, tags.touchpoint_origin, may_set(tags.touchpoint_origin));
  for (const auto& p : a.pain) {
    const bool had = tags.has_pain(p);
    tags.add_pain(p);
    if (ex && !had) ex->applied.push_back("pain += " + p);
  }
  if (a.sentiment) {
    if (tags.sentiment_origin != TagOrigin::Preset && tags.sentiment_origin != TagOrigin::Rule) {
      tags.sentiment = a.sentiment;
      tags.sentiment_origin = TagOrigin::Rule;
      if (ex) ex->applied.push_back("sentiment = " + std::to_string(*a.sentiment));
    } else if (ex) {
      ex->ignored.push_back("sentiment (already given by the sender or a rule of higher precedence)");
    }
  }
  if (a.sentiment_delta != 0) {
    tags.sentiment = std::clamp(tags.sentiment.value_or(0.0) + a.sentiment_delta, -1.0, 1.0);
    if (tags.sentiment_origin == TagOrigin::None) tags.sentiment_origin = TagOrigin::Rule;
    if (ex) ex->applied.push_back("sentiment += " + std::to_string(a.sentiment_delta));
  }
  tags.rules.push_back(rule.id);
}

void run_rules(const RuleSet::Impl& rs, const std::vector<uint32_t>& order, Context& ctx, bool naive,
               std::vector<RuleExplanation>* explain) {
  for (const uint32_t r : order) {
    const CompiledRule& rule = rs.rules[r];
    std::vector<std::string> because;
    if (!eval_node(rs, rule.root, ctx, naive, explain ? &because : nullptr)) continue;
    if (explain) {
      explain->push_back({rule.id, rule.priority, std::move(because), {}, {}});
      apply_actions(rule, ctx.tags(), &explain->back());
    } else {
      apply_actions(rule, ctx.tags(), nullptr);
    }
  }
}

}  // namespace

RuleSet::RuleSet() = default;
RuleSet::~RuleSet() = default;

size_t RuleSet::rule_count() const {
  return impl_->rules.size();
}

void RuleSet::apply(const TagInput& input, const CustomerView& customer, TagSet& tags,
                    std::vector<RuleExplanation>* explain) const {
  const Impl& rs = *impl_;
  Context ctx(input, customer, tags);
  ctx.fired.assign(rs.leaves.size(), 0);

  // One pass per field group that has something to match.
  thread_local std::vector<uint32_t> candidates;
  thread_local std::vector<int> set_hits;
  candidates.assign(rs.unanchored.begin(), rs.unanchored.end());
  auto fire = [&](uint32_t leaf) {
    if (ctx.fired[leaf]) return;
    ctx.fired[leaf] = 1;
    const auto& rules = rs.anchored[leaf];
    candidates.insert(candidates.end(), rules.begin(), rules.end());
  };
  for (size_t g = 0; g < rs.groups.size(); ++g) {
    const FieldGroup& group = rs.groups[g];
    if (group.automaton.patterns() > 0) {
      const std::string& folded = ctx.folded(g, group.field);
      if (folded.size() > 1)
        group.automaton.scan(folded, [&](uint32_t pattern) {
          for (const uint32_t leaf : group.pattern_leaves[pattern]) fire(leaf);
        });
    }
    if (group.regexes) {
      if (auto t = ctx.text(group.field)) {
        set_hits.clear();
        if (group.regexes->Match(*t, &set_hits))
          for (const int i : set_hits) fire(group.regex_leaves[static_cast<size_t>(i)]);
      }
    }
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  run_rules(rs, candidates, ctx, false, explain);
}

void RuleSet::apply_naive(const TagInput& input, const CustomerView& customer, TagSet& tags) const {
  const Impl& rs = *impl_;
  Context ctx(input, customer, tags);
  std::vector<uint32_t> all(rs.rules.size());
  for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
  run_rules(rs, all, ctx, true, nullptr);
}

}  // namespace tp
