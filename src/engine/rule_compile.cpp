// Rule packs -> a compiled RuleSet. Every file is read in full and every problem is collected (with
// file:line:column, the rule id and a snippet) before deciding; a set with any error is not built.
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/rule_set_impl.h"
#include "engine/text_fold.h"
#include "util/json_positions.h"
#include "util/text.h"

namespace tp {
namespace {

using json = nlohmann::json;
using Severity = Diagnostic::Severity;

struct FileCtx {
  std::string file;
  const std::string* text = nullptr;
  std::unique_ptr<JsonPositions> positions;
  json doc;
  bool parsed = false;
};

struct NamedList {
  std::vector<std::string> items;
  size_t file = 0;
  std::string pointer;
  bool used = false;
};

struct NamedMacro {
  const json* condition = nullptr;
  size_t file = 0;
  std::string pointer;
  bool used = false;
  bool expanding = false;
  size_t nodes = 0;  // the nodes one use of it adds, once known, or at least, once too many (0: not yet)
};

// A rule's condition, with its macros copied in, has at most this many nodes. Each use of a macro copies
// it, so six levels of macros that each use the one below ten times made a 1.3 KB pack a million
// conditions (15 s and 929 MB to check, and as long to evaluate for every event).
constexpr size_t kMaxRuleNodes = 10000;

bool valid_reason(const std::string& s) {
  if (s.empty() || s.size() > 64 || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

bool valid_rule_id(const std::string& s) {
  if (s.empty() || s.size() > 100) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == ':';
  });
}

std::string content_hash(const std::vector<RuleSource>& sources) {
  std::string all;
  for (const auto& s : sources) {
    all.append(s.file).push_back('\0');
    all.append(s.text).push_back('\0');
  }
  return sha256_hex(all).substr(0, 12);
}

class Compiler {
 public:
  Compiler(const std::vector<RuleSource>& sources, const Journey& journey) : sources_(sources) {
    impl_ = std::make_unique<RuleSet::Impl>();
    impl_->journey = journey;
  }

  RuleLoad run() {
    for (size_t f = 0; f < sources_.size(); ++f) parse_file(f);
    for (size_t f = 0; f < files_.size(); ++f)
      if (files_[f].parsed) collect_named(f);
    for (size_t f = 0; f < files_.size(); ++f)
      if (files_[f].parsed) compile_rules(f);
    for (const auto& [name, list] : lists_)
      if (!list.used) warn(list.file, list.pointer, name, "list '" + name + "' is never used", true);
    for (const auto& [name, macro] : macros_)
      if (!macro.used) warn(macro.file, macro.pointer, name, "macro '" + name + "' is never used", true);

    RuleLoad out;
    const bool failed = std::any_of(diags_.begin(), diags_.end(),
                                    [](const auto& d) { return d.severity == Severity::Error; });
    if (!failed) {
      finish();
      out.rules = RuleSetBuilder::make(std::move(impl_), content_hash(sources_));
    }
    out.diagnostics = std::move(diags_);
    return out;
  }

 private:
  // ---- diagnostics ----
  void report(Severity sev, size_t file, const std::string& pointer, const std::string& rule,
              const std::string& message, bool at_key) {
    Diagnostic d;
    d.severity = sev;
    d.file = files_[file].file;
    d.subject = rule;
    d.pointer = pointer;
    d.message = message;
    d.at_key = at_key;
    if (files_[file].positions) place(d, *files_[file].positions);
    diags_.push_back(std::move(d));
  }
  void error(size_t file, const std::string& pointer, const std::string& rule, const std::string& message,
             bool at_key = false) {
    report(Severity::Error, file, pointer, rule, message, at_key);
  }
  void warn(size_t file, const std::string& pointer, const std::string& rule, const std::string& message,
            bool at_key = false) {
    report(Severity::Warning, file, pointer, rule, message, at_key);
  }

  // Reports keys of `obj` not in `allowed`.
  void unknown_keys(size_t file, const json& obj, const std::string& pointer, const std::string& rule,
                    std::initializer_list<const char*> allowed, const char* what) {
    for (const auto& item : obj.items()) {
      const std::string& key = item.key();  // not a structured binding: clang 14 cannot capture one
      if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; })) {
        std::string list;
        for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        error(
            file, pointer + "/" + json_pointer_token(key), rule,
            "unknown field '" + truncate_utf8(key, 64) + "' in " + what + " (expected one of: " + list + ")",
            true);
      }
    }
  }

  // ---- files, lists, macros ----
  void parse_file(size_t f) {
    FileCtx ctx;
    ctx.file = sources_[f].file;
    ctx.text = &sources_[f].text;
    ctx.positions = std::make_unique<JsonPositions>(*ctx.text);
    files_.push_back(std::move(ctx));
    FileCtx& fc = files_.back();
    try {
      fc.doc = json::parse(*fc.text, nullptr, true, /*ignore_comments=*/true);
    } catch (const json::exception& e) {  // parse_error, or out_of_range for a number beyond a double
      diags_.push_back(json_syntax_diagnostic(fc.file, *fc.positions, e));
      return;
    }
    if (!fc.doc.is_object()) {
      error(f, "", "", "a rule pack is a JSON object with \"rules\" (and optionally \"lists\", \"macros\")");
      return;
    }
    fc.parsed = true;
    unknown_keys(f, fc.doc, "", "", {"required_engine_version", "description", "lists", "macros", "rules"},
                 "a rule pack");
    if (auto it = fc.doc.find("required_engine_version"); it != fc.doc.end()) check_engine_version(f, *it);
  }

  void check_engine_version(size_t f, const json& v) {
    std::string text = v.is_string() ? v.get<std::string>() : v.is_number() ? v.dump() : "";
    int major = -1, minor = 0;
    if (std::sscanf(text.c_str(), "%d.%d", &major, &minor) < 1 || major < 0) {
      error(f, "/required_engine_version", "", "must be a version such as \"1.0\"");
      return;
    }
    if (major != kEngineVersionMajor || minor > kEngineVersionMinor)
      error(f, "/required_engine_version", "",
            "the pack requires engine version " + text + "; this engine is " +
                std::to_string(kEngineVersionMajor) + "." + std::to_string(kEngineVersionMinor));
  }

  void collect_named(size_t f) {
    const json& doc = files_[f].doc;
    if (auto it = doc.find("lists"); it != doc.end()) {
      if (!it->is_object()) {
        error(f, "/lists", "", "lists must be an object of named string lists");
      } else {
        for (const auto& [name, items] : it->items()) {
          const std::string ptr = "/lists/" + json_pointer_token(name);
          if (lists_.count(name)) {
            error(f, ptr, name, "list '" + name + "' is defined twice", true);
            continue;
          }
          NamedList list{{}, f, ptr, false};
          if (!items.is_array()) {
            error(f, ptr, name, "a list is an array of strings");
          } else {
            for (size_t i = 0; i < items.size(); ++i) {
              if (items[i].is_string())
                list.items.push_back(items[i].get<std::string>());
              else
                error(f, ptr + "/" + std::to_string(i), name, "list items must be strings");
            }
          }
          lists_.emplace(name, std::move(list));
        }
      }
    }
    if (auto it = doc.find("macros"); it != doc.end()) {
      if (!it->is_object()) {
        error(f, "/macros", "", "macros must be an object of named conditions");
      } else {
        for (const auto& [name, cond] : it->items()) {
          const std::string ptr = "/macros/" + json_pointer_token(name);
          if (macros_.count(name)) {
            error(f, ptr, name, "macro '" + name + "' is defined twice", true);
            continue;
          }
          macros_.emplace(name, NamedMacro{&cond, f, ptr, false, false});
        }
      }
    }
  }

  // Strings of a value that may be a string or an array, with "@list" references expanded.
  std::optional<std::vector<std::string>> strings(size_t f, const json& v, const std::string& ptr,
                                                  const std::string& rule) {
    std::vector<std::string> out;
    auto one = [&](const json& item, const std::string& p) {
      if (!item.is_string()) {
        error(f, p, rule, "must be a string (or \"@list\")");
        return false;
      }
      const std::string& s = item.get_ref<const std::string&>();
      if (s.size() > 1 && s[0] == '@') {
        auto it = lists_.find(s.substr(1));
        if (it == lists_.end()) {
          error(f, p, rule, "unknown list '" + truncate_utf8(std::string_view(s).substr(1), 64) + "'");
          return false;
        }
        it->second.used = true;
        out.insert(out.end(), it->second.items.begin(), it->second.items.end());
      } else {
        out.push_back(s);
      }
      return true;
    };
    bool ok = true;
    if (v.is_array()) {
      for (size_t i = 0; i < v.size(); ++i) ok = one(v[i], ptr + "/" + std::to_string(i)) && ok;
    } else {
      ok = one(v, ptr);
    }
    if (!ok) return std::nullopt;
    return out;
  }

  // ---- conditions ----
  std::optional<uint32_t> condition(size_t f, const json& c, const std::string& ptr, const std::string& rule,
                                    int depth) {
    if (rule_nodes_ > kMaxRuleNodes) return std::nullopt;  // compile_rule reports it, once
    if (depth > 32) {
      error(f, ptr, rule, "conditions are nested deeper than 32");
      return std::nullopt;
    }
    if (!c.is_object() || c.empty()) {
      error(f, ptr, rule,
            "a condition is an object: {\"all\": [...]}, {\"any\": [...]}, {\"not\": {...}}, {\"macro\": "
            "\"name\"}, {\"field\": ..., \"eq\": ...} or {\"reached_stage\": ...}");
      return std::nullopt;
    }
    for (const char* combinator : {"all", "any"}) {
      if (auto it = c.find(combinator); it != c.end()) {
        unknown_keys(f, c, ptr, rule, {combinator},
                     combinator == std::string("all") ? "an \"all\" condition" : "an \"any\" condition");
        if (!it->is_array() || it->empty()) {
          error(f, ptr + "/" + combinator, rule,
                std::string("\"") + combinator + "\" takes a non-empty array of conditions");
          return std::nullopt;
        }
        Node node;
        node.kind = combinator == std::string("all") ? Node::Kind::All : Node::Kind::Any;
        bool ok = true;
        for (size_t i = 0; i < it->size(); ++i) {
          auto child =
              condition(f, (*it)[i], ptr + "/" + combinator + "/" + std::to_string(i), rule, depth + 1);
          if (child)
            node.children.push_back(*child);
          else
            ok = false;
        }
        if (!ok) return std::nullopt;
        return add_node(std::move(node));
      }
    }
    if (auto it = c.find("not"); it != c.end()) {
      unknown_keys(f, c, ptr, rule, {"not"}, "a \"not\" condition");
      auto child = condition(f, *it, ptr + "/not", rule, depth + 1);
      if (!child) return std::nullopt;
      Node node;
      node.kind = Node::Kind::Not;
      node.children.push_back(*child);
      return add_node(std::move(node));
    }
    if (auto it = c.find("macro"); it != c.end()) {
      unknown_keys(f, c, ptr, rule, {"macro"}, "a macro reference");
      if (!it->is_string()) {
        error(f, ptr + "/macro", rule, "must be the name of a macro");
        return std::nullopt;
      }
      auto m = macros_.find(it->get<std::string>());
      if (m == macros_.end()) {
        error(f, ptr + "/macro", rule,
              "unknown macro '" + truncate_utf8(it->get_ref<const std::string&>(), 64) + "'");
        return std::nullopt;
      }
      NamedMacro& macro = m->second;
      macro.used = true;
      if (macro.expanding) {
        error(f, ptr + "/macro", rule, "macro '" + m->first + "' refers to itself");
        return std::nullopt;
      }
      const size_t before = rule_nodes_;
      if (macro.nodes > 0 && before + macro.nodes > kMaxRuleNodes) {
        rule_nodes_ = kMaxRuleNodes + 1;
      } else {
        macro.expanding = true;
        auto inlined = condition(macro.file, *macro.condition, macro.pointer, rule, depth + 1);
        macro.expanding = false;
        if (rule_nodes_ <= kMaxRuleNodes) {
          if (inlined) macro.nodes = rule_nodes_ - before;
          return inlined;
        }
      }
      // Too large. The nodes copied before giving up are a lower bound of the macro's size: with it, the
      // next use (another rule's) is refused without copying. The use nearest the rule is named (the last
      // one to get here as the copies unwind).
      macro.nodes = std::max(macro.nodes, kMaxRuleNodes + 1 - before);
      too_large_ = {f, ptr + "/macro", m->first};
      return std::nullopt;
    }
    if (auto it = c.find("reached_stage"); it != c.end()) {
      unknown_keys(f, c, ptr, rule, {"reached_stage"}, "a reached_stage condition");
      Leaf leaf;
      leaf.kind = LeafKind::ReachedStage;
      if (!it->is_string() || impl_->journey.stage_index(it->get<std::string>()) < 0) {
        error(f, ptr + "/reached_stage", rule, "unknown stage id" + stage_hint());
        return std::nullopt;
      }
      leaf.stage_id = it->get<std::string>();
      leaf.stage = impl_->journey.stage_index(leaf.stage_id);
      return add_leaf(std::move(leaf));
    }
    if (c.contains("field")) return field_condition(f, c, ptr, rule);
    error(f, ptr, rule, "a condition needs one of: all, any, not, macro, field, reached_stage");
    return std::nullopt;
  }

  std::string stage_hint() const {
    std::string s = " (stages: ";
    for (size_t i = 0; i < impl_->journey.stages.size(); ++i)
      s += (i ? ", " : "") + impl_->journey.stages[i].id;
    return s + ")";
  }

  bool journey_id_ok(FieldId id, const std::string& value) const {
    const Journey& j = impl_->journey;
    if (id == FieldId::TagStage) return j.stage_index(value) >= 0;
    if (id == FieldId::TagPersona) return j.has_persona(value);
    if (id == FieldId::TagTouchpoint) return j.has_touchpoint(value);
    return true;
  }

  std::optional<uint32_t> field_condition(size_t f, const json& c, const std::string& ptr,
                                          const std::string& rule) {
    unknown_keys(f, c, ptr, rule,
                 {"field", "eq", "in", "ne", "glob", "regex", "keywords", "lt", "lte", "gt", "gte", "exists"},
                 "a field condition");
    const json& fv = c["field"];
    std::optional<FieldRef> field = fv.is_string() ? parse_field(fv.get<std::string>()) : std::nullopt;
    if (!field) {
      error(
          f, ptr + "/field", rule,
          "unknown field (use source, type, channel, role, intent, name, url, path, text, session, customer, "
          "anonymous_id, fallback, escalated, confidence, rating, sentiment, properties.*, traits.*, "
          "tags.persona, "
          "tags.stage, tags.touchpoint or pain)");
      return std::nullopt;
    }
    std::vector<std::string> ops;
    for (const auto& [key, _] : c.items())
      if (key != "field") ops.push_back(key);
    if (ops.size() != 1) {
      error(f, ptr, rule,
            ops.empty() ? "a field condition needs an operator (eq, in, glob, regex, keywords, lt, lte, gt, "
                          "gte, ne, exists)"
                        : "a field condition takes exactly one operator; split it with \"all\"");
      return std::nullopt;
    }
    const std::string op = ops[0];
    const std::string op_ptr = ptr + "/" + op;
    const json& v = c[op];
    const bool text_field = !is_numeric_field(field->id) && !is_bool_field(field->id);
    const bool object_field = field->id == FieldId::Property || field->id == FieldId::Trait;
    const bool tag_field = field->id == FieldId::TagPersona || field->id == FieldId::TagStage ||
                           field->id == FieldId::TagTouchpoint || field->id == FieldId::Pain;
    Leaf leaf;
    leaf.field = *field;

    if (op == "eq" || op == "in") {
      leaf.kind = LeafKind::Eq;
      std::vector<const json*> items;
      std::vector<std::string> expanded;
      if (op == "in") {
        if (!v.is_array()) {
          error(f, op_ptr, rule, "\"in\" takes an array");
          return std::nullopt;
        }
        for (size_t i = 0; i < v.size(); ++i) {
          if (v[i].is_string()) {
            auto s = strings(f, v[i], op_ptr + "/" + std::to_string(i), rule);
            if (!s) return std::nullopt;
            for (auto& x : *s) leaf.values.push_back({LiteralValue::Kind::String, x, 0, false});
          } else {
            items.push_back(&v[i]);
          }
        }
      } else {
        items.push_back(&v);
      }
      for (const json* item : items) {
        if (item->is_string())
          leaf.values.push_back({LiteralValue::Kind::String, item->get<std::string>(), 0, false});
        else if (item->is_number())
          leaf.values.push_back({LiteralValue::Kind::Number, {}, item->get<double>(), false});
        else if (item->is_boolean())
          leaf.values.push_back({LiteralValue::Kind::Bool, {}, 0, item->get<bool>()});
        else {
          error(f, op_ptr, rule, "values are strings, numbers or booleans");
          return std::nullopt;
        }
      }
      for (const auto& val : leaf.values) {
        const bool kind_ok = object_field || (val.kind == LiteralValue::Kind::String && text_field) ||
                             (val.kind == LiteralValue::Kind::Number && is_numeric_field(field->id)) ||
                             (val.kind == LiteralValue::Kind::Bool && is_bool_field(field->id));
        if (!kind_ok) {
          error(f, op_ptr, rule, "'" + field->name() + "' cannot equal a value of this type");
          return std::nullopt;
        }
        if (val.kind == LiteralValue::Kind::String && tag_field && !journey_id_ok(field->id, val.s)) {
          error(f, op_ptr, rule,
                "'" + truncate_utf8(val.s, 64) + "' is not a " + field->name().substr(5) +
                    " id of the journey");
          return std::nullopt;
        }
        if (field->id == FieldId::Type && !event_type_from(val.s)) {
          error(f, op_ptr, rule, "type is one of message, page, track, identify, feedback, handoff");
          return std::nullopt;
        }
        if (field->id == FieldId::Role && !role_from(val.s)) {
          error(f, op_ptr, rule, "role is one of user, bot, agent");
          return std::nullopt;
        }
      }
      if (leaf.values.empty()) {
        error(f, op_ptr, rule, "\"in\" needs at least one value");
        return std::nullopt;
      }
      return add_leaf(std::move(leaf));
    }
    if (op == "glob" || op == "regex" || op == "keywords") {
      if (!text_field || (op != "glob" && tag_field)) {
        error(
            f, op_ptr, rule,
            "'" + op + "' applies to text fields" + std::string(tag_field ? " (use eq or in for tags)" : ""));
        return std::nullopt;
      }
      auto s = strings(f, v, op_ptr, rule);
      if (!s) return std::nullopt;
      if (s->empty()) {
        error(f, op_ptr, rule, "'" + op + "' needs at least one pattern");
        return std::nullopt;
      }
      if (op == "glob") {
        leaf.kind = LeafKind::Glob;
        leaf.globs = *s;
        return add_leaf(std::move(leaf));
      }
      if (op == "regex") {
        if (s->size() != 1) {
          error(f, op_ptr, rule, "'regex' takes one pattern; combine alternatives with |");
          return std::nullopt;
        }
        leaf.kind = LeafKind::Regex;
        leaf.regex_text = (*s)[0];
        leaf.regex = std::make_unique<RE2>(leaf.regex_text, regex_options());
        if (!leaf.regex->ok()) {
          error(f, op_ptr, rule, "bad regular expression: " + leaf.regex->error());
          return std::nullopt;
        }
        return add_leaf(std::move(leaf));
      }
      leaf.kind = LeafKind::Keywords;
      for (const auto& k : *s) {
        auto folded = fold_keyword(k);
        if (!folded) {
          error(f, op_ptr, rule, "keyword '" + truncate_utf8(k, 64) + "' has no letters or digits");
          return std::nullopt;
        }
        leaf.keywords.push_back(*folded);
        leaf.keywords_as_written.push_back(k);
      }
      return add_leaf(std::move(leaf));
    }
    if (op == "lt" || op == "lte" || op == "gt" || op == "gte" || op == "ne") {
      if (!is_numeric_field(field->id) && !object_field) {
        error(f, op_ptr, rule, "'" + op + "' compares numbers; '" + field->name() + "' is not a number");
        return std::nullopt;
      }
      if (!v.is_number()) {
        error(f, op_ptr, rule, "'" + op + "' takes a number");
        return std::nullopt;
      }
      leaf.kind = LeafKind::Compare;
      leaf.op = op == "lt"    ? CompareOp::Lt
                : op == "lte" ? CompareOp::Lte
                : op == "gt"  ? CompareOp::Gt
                : op == "gte" ? CompareOp::Gte
                              : CompareOp::Ne;
      leaf.number = v.get<double>();
      return add_leaf(std::move(leaf));
    }
    // exists
    if (!v.is_boolean()) {
      error(f, op_ptr, rule, "'exists' takes true or false");
      return std::nullopt;
    }
    leaf.kind = LeafKind::Exists;
    auto id = add_leaf(std::move(leaf));
    if (v.get<bool>()) return id;
    Node node;
    node.kind = Node::Kind::Not;
    node.children.push_back(id);
    return add_node(std::move(node));
  }

  static RE2::Options regex_options() {
    RE2::Options o;
    o.set_log_errors(false);
    o.set_max_mem(8 << 20);
    return o;
  }

  // " word " for whole words, " pre" for "pre*", bare for scripts written without spaces.
  static std::optional<std::string> fold_keyword(const std::string& keyword) {
    std::string k = keyword;
    const bool prefix = !k.empty() && k.back() == '*';
    if (prefix) k.pop_back();
    std::string folded = TextFolder::instance().fold(k);
    if (folded.size() <= 2) return std::nullopt;  // " " only
    bool unspaced = false;
    for (size_t i = 0; i < k.size();)
      if (TextFolder::unspaced_script(next_code_point(k, i))) unspaced = true;
    if (unspaced) return folded.substr(1, folded.size() - 2);
    if (prefix) folded.pop_back();
    return folded;
  }

  uint32_t add_leaf(Leaf leaf) {
    impl_->leaves.push_back(std::move(leaf));
    Node node;
    node.kind = Node::Kind::Leaf;
    node.leaf = static_cast<uint32_t>(impl_->leaves.size() - 1);
    return add_node(std::move(node));
  }
  uint32_t add_node(Node node) {
    ++rule_nodes_;
    impl_->nodes.push_back(std::move(node));
    return static_cast<uint32_t>(impl_->nodes.size() - 1);
  }

  // ---- rules ----
  void compile_rules(size_t f) {
    const json& doc = files_[f].doc;
    auto it = doc.find("rules");
    if (it == doc.end()) {
      warn(f, "", "", "the pack has no \"rules\"");
      return;
    }
    if (!it->is_array()) {
      error(f, "/rules", "", "\"rules\" must be an array");
      return;
    }
    for (size_t i = 0; i < it->size(); ++i) compile_rule(f, (*it)[i], "/rules/" + std::to_string(i));
  }

  void compile_rule(size_t f, const json& r, const std::string& ptr) {
    if (!r.is_object()) {
      error(f, ptr, "", "a rule is an object with id, description, priority, when and then");
      return;
    }
    std::string id;
    if (auto it = r.find("id"); it != r.end() && it->is_string() && valid_rule_id(it->get<std::string>())) {
      id = it->get<std::string>();
    } else {
      error(f, ptr + (r.contains("id") ? "/id" : ""), "",
            "a rule needs an id (letters, digits, '_', '-', '.', ':'; at most 100)");
    }
    const size_t errors_before = error_count();
    unknown_keys(f, r, ptr, id, {"id", "description", "priority", "enabled", "when", "then"}, "a rule");
    if (!id.empty()) {
      if (auto seen = rule_ids_.find(id); seen != rule_ids_.end()) {
        error(f, ptr + "/id", id, "duplicate rule id '" + id + "' (first defined in " + seen->second + ")");
      } else {
        const TextPosition p = files_[f].positions->value(ptr);
        rule_ids_.emplace(id, files_[f].file + ":" + std::to_string(p.line));
      }
    }
    CompiledRule rule;
    rule.id = id;
    rule.file = files_[f].file;
    if (auto it = r.find("description");
        it != r.end() && it->is_string() && !it->get<std::string>().empty()) {
      rule.description = it->get<std::string>();
    } else if (it != r.end() && !it->is_string()) {
      error(f, ptr + "/description", id, "description must be a string");
    } else {
      warn(f, ptr, id, "rule '" + id + "' has no description");
    }
    if (auto it = r.find("priority"); it != r.end()) {
      if (!it->is_number_integer() || it->get<int64_t>() < -1000000 || it->get<int64_t>() > 1000000)
        error(f, ptr + "/priority", id, "priority must be a whole number from -1000000 to 1000000");
      else
        rule.priority = it->get<int>();
    }
    bool enabled = true;
    if (auto it = r.find("enabled"); it != r.end()) {
      if (!it->is_boolean())
        error(f, ptr + "/enabled", id, "enabled must be true or false");
      else
        enabled = it->get<bool>();
    }
    std::optional<uint32_t> root;
    if (auto it = r.find("when"); it != r.end()) {
      rule_nodes_ = 0;
      too_large_ = {f, ptr + "/when", ""};
      root = condition(f, *it, ptr + "/when", id, 0);
      if (rule_nodes_ > kMaxRuleNodes)
        error(too_large_.file, too_large_.pointer, id,
              "the condition has more than " + std::to_string(kMaxRuleNodes) +
                  " parts once its macros are copied in (each use of a macro is a copy)" +
                  (too_large_.macro.empty() ? std::string()
                                            : "; macro '" + too_large_.macro + "' is used here"));
    } else {
      error(f, ptr, id, "rule '" + id + "' has no \"when\" condition");
    }
    if (auto it = r.find("then"); it != r.end())
      rule.then = actions(f, *it, ptr + "/then", id);
    else
      error(f, ptr, id, "rule '" + id + "' has no \"then\" actions");
    if (error_count() != errors_before || !root || id.empty() || !enabled) return;
    rule.root = *root;
    impl_->rules.push_back(std::move(rule));
  }

  Actions actions(size_t f, const json& t, const std::string& ptr, const std::string& rule) {
    Actions a;
    if (!t.is_object() || t.empty()) {
      error(f, ptr, rule,
            "\"then\" is an object setting at least one of persona, stage, touchpoint, pain, sentiment, "
            "sentiment_delta");
      return a;
    }
    unknown_keys(
        f, t, ptr, rule,
        {"persona", "stage", "touchpoint", "persona_override", "pain", "sentiment", "sentiment_delta"},
        "\"then\"");
    const Journey& j = impl_->journey;
    auto id_of = [&](const char* key, std::string& out, auto known, const char* kind) {
      auto it = t.find(key);
      if (it == t.end()) return;
      if (!it->is_string() || !known(it->get<std::string>())) {
        error(f, ptr + "/" + key, rule,
              std::string("unknown ") + kind + " id" +
                  (it->is_string() ? " '" + truncate_utf8(it->get_ref<const std::string&>(), 64) + "'"
                                   : std::string()) +
                  " (not in the journey)");
        return;
      }
      out = it->get<std::string>();
    };
    id_of(
        "persona", a.persona, [&](const std::string& s) { return j.has_persona(s); }, "persona");
    id_of(
        "stage", a.stage, [&](const std::string& s) { return j.stage_index(s) >= 0; }, "stage");
    id_of(
        "touchpoint", a.touchpoint, [&](const std::string& s) { return j.has_touchpoint(s); }, "touchpoint");
    if (auto it = t.find("persona_override"); it != t.end()) {
      if (!it->is_boolean())
        error(f, ptr + "/persona_override", rule, "persona_override must be true or false");
      else
        a.persona_override = it->get<bool>();
      if (a.persona_override && !t.contains("persona"))
        error(f, ptr + "/persona_override", rule, "persona_override needs a persona to set");
    }
    if (auto it = t.find("pain"); it != t.end()) {
      if (auto reasons = strings(f, *it, ptr + "/pain", rule)) {
        for (const auto& p : *reasons) {
          if (valid_reason(p))
            a.pain.push_back(p);
          else
            error(f, ptr + "/pain", rule,
                  "pain reasons are lower-case words with '_' such as unanswered or refund_delay");
        }
      }
    }
    auto number = [&](const char* key, double lo, double hi) -> std::optional<double> {
      auto it = t.find(key);
      if (it == t.end()) return std::nullopt;
      if (!it->is_number() || it->get<double>() < lo || it->get<double>() > hi) {
        error(f, ptr + "/" + key, rule,
              std::string(key) + " must be a number from " + json(lo).dump() + " to " + json(hi).dump());
        return std::nullopt;
      }
      return it->get<double>();
    };
    a.sentiment = number("sentiment", -1, 1);
    a.sentiment_delta = number("sentiment_delta", -2, 2).value_or(0);
    return a;
  }

  size_t error_count() const {
    return static_cast<size_t>(std::count_if(diags_.begin(), diags_.end(),
                                             [](const auto& d) { return d.severity == Severity::Error; }));
  }

  // ---- the fast structures ----
  // Leaves a rule cannot match without: a keyword/regex leaf, or (for "any") a set of them.
  std::optional<std::vector<uint32_t>> anchors(uint32_t node_index) const {
    const Node& node = impl_->nodes[node_index];
    switch (node.kind) {
      case Node::Kind::Leaf: {
        const Leaf& leaf = impl_->leaves[node.leaf];
        if (leaf.kind == LeafKind::Keywords || leaf.kind == LeafKind::Regex)
          return std::vector<uint32_t>{node.leaf};
        return std::nullopt;
      }
      case Node::Kind::All:
        for (const uint32_t c : node.children)
          if (auto a = anchors(c)) return a;
        return std::nullopt;
      case Node::Kind::Any: {
        std::vector<uint32_t> all;
        for (const uint32_t c : node.children) {
          auto a = anchors(c);
          if (!a) return std::nullopt;
          all.insert(all.end(), a->begin(), a->end());
        }
        return all;
      }
      case Node::Kind::Not:
        return std::nullopt;
    }
    return std::nullopt;
  }

  void finish() {
    auto& rs = *impl_;
    std::stable_sort(rs.rules.begin(), rs.rules.end(),
                     [](const auto& a, const auto& b) { return a.priority > b.priority; });
    // Field groups.
    std::vector<std::vector<std::string>> regex_patterns;
    for (uint32_t l = 0; l < rs.leaves.size(); ++l) {
      Leaf& leaf = rs.leaves[l];
      if (leaf.kind != LeafKind::Keywords && leaf.kind != LeafKind::Regex) continue;
      size_t g = 0;
      while (g < rs.groups.size() && !(rs.groups[g].field == leaf.field)) ++g;
      if (g == rs.groups.size()) {
        rs.groups.emplace_back();
        rs.groups.back().field = leaf.field;
      }
      leaf.group = static_cast<int>(g);
      FieldGroup& group = rs.groups[g];
      if (leaf.kind == LeafKind::Keywords) {
        for (const auto& k : leaf.keywords) {
          const uint32_t id = group.automaton.add(k);
          if (group.pattern_leaves.size() <= id) group.pattern_leaves.resize(id + 1);
          auto& leaves = group.pattern_leaves[id];
          if (leaves.empty() || leaves.back() != l) leaves.push_back(l);
        }
      } else {
        if (!group.regexes) group.regexes = std::make_unique<RE2::Set>(regex_options(), RE2::UNANCHORED);
        std::string err;
        if (group.regexes->Add(leaf.regex_text, &err) >= 0) group.regex_leaves.push_back(l);
      }
    }
    for (auto& group : rs.groups) {
      group.automaton.build();
      if (group.regexes) group.regexes->Compile();
    }
    // Anchors.
    rs.anchored.assign(rs.leaves.size(), {});
    for (uint32_t r = 0; r < rs.rules.size(); ++r) {
      if (auto a = anchors(rs.rules[r].root)) {
        std::sort(a->begin(), a->end());
        a->erase(std::unique(a->begin(), a->end()), a->end());
        for (const uint32_t leaf : *a) rs.anchored[leaf].push_back(r);
      } else {
        rs.unanchored.push_back(r);
      }
    }
  }

  const std::vector<RuleSource>& sources_;
  std::unique_ptr<RuleSet::Impl> impl_;
  std::vector<FileCtx> files_;
  std::map<std::string, NamedList> lists_;
  std::map<std::string, NamedMacro> macros_;
  std::map<std::string, std::string> rule_ids_;  // id -> "file:line"
  size_t rule_nodes_ = 0;                        // nodes the current rule's condition has added
  struct {
    size_t file = 0;
    std::string pointer, macro;
  } too_large_;  // where to report a condition over kMaxRuleNodes
  std::vector<Diagnostic> diags_;
};

}  // namespace

std::shared_ptr<RuleSet> RuleSetBuilder::make(std::unique_ptr<RuleSet::Impl> impl, std::string version) {
  std::shared_ptr<RuleSet> rs(new RuleSet());
  rs->impl_ = std::move(impl);
  rs->version_ = std::move(version);
  return rs;
}

size_t RuleLoad::errors() const {
  return count_errors(diagnostics);
}

RuleLoad compile_rules(const std::vector<RuleSource>& sources, const Journey& journey) {
  return Compiler(sources, journey).run();
}

}  // namespace tp
