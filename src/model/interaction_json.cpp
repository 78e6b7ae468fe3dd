#include "model/interaction_json.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <string_view>

#include "util/text.h"
#include "util/time.h"

namespace tp {
namespace {

using json = nlohmann::json;
constexpr size_t kMaxIdBytes = 512;

class EventReader {
 public:
  EventReader(FieldErrors& errors, const InteractionLimits& limits) : errors_(errors), limits_(limits) {}

  void fail(std::string field, std::string error) { errors_.push_back({std::move(field), std::move(error)}); }

  // A non-empty string (or an integer, converted: many SDKs send numeric user ids).
  void id_string(const json& v, std::string_view field, std::string& out) {
    if (v.is_string()) {
      string(v, field, out);
    } else if (v.is_number_integer()) {
      out = v.dump();
    } else if (!v.is_null()) {
      fail(std::string(field), "must be a string");
    }
  }

  void string(const json& v, std::string_view field, std::string& out) {
    if (v.is_null()) return;
    if (!v.is_string()) return fail(std::string(field), "must be a string");
    const auto& s = v.get_ref<const std::string&>();
    if (s.size() > limits_.max_string_bytes)
      return fail(std::string(field),
                  "is longer than " + std::to_string(limits_.max_string_bytes) + " bytes");
    out = s;
  }

  void boolean(const json& v, std::string_view field, std::optional<bool>& out) {
    if (v.is_null()) return;
    if (!v.is_boolean()) return fail(std::string(field), "must be true or false");
    out = v.get<bool>();
  }

  // A string that `parse` reads (nullopt: not valid), else `error`.
  template <class T, class Parse>
  void parsed(const json& v, std::string_view field, Parse parse, const char* error, T& out) {
    if (v.is_null()) return;
    const auto value = v.is_string() ? parse(v.get_ref<const std::string&>()) : std::nullopt;
    if (!value) return fail(std::string(field), error);
    out = *value;
  }

  // A number from `lo` to `hi`, else `error`.
  void number(const json& v, std::string_view field, double lo, double hi, const char* error,
              std::optional<double>& out) {
    if (v.is_null()) return;
    if (!v.is_number() || v.get<double>() < lo || v.get<double>() > hi)
      return fail(std::string(field), error);
    out = v.get<double>();
  }

  void object_text(const json& v, std::string_view field, std::string& out) {
    if (v.is_null()) return;
    if (!v.is_object()) return fail(std::string(field), "must be an object");
    if (!v.empty()) out = v.dump(-1, ' ', false, json::error_handler_t::replace);
  }

  void tags(const json& v, Tags& out) {
    if (v.is_null()) return;
    if (!v.is_object()) return fail("tags", "must be an object with persona, stage and/or touchpoint");
    for (const auto& [key, value] : v.items()) {
      if (key == "persona")
        string(value, "tags.persona", out.persona);
      else if (key == "stage")
        string(value, "tags.stage", out.stage);
      else if (key == "touchpoint")
        string(value, "tags.touchpoint", out.touchpoint);
      else
        fail("tags." + truncate_utf8(key, 64), "unknown tag (expected persona, stage or touchpoint)");
    }
  }

 private:
  FieldErrors& errors_;
  const InteractionLimits& limits_;
};

// One canonical field into `out`; an error goes to the reader.
void read_field(EventReader& r, std::string_view key, const json& v, Interaction& out, bool& has_type) {
  if (key == "id") {
    r.id_string(v, "id", out.id);
  } else if (key == "type") {
    const auto t = v.is_string() ? event_type_from(v.get_ref<const std::string&>()) : std::nullopt;
    if (t) {
      out.type = *t;
      has_type = true;
    } else {
      r.fail("type", "must be one of message, page, track, identify, feedback, handoff");
    }
  } else if (key == "customer_id") {
    r.id_string(v, "customer_id", out.customer_id);
  } else if (key == "anonymous_id") {
    r.id_string(v, "anonymous_id", out.anonymous_id);
  } else if (key == "session_id") {
    r.id_string(v, "session_id", out.session_id);
  } else if (key == "timestamp") {
    r.parsed(v, "timestamp", parse_rfc3339_ms, "must be an RFC 3339 date-time, e.g. 2026-11-23T09:15:00Z",
             out.timestamp_ms);
  } else if (key == "channel") {
    r.string(v, "channel", out.channel);
  } else if (key == "role") {
    r.parsed(v, "role", role_from, "must be one of user, bot, agent", out.role);
  } else if (key == "text") {
    r.string(v, "text", out.text);
  } else if (key == "intent") {
    r.string(v, "intent", out.intent);
  } else if (key == "confidence") {
    r.number(v, "confidence", 0.0, 1.0, "must be a number from 0 to 1", out.confidence);
  } else if (key == "sentiment") {
    r.number(v, "sentiment", -1.0, 1.0, "must be a number from -1 to 1", out.sentiment);
  } else if (key == "fallback") {
    r.boolean(v, "fallback", out.fallback);
  } else if (key == "escalated") {
    r.boolean(v, "escalated", out.escalated);
  } else if (key == "rating") {
    if (v.is_null()) return;
    // trunc, not a cast to int: casting an out-of-range double (1e10) to int is undefined behaviour.
    const bool whole =
        v.is_number_integer() || (v.is_number_float() && v.get<double>() == std::trunc(v.get<double>()));
    if (!whole || v.get<double>() < 1 || v.get<double>() > 5)
      r.fail("rating", "must be a whole number from 1 to 5");
    else
      out.rating = static_cast<int>(v.get<double>());
  } else if (key == "url") {
    r.string(v, "url", out.url);
  } else if (key == "name") {
    r.string(v, "name", out.name);
  } else if (key == "properties") {
    r.object_text(v, "properties", out.properties_json);
  } else if (key == "traits") {
    r.object_text(v, "traits", out.traits_json);
  } else if (key == "tags") {
    r.tags(v, out.preset_tags);
  } else {
    r.fail(std::string(key), "unknown field");
  }
}

// The checks that need the whole event: required fields, and an id within bounds.
void check_required(EventReader& r, const Interaction& out, bool has_type, bool has_id_key,
                    const FieldErrors& errors, size_t errors_before) {
  auto has_error_on = [&](std::string_view field) {
    for (size_t i = errors_before; i < errors.size(); ++i)
      if (errors[i].field == field) return true;
    return false;
  };
  if (out.id.empty() && !has_error_on("id"))
    r.fail("id", has_id_key ? "must not be empty" : "is required (the idempotency key)");
  if (out.id.size() > kMaxIdBytes) r.fail("id", "is longer than " + std::to_string(kMaxIdBytes) + " bytes");
  if (!has_type && !has_error_on("type")) r.fail("type", "is required");
  if (out.customer_id.empty() && out.anonymous_id.empty() && !has_error_on("customer_id") &&
      !has_error_on("anonymous_id"))
    r.fail("customer_id", "customer_id or anonymous_id is required");
}

// Reads the fields `for_each_field` hands over (as key, value) into an interaction.
template <class ForEachField>
std::optional<Interaction> read_event(const ForEachField& for_each_field, int64_t received_ms,
                                      FieldErrors& errors, const InteractionLimits& limits) {
  const size_t errors_before = errors.size();
  EventReader r(errors, limits);
  Interaction out;
  out.timestamp_ms = received_ms;
  bool has_type = false, has_id_key = false;
  for_each_field([&](std::string_view key, const json& v) {
    has_id_key = has_id_key || key == "id";
    read_field(r, key, v, out, has_type);
  });
  check_required(r, out, has_type, has_id_key, errors, errors_before);
  if (errors.size() != errors_before) return std::nullopt;
  return out;
}

}  // namespace

std::optional<Interaction> interaction_from_json(const json& event, int64_t received_ms, FieldErrors& errors,
                                                 const InteractionLimits& limits) {
  if (!event.is_object()) {
    errors.push_back({"", "event must be a JSON object"});
    return std::nullopt;
  }
  return read_event(
      [&](const auto& visit) {
        for (const auto& [key, v] : event.items()) visit(key, v);
      },
      received_ms, errors, limits);
}

std::optional<Interaction> interaction_from_fields(std::span<const CanonicalField> fields,
                                                   int64_t received_ms, FieldErrors& errors,
                                                   const InteractionLimits& limits) {
  return read_event(
      [&](const auto& visit) {
        for (const CanonicalField& f : fields) visit(f.key, *f.value);
      },
      received_ms, errors, limits);
}

size_t approx_json_size(const json& v) {
  switch (v.type()) {
    case json::value_t::object: {
      size_t n = 2;
      for (const auto& [key, value] : v.items()) n += key.size() + 4 + approx_json_size(value);
      return n;
    }
    case json::value_t::array: {
      size_t n = 2;
      for (const auto& e : v) n += approx_json_size(e) + 1;
      return n;
    }
    case json::value_t::string:
      return v.get_ref<const std::string&>().size() + 2;
    case json::value_t::number_float:
      return 24;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return 20;
    default:
      return 5;
  }
}

}  // namespace tp
