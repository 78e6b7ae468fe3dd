// persona_traits: assigns a persona from who the customer is, not from what they wrote: a CRM-style
// lookup file (customer id -> persona) and/or rules over the customer's traits and the event's properties.
//
// Config (every key optional, but at least one of "lookup_csv", "rules", "default"):
//   {
//     "lookup_csv": "config/crm_personas.csv",   // customer_id,persona per line (header line optional)
//     "rules": [                                 // the first rule whose conditions all hold wins
//       {"trait": "plan", "equals": "business", "persona": "business-account"},
//       {"trait": "company.employees", "gte": 10, "persona": "business-account"},
//       {"property": "coupon", "exists": true, "persona": "first-time-buyer"},
//       {"trait": "orders_count", "gte": 1, "persona": "returning-customer"}
//     ],
//     "default": "first-time-buyer"              // when neither the file nor a rule decided
//   }
// A rule reads one value: "trait" (from the customer's traits) or "property" (from the event's
// properties), a dotted path into nested objects. Conditions: "equals" (string, number or boolean),
// "in" (a list of those), "gte", "gt", "lte", "lt" (numbers; a numeric string such as "3" counts),
// "exists" (true: the value is present and not null; false: it is absent). A missing value fails every
// condition except "exists": false.
// Order: the lookup file first (the CRM knows best), then the rules, then the default. Nothing is done
// when the interaction already has a persona (preset by the sender, sticky for the customer, or decided
// by an earlier plugin). The persona ids must exist in the journey; the host ignores and counts others.
// The lookup file path is used as given (absolute, or relative to the daemon's working directory).
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <touchpoint/plugin_sdk.hpp>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {

using nlohmann::json;
using touchpoint::plugin::Interaction;
using touchpoint::plugin::Logger;
using touchpoint::plugin::Tags;

enum class From { Traits, Properties };

struct Rule {
  From from = From::Traits;
  std::vector<std::string> path;
  std::string path_text;
  std::optional<json> equals;
  std::optional<std::vector<json>> in;
  std::optional<double> gte, gt, lte, lt;
  std::optional<bool> exists;
  std::string persona;
};

std::vector<std::string> split_path(const std::string& dotted) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    const size_t dot = dotted.find('.', start);
    parts.push_back(dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (parts.back().empty())
      throw std::runtime_error("\"" + dotted + "\" is not a dotted path like \"company.plan\"");
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

bool scalar(const json& v) {
  return v.is_string() || v.is_number() || v.is_boolean();
}

std::optional<double> as_number(const json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    try {
      size_t used = 0;
      const double d = std::stod(s, &used);
      if (used == s.size() && std::isfinite(d)) return d;
    } catch (...) {
    }
  }
  return std::nullopt;
}

bool same(const json& actual, const json& expected) {
  if (actual.is_number() && expected.is_number()) return actual.get<double>() == expected.get<double>();
  return actual == expected;
}

Rule parse_rule(const json& r, size_t index) {
  const std::string where = "rules[" + std::to_string(index) + "]";
  if (!r.is_object()) throw std::runtime_error(where + " must be an object");
  Rule rule;
  bool has_source = false, has_condition = false;
  const auto number = [&](const json& v, const std::string& key) {
    if (!v.is_number()) throw std::runtime_error(where + "." + key + " must be a number");
    has_condition = true;
    return v.get<double>();
  };
  for (const auto& [key, v] : r.items()) {
    if (key == "trait" || key == "property") {
      if (has_source) throw std::runtime_error(where + " names more than one of \"trait\" and \"property\"");
      if (!v.is_string()) throw std::runtime_error(where + "." + key + " must be a string");
      has_source = true;
      rule.from = key == "trait" ? From::Traits : From::Properties;
      rule.path_text = v.get<std::string>();
      rule.path = split_path(rule.path_text);
    } else if (key == "equals") {
      if (!scalar(v)) throw std::runtime_error(where + ".equals must be a string, number or boolean");
      rule.equals = v;
      has_condition = true;
    } else if (key == "in") {
      if (!v.is_array() || v.empty()) throw std::runtime_error(where + ".in must be a non-empty list");
      rule.in.emplace();
      for (const auto& x : v) {
        if (!scalar(x)) throw std::runtime_error(where + ".in may hold only strings, numbers and booleans");
        rule.in->push_back(x);
      }
      has_condition = true;
    } else if (key == "gte") {
      rule.gte = number(v, key);
    } else if (key == "gt") {
      rule.gt = number(v, key);
    } else if (key == "lte") {
      rule.lte = number(v, key);
    } else if (key == "lt") {
      rule.lt = number(v, key);
    } else if (key == "exists") {
      if (!v.is_boolean()) throw std::runtime_error(where + ".exists must be true or false");
      rule.exists = v.get<bool>();
      has_condition = true;
    } else if (key == "persona") {
      if (!v.is_string() || v.get<std::string>().empty())
        throw std::runtime_error(where + ".persona must be a non-empty string (a persona id of the journey)");
      rule.persona = v.get<std::string>();
    } else {
      throw std::runtime_error(where + ": unknown key \"" + key +
                               "\" (known: trait, property, equals, in, gte, gt, lte, lt, exists, persona)");
    }
  }
  if (!has_source) throw std::runtime_error(where + " needs \"trait\" or \"property\"");
  if (!has_condition)
    throw std::runtime_error(where + " needs a condition (equals, in, gte, gt, lte, lt or exists)");
  if (rule.persona.empty()) throw std::runtime_error(where + " needs \"persona\"");
  return rule;
}

bool holds(const Rule& rule, const json* value) {
  const bool present = value != nullptr && !value->is_null();
  if (rule.exists && *rule.exists != present) return false;
  if (!present) return !rule.equals && !rule.in && !rule.gte && !rule.gt && !rule.lte && !rule.lt;
  if (rule.equals && !same(*value, *rule.equals)) return false;
  if (rule.in) {
    bool any = false;
    for (const auto& x : *rule.in) any = any || same(*value, x);
    if (!any) return false;
  }
  if (rule.gte || rule.gt || rule.lte || rule.lt) {
    const auto n = as_number(*value);
    if (!n) return false;
    if ((rule.gte && !(*n >= *rule.gte)) || (rule.gt && !(*n > *rule.gt)) ||
        (rule.lte && !(*n <= *rule.lte)) || (rule.lt && !(*n < *rule.lt)))
      return false;
  }
  return true;
}

const json* find(const json& root, const std::vector<std::string>& path) {
  const json* at = &root;
  for (const auto& key : path) {
    if (!at->is_object()) return nullptr;
    const auto it = at->find(key);
    if (it == at->end()) return nullptr;
    at = &*it;
  }
  return at;
}

// One CSV record (RFC 4180 quoting: "a ""quoted"", field"); false when a quote is left open.
bool csv_fields(const std::string& line, std::vector<std::string>& out) {
  out.assign(1, std::string());
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else if (c != '\r') {
      out.back() += c;
    }
  }
  for (auto& f : out) {
    while (!f.empty() && (f.back() == ' ' || f.back() == '\t')) f.pop_back();
    size_t i = 0;
    while (i < f.size() && (f[i] == ' ' || f[i] == '\t')) ++i;
    f.erase(0, i);
  }
  return !quoted;
}

class PersonaTraits {
 public:
  void init(const std::string& config_json, Logger& log) {
    const auto config = json::parse(config_json);
    if (!config.is_object()) throw std::runtime_error("the config must be a JSON object");
    for (const auto& [key, v] : config.items()) {
      if (key == "lookup_csv") {
        if (!v.is_string() || v.get<std::string>().empty())
          throw std::runtime_error("\"lookup_csv\" must be a file path");
        load_csv(v.get<std::string>(), log);
      } else if (key == "rules") {
        if (!v.is_array()) throw std::runtime_error("\"rules\" must be a list");
        for (size_t i = 0; i < v.size(); ++i) rules_.push_back(parse_rule(v[i], i));
      } else if (key == "default") {
        if (!v.is_string() || v.get<std::string>().empty())
          throw std::runtime_error("\"default\" must be a persona id");
        default_ = v.get<std::string>();
      } else {
        throw std::runtime_error("unknown config key \"" + key + "\" (known: lookup_csv, rules, default)");
      }
    }
    if (lookup_.empty() && rules_.empty() && default_.empty())
      throw std::runtime_error("nothing to do: give \"lookup_csv\", \"rules\" or \"default\"");
    for (const auto& r : rules_) {
      needs_traits_ = needs_traits_ || r.from == From::Traits;
      needs_properties_ = needs_properties_ || r.from == From::Properties;
    }
  }

  void tag(const Interaction& in, Tags& out) {
    if (!in.persona.empty()) return;  // already decided; ours would be ignored anyway
    if (!in.customer.empty() && !lookup_.empty()) {
      if (const auto it = lookup_.find(std::string(in.customer)); it != lookup_.end()) {
        out.persona = it->second;
        return;
      }
    }
    if (!rules_.empty()) {
      const json traits = needs_traits_ ? parse_object(in.traits_json) : json();
      const json properties = needs_properties_ ? parse_object(in.properties_json) : json();
      for (const auto& r : rules_) {
        if (holds(r, find(r.from == From::Traits ? traits : properties, r.path))) {
          out.persona = r.persona;
          return;
        }
      }
    }
    out.persona = default_;  // may be empty: no opinion
  }

 private:
  static json parse_object(std::string_view text) {
    if (text.empty()) return json::object();
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    return j.is_object() ? j : json::object();
  }

  void load_csv(const std::string& path, Logger& log) {
    std::ifstream file(path);
    if (!file) throw std::runtime_error("cannot read lookup file " + path);
    std::string line;
    std::vector<std::string> f;
    size_t line_no = 0, duplicates = 0;
    bool first_record = true;
    while (std::getline(file, line)) {
      ++line_no;
      if (line_no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
      if (line.find_first_not_of(" \t\r") == std::string::npos || line[0] == '#') continue;
      if (!csv_fields(line, f) || f.size() != 2 || f[0].empty() || f[1].empty())
        throw std::runtime_error(path + ":" + std::to_string(line_no) +
                                 ": expected two non-empty fields: customer_id,persona");
      if (std::exchange(first_record, false) && f[0] == "customer_id") continue;  // the header
      if (!lookup_.insert_or_assign(f[0], f[1]).second) ++duplicates;
    }
    log.info("loaded " + std::to_string(lookup_.size()) + " customers from " + path);
    if (duplicates > 0)
      log.warning(path + ": " + std::to_string(duplicates) +
                  " customer ids appear more than once; the last line wins");
  }

  std::unordered_map<std::string, std::string> lookup_;
  std::vector<Rule> rules_;
  std::string default_;
  bool needs_traits_ = false, needs_properties_ = false;
};

}  // namespace

TP_PLUGIN(PersonaTraits, "persona_traits", "1.0.0",
          "Persona from a CRM-style lookup file or from rules over customer traits and event properties");
