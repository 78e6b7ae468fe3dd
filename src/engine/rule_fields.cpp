// The fields rule conditions can test, by name, and the words used to explain a leaf.
#include <array>
#include <utility>

#include "engine/rule_set_impl.h"

namespace tp {
namespace {

constexpr std::array<std::pair<std::string_view, FieldId>, 21> kFields{{
    {"source", FieldId::Source},
    {"type", FieldId::Type},
    {"channel", FieldId::Channel},
    {"role", FieldId::Role},
    {"intent", FieldId::Intent},
    {"name", FieldId::Name},
    {"url", FieldId::Url},
    {"path", FieldId::Path},
    {"text", FieldId::Text},
    {"session", FieldId::Session},
    {"customer", FieldId::Customer},
    {"anonymous_id", FieldId::Anonymous},
    {"fallback", FieldId::Fallback},
    {"escalated", FieldId::Escalated},
    {"confidence", FieldId::Confidence},
    {"rating", FieldId::Rating},
    {"sentiment", FieldId::Sentiment},
    {"tags.persona", FieldId::TagPersona},
    {"tags.stage", FieldId::TagStage},
    {"tags.touchpoint", FieldId::TagTouchpoint},
    {"pain", FieldId::Pain},
}};

// Strings are shown quoted; numbers and booleans (`quote` false) as they are.
std::string join(const std::vector<std::string>& items, bool quote = true, size_t max = 5) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < max; ++i)
    out += (i ? ", " : "") + (quote ? "\"" + items[i] + "\"" : items[i]);
  if (items.size() > max) out += ", ... (" + std::to_string(items.size()) + " in all)";
  return out;
}

std::string number_text(double v) {
  std::string s = std::to_string(v);
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

std::optional<FieldRef> parse_field(std::string_view name) {
  for (const auto& [n, id] : kFields)
    if (n == name) return FieldRef{id, {}};
  for (const auto& [prefix, id] : {std::pair{std::string_view("properties."), FieldId::Property},
                                   std::pair{std::string_view("traits."), FieldId::Trait}}) {
    if (name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix) {
      const std::string_view sub = name.substr(prefix.size());
      if (sub.front() == '.' || sub.back() == '.' || sub.find("..") != std::string_view::npos)
        return std::nullopt;
      return FieldRef{id, std::string(sub)};
    }
  }
  return std::nullopt;
}

std::string FieldRef::name() const {
  if (id == FieldId::Property) return "properties." + sub;
  if (id == FieldId::Trait) return "traits." + sub;
  for (const auto& [n, f] : kFields)
    if (f == id) return std::string(n);
  return "?";
}

bool is_numeric_field(FieldId id) {
  return id == FieldId::Confidence || id == FieldId::Rating || id == FieldId::Sentiment;
}

bool is_bool_field(FieldId id) {
  return id == FieldId::Fallback || id == FieldId::Escalated;
}

std::string Leaf::describe() const {
  std::string f = field.name();  // not const: returned below, and moved then
  switch (kind) {
    case LeafKind::Eq: {
      std::vector<std::string> shown;
      for (const auto& v : values)
        shown.push_back(v.kind == LiteralValue::Kind::String   ? "\"" + v.s + "\""
                        : v.kind == LiteralValue::Kind::Number ? number_text(v.n)
                                                               : (v.b ? "true" : "false"));
      return f + (values.size() == 1 ? " is " : " is one of ") + join(shown, /*quote=*/false);
    }
    case LeafKind::Glob:
      return f + " matches " + join(globs);
    case LeafKind::Regex:
      return f + " matches the regex \"" + regex_text + "\"";
    case LeafKind::Keywords:
      return f + " contains a keyword of " + join(keywords_as_written);
    case LeafKind::Compare: {
      static const char* ops[] = {"<", "<=", ">", ">=", "=", "!="};
      return f + " " + ops[static_cast<int>(op)] + " " + number_text(number);
    }
    case LeafKind::Exists:
      return f + " is present";
    case LeafKind::ReachedStage:
      return "the customer already reached stage \"" + stage_id + "\"";
  }
  return f;
}

}  // namespace tp
