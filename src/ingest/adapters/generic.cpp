#include "ingest/adapters/generic.h"

#include <array>
#include <charconv>
#include <cmath>
#include <map>

#include "ingest/adapters/adapter_util.h"
#include "util/json_positions.h"
#include "util/text.h"
#include "util/time.h"

namespace tp {
namespace {

using adapters::json;

enum class Kind { Id, Text, Type, Role, Time, Confidence, Sentiment, Bool, Rating, Object };

struct Canonical {
  std::string_view name;
  Kind kind;
};

constexpr std::array<Canonical, 19> kFields{{
    {"id", Kind::Id},
    {"type", Kind::Type},
    {"customer_id", Kind::Id},
    {"anonymous_id", Kind::Id},
    {"session_id", Kind::Id},
    {"timestamp", Kind::Time},
    {"channel", Kind::Text},
    {"role", Kind::Role},
    {"text", Kind::Text},
    {"intent", Kind::Text},
    {"confidence", Kind::Confidence},
    {"sentiment", Kind::Sentiment},
    {"fallback", Kind::Bool},
    {"escalated", Kind::Bool},
    {"rating", Kind::Rating},
    {"url", Kind::Text},
    {"name", Kind::Text},
    {"properties", Kind::Object},
    {"traits", Kind::Object},
}};

const Canonical* find_field(std::string_view name) {
  for (const auto& f : kFields)
    if (f.name == name) return &f;
  return nullptr;
}

std::string field_list() {
  std::string out;
  for (const auto& f : kFields) {
    if (!out.empty()) out += ", ";
    out += f.name;
  }
  return out;
}

// A location inside an event: a JSON pointer ("/a/b/0") or a dotted path ("a.b.0"), parsed once.
struct Path {
  std::string text;  // as written, for error messages
  std::vector<std::string> tokens;
};

std::optional<Path> parse_path(const std::string& text, std::string& problem) {
  Path p{text, {}};
  if (text.empty()) return p;  // the whole event
  if (text[0] == '/') {
    std::string token;
    for (size_t i = 1; i <= text.size(); ++i) {
      if (i == text.size() || text[i] == '/') {
        p.tokens.push_back(token);
        token.clear();
      } else if (text[i] == '~') {
        if (i + 1 < text.size() && (text[i + 1] == '0' || text[i + 1] == '1')) {
          token.push_back(text[i + 1] == '0' ? '~' : '/');
          ++i;
        } else {
          problem = "is not a valid JSON pointer ('~' must be followed by 0 or 1)";
          return std::nullopt;
        }
      } else {
        token.push_back(text[i]);
      }
    }
    return p;
  }
  size_t start = 0;
  while (true) {
    const auto dot = text.find('.', start);
    const std::string token = text.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (token.empty()) {
      problem = "is not a valid path (empty segment; use a JSON pointer such as \"/a/b\" for unusual keys)";
      return std::nullopt;
    }
    p.tokens.push_back(token);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return p;
}

// Follows `path` without throwing: objects by key, arrays by a decimal index; nullptr when absent or null.
const json* resolve(const json& root, const Path& path) {
  const json* cur = &root;
  for (const auto& token : path.tokens) {
    if (cur->is_object()) {
      const auto it = cur->find(token);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array()) {
      if (token.empty() || token.size() > 9 || (token.size() > 1 && token[0] == '0')) return nullptr;
      size_t index = 0;
      for (const char c : token) {
        if (c < '0' || c > '9') return nullptr;
        index = index * 10 + static_cast<size_t>(c - '0');
      }
      if (index >= cur->size()) return nullptr;
      cur = &(*cur)[index];
    } else {
      return nullptr;
    }
  }
  return cur->is_null() ? nullptr : cur;
}

struct FieldSpec {
  const Canonical* field = nullptr;
  std::vector<Path> paths;  // the first present wins
  json values;              // object: platform value -> canonical value; null when absent
  json fallback;            // "default": used when missing or not listed in values; null when absent
};

struct IgnoreRule {
  Path path;
  json values;  // array of platform values; an event whose value at `path` is listed is ignored
};

struct Config {
  std::optional<Path> events;
  std::vector<IgnoreRule> ignore;
  std::vector<FieldSpec> map;
  std::map<std::string, json> defaults;
};

// Converts one value to its canonical field; an error message (without the value) when it does not fit.
std::optional<std::string> apply(const Canonical& f, const json& v, Interaction& in) {
  auto id_like = [&](std::string& out) -> std::optional<std::string> {
    if (v.is_number_integer()) {
      out = v.dump();
      return std::nullopt;
    }
    if (!v.is_string() || v.get_ref<const std::string&>().empty()) return "must be a non-empty string";
    if (v.get_ref<const std::string&>().size() > adapters::kMaxIdBytes) return "is longer than 512 bytes";
    out = v.get_ref<const std::string&>();
    return std::nullopt;
  };
  auto text = [&](std::string& out) -> std::optional<std::string> {
    if (!v.is_string()) return "must be a string";
    out = truncate_utf8(v.get_ref<const std::string&>(), adapters::kMaxTextBytes);
    return std::nullopt;
  };
  auto number = [&](double lo, double hi) -> std::optional<double> {
    std::optional<double> d;
    if (v.is_number())
      d = v.get<double>();
    else if (v.is_string()) {
      const auto& s = v.get_ref<const std::string&>();
      double parsed = 0;
      const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), parsed);
      if (!s.empty() && ec == std::errc() && ptr == s.data() + s.size()) d = parsed;
    }
    if (!d || !std::isfinite(*d) || *d < lo || *d > hi) return std::nullopt;
    return d;
  };
  const std::string_view n = f.name;
  switch (f.kind) {
    case Kind::Id:
      if (n == "id") return id_like(in.id);
      if (n == "customer_id") return id_like(in.customer_id);
      if (n == "anonymous_id") return id_like(in.anonymous_id);
      return id_like(in.session_id);
    case Kind::Text:
      if (n == "channel") return text(in.channel);
      if (n == "text") return text(in.text);
      if (n == "intent") return text(in.intent);
      if (n == "url") return text(in.url);
      return text(in.name);
    case Kind::Type: {
      const auto t = v.is_string() ? event_type_from(v.get_ref<const std::string&>()) : std::nullopt;
      if (!t) return "must be one of message, page, track, identify, feedback, handoff";
      in.type = *t;
      return std::nullopt;
    }
    case Kind::Role: {
      const auto r = v.is_string() ? role_from(v.get_ref<const std::string&>()) : std::nullopt;
      if (!r) return "must be one of user, bot, agent (map the platform's values with \"values\")";
      in.role = *r;
      return std::nullopt;
    }
    case Kind::Time: {
      std::optional<int64_t> ms;
      if (v.is_number())
        ms = adapters::epoch_to_ms(v.get<double>());
      else if (v.is_string())
        ms = parse_rfc3339_ms(v.get_ref<const std::string&>());
      if (!ms) return "must be an RFC 3339 date-time or a Unix time";
      in.timestamp_ms = *ms;
      return std::nullopt;
    }
    case Kind::Confidence:
      if (auto d = number(0, 1)) {
        in.confidence = d;
        return std::nullopt;
      }
      return "must be a number from 0 to 1";
    case Kind::Sentiment:
      if (auto d = number(-1, 1)) {
        in.sentiment = d;
        return std::nullopt;
      }
      return "must be a number from -1 to 1";
    case Kind::Bool:
      if (!v.is_boolean()) return "must be true or false (map the platform's values with \"values\")";
      (n == "fallback" ? in.fallback : in.escalated) = v.get<bool>();
      return std::nullopt;
    case Kind::Rating: {
      const auto d = number(1, 5);
      if (!d || *d != std::trunc(*d)) return "must be a whole number from 1 to 5";
      in.rating = static_cast<int>(*d);
      return std::nullopt;
    }
    case Kind::Object:
      if (!v.is_object()) return "must be an object";
      (n == "properties" ? in.properties_json : in.traits_json) =
          v.empty() ? "" : v.dump(-1, ' ', false, json::error_handler_t::replace);
      if ((n == "properties" ? in.properties_json : in.traits_json).size() > adapters::kMaxTextBytes)
        return "is larger than 16384 bytes";
      return std::nullopt;
  }
  return "is not supported";
}

class GenericAdapter final : public Adapter {
 public:
  explicit GenericAdapter(Config config) : config_(std::move(config)) {}

  AdapterOutput translate(const json& p, const AdapterContext& ctx) const override {
    AdapterOutput out;
    adapters::FieldReader root(out.errors, "");
    std::vector<const json*> events;
    std::string base;  // how an event is named in errors: "/events[3]", "[3]" or ""
    // The events: the array at config "events" when the payload has it; otherwise the payload itself (an
    // object is one event, an array holds events).
    const json* list = config_.events ? resolve(p, *config_.events) : nullptr;
    bool several = false;
    if (list) {
      if (!list->is_array()) {
        root.fail(config_.events->text, "must be an array of events");
        out.rejected = 1;
        return out;
      }
      base = config_.events->text;
    } else if (p.is_array()) {
      list = &p;
    }
    if (list) {
      for (const auto& e : *list) events.push_back(&e);
      several = true;
    } else {
      events.push_back(&p);
    }
    if (events.empty()) {
      root.fail(base, "holds no events");
      out.rejected = 1;
      return out;
    }
    for (size_t i = 0; i < events.size(); ++i) {
      if (ignored(*events[i])) {
        ++out.ignored;
        continue;
      }
      const std::string prefix = several ? base + "[" + std::to_string(i) + "]" : "";
      if (auto in = translate_one(*events[i], prefix, ctx, i, events.size(), out.errors)) {
        out.interactions.push_back(std::move(*in));
      } else {
        ++out.rejected;
      }
    }
    return out;
  }

 private:
  bool ignored(const json& e) const {
    for (const auto& rule : config_.ignore) {
      const json* v = resolve(e, rule.path);
      if (!v) continue;
      for (const auto& listed : rule.values)
        if (listed == *v) return true;
    }
    return false;
  }

  std::optional<Interaction> translate_one(const json& e, const std::string& prefix,
                                           const AdapterContext& ctx, size_t index, size_t count,
                                           FieldErrors& errors) const {
    const size_t before = errors.size();
    auto name_of = [&](const std::string& path) {
      if (prefix.empty()) return path.empty() ? std::string("(event)") : path;
      if (path.empty()) return prefix;
      return prefix + (path[0] == '/' ? "" : ".") + path;
    };
    if (!e.is_object()) {
      errors.push_back({name_of(""), "each event must be a JSON object"});
      return std::nullopt;
    }
    Interaction in;
    in.timestamp_ms = ctx.received_ms;
    std::map<std::string_view, bool> set;
    for (const auto& spec : config_.map) {
      const json* value = nullptr;
      const Path* where = nullptr;
      for (const auto& path : spec.paths) {
        if ((value = resolve(e, path))) {
          where = &path;
          break;
        }
      }
      json mapped;
      if (value) {
        mapped = *value;
        if (spec.values.is_object()) {
          const std::string key = value->is_string() ? value->get<std::string>() : value->dump();
          if (const auto it = spec.values.find(key); it != spec.values.end())
            mapped = *it;
          else if (!spec.fallback.is_null())
            mapped = spec.fallback;
        }
      } else if (!spec.fallback.is_null()) {
        mapped = spec.fallback;
      } else {
        continue;  // absent: the top-level default (if any) applies
      }
      if (auto problem = apply(*spec.field, mapped, in)) {
        set[spec.field->name] = false;  // named once: not reported as missing as well
        errors.push_back({name_of(where ? where->text : spec.paths.front().text),
                          *problem + " (mapped to " + std::string(spec.field->name) + ")"});
        continue;
      }
      set[spec.field->name] = true;
    }
    for (const auto& [field, value] : config_.defaults) {
      if (set.count(field)) continue;        // mapped, or failed to map (that error stands)
      apply(*find_field(field), value, in);  // validated when the config was loaded
      set[find_field(field)->name] = true;
    }
    if (!set.count("id")) {
      if (auto wid = adapters::webhook_id_key(ctx, index, count))
        in.id = *wid;
      else
        errors.push_back({name_of(path_text("id")), "is required (mapped to id, the idempotency key)"});
    }
    if (!set.count("type")) errors.push_back({name_of(path_text("type")), "is required (mapped to type)"});
    if (in.customer_id.empty() && in.anonymous_id.empty() && !set.count("customer_id") &&
        !set.count("anonymous_id"))
      errors.push_back(
          {name_of(path_text("customer_id")), "is required (mapped to customer_id or anonymous_id)"});
    if (errors.size() != before) return std::nullopt;
    return in;
  }

  // The configured path of a canonical field, for naming what was missing.
  std::string path_text(std::string_view field) const {
    for (const auto& spec : config_.map)
      if (spec.field->name == field) return spec.paths.front().text;
    return std::string(field);
  }

  Config config_;
};

}  // namespace

std::unique_ptr<Adapter> make_generic_adapter(const json& config, std::vector<Diagnostic>& problems) {
  const size_t before = problems.size();
  auto problem = [&](const std::string& where, const std::string& what, bool at_key = false) {
    problems.push_back(error_at(where, what, at_key));
  };
  if (!config.is_object()) {
    problem("", "the generic adapter needs a config object {\"map\": {...}}");
    return nullptr;
  }
  Config c;
  for (const auto& [key, value] : config.items()) {
    if (key != "events" && key != "map" && key != "defaults" && key != "ignore")
      problem("/" + json_pointer_token(key), "unknown key (expected events, map, defaults, ignore)", true);
  }
  if (const auto it = config.find("events"); it != config.end() && !it->is_null()) {
    std::string why;
    if (!it->is_string())
      problem("/events", "must be a JSON pointer or dotted path");
    else if (auto p = parse_path(it->get<std::string>(), why))
      c.events = std::move(*p);
    else
      problem("/events", why);
  }
  if (const auto it = config.find("ignore"); it != config.end() && !it->is_null()) {
    // {"path": "/type", "values": ["typing", ...]} or a list of such rules.
    const json rules = it->is_array() ? *it : json::array({*it});
    for (size_t i = 0; i < rules.size(); ++i) {
      const std::string where = it->is_array() ? "/ignore/" + std::to_string(i) : "/ignore";
      const auto& rule = rules[i];
      const auto path = rule.is_object() ? rule.find("path") : rule.end();
      const auto values = rule.is_object() ? rule.find("values") : rule.end();
      if (!rule.is_object() || path == rule.end() || !path->is_string() || values == rule.end() ||
          !values->is_array()) {
        problem(where, "must be {\"path\": \"/type\", \"values\": [...]} (or a list of them)");
        continue;
      }
      for (const auto& [k, v] : rule.items())
        if (k != "path" && k != "values")
          problem(where + "/" + json_pointer_token(k), "unknown key (expected path, values)", true);
      std::string why;
      if (auto p = parse_path(path->get<std::string>(), why))
        c.ignore.push_back({std::move(*p), *values});
      else
        problem(where + "/path", why);
    }
  }
  const auto map = config.find("map");
  if (map == config.end() || !map->is_object() || map->empty()) {
    problem("/map", "is required: an object from canonical field to a path");
  } else {
    for (const auto& [name, spec] : map->items()) {
      const std::string where = "/map/" + json_pointer_token(name);
      const Canonical* field = find_field(name);
      if (!field) {
        problem(where, "unknown canonical field (expected one of " + field_list() + ")", /*at_key=*/true);
        continue;
      }
      FieldSpec fs;
      fs.field = field;
      const json* paths = &spec;
      if (spec.is_object()) {
        for (const auto& [k, v] : spec.items()) {
          if (k != "path" && k != "values" && k != "default")
            problem(where + "/" + json_pointer_token(k), "unknown key (expected path, values, default)",
                    true);
        }
        const auto p = spec.find("path");
        paths = p == spec.end() ? nullptr : &*p;
        if (const auto v = spec.find("values"); v != spec.end()) {
          if (!v->is_object())
            problem(where + "/values", "must be an object from platform value to canonical value");
          else
            fs.values = *v;
        }
        if (const auto d = spec.find("default"); d != spec.end()) fs.fallback = *d;
      }
      std::vector<std::string> texts;
      if (paths && paths->is_string())
        texts.push_back(paths->get<std::string>());
      else if (paths && paths->is_array() && !paths->empty()) {
        for (const auto& t : *paths) {
          if (t.is_string())
            texts.push_back(t.get<std::string>());
          else
            problem(where, "paths must be strings");
        }
      } else {
        problem(where, "must be a path, a list of paths, or {\"path\", \"values\", \"default\"}");
      }
      for (const auto& t : texts) {
        std::string why;
        if (auto p = parse_path(t, why))
          fs.paths.push_back(std::move(*p));
        else
          problem(where, "\"" + truncate_utf8(t, 64) + "\" " + why);
      }
      // The canonical values a mapping can produce must fit the field.
      Interaction probe;
      if (fs.values.is_object()) {
        for (const auto& [k, v] : fs.values.items())
          if (auto why = apply(*field, v, probe)) problem(where + "/values/" + k, *why);
      }
      if (!fs.fallback.is_null())
        if (auto why = apply(*field, fs.fallback, probe)) problem(where + "/default", *why);
      if (!fs.paths.empty()) c.map.push_back(std::move(fs));
    }
  }
  if (const auto d = config.find("defaults"); d != config.end() && !d->is_null()) {
    if (!d->is_object()) {
      problem("/defaults", "must be an object from canonical field to a value");
    } else {
      for (const auto& [name, value] : d->items()) {
        const Canonical* field = find_field(name);
        Interaction probe;
        if (!field)
          problem("/defaults/" + json_pointer_token(name),
                  "unknown canonical field (expected one of " + field_list() + ")",
                  /*at_key=*/true);
        else if (auto why = apply(*field, value, probe))
          problem("/defaults/" + name, *why);
        else
          c.defaults.emplace(std::string(field->name), value);
      }
    }
  }
  if (problems.size() != before) return nullptr;
  return std::make_unique<GenericAdapter>(std::move(c));
}

}  // namespace tp
