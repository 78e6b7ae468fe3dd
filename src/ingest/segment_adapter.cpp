#include "ingest/segment_adapter.h"

#include <array>
#include <nlohmann/json.hpp>
#include <utility>

#include "util/time.h"

namespace tp {
namespace {

using json = nlohmann::json;

// Canonical field -> the Segment field it came from, so errors speak the sender's language.
constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kFieldNames{{
    {"id", "messageId"},
    {"customer_id", "userId"},
    {"anonymous_id", "anonymousId"},
    {"name", "event"},
    {"session_id", "context.sessionId"},
    {"timestamp", "timestamp"},
    {"properties", "properties"},
    {"traits", "traits"},
    {"url", "context.page.url"},
}};

const json* member(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

const json* path(const json& obj, std::initializer_list<std::string_view> keys) {
  const json* cur = &obj;
  for (const auto k : keys) {
    cur = member(*cur, k);
    if (!cur) return nullptr;
  }
  return cur;
}

// Segment's clock-skew correction: timestamp = receivedAt - (sentAt - originalTimestamp).
std::optional<int64_t> corrected_time(const json& msg, int64_t received_ms) {
  auto read = [&](std::string_view key) -> std::optional<int64_t> {
    const json* v = member(msg, key);
    return v && v->is_string() ? parse_rfc3339_ms(v->get_ref<const std::string&>()) : std::nullopt;
  };
  const auto original = read("originalTimestamp");
  const auto sent = read("sentAt");
  if (original && sent) return received_ms - (*sent - *original);
  return original;
}

}  // namespace

std::optional<Interaction> segment_to_interaction(const json& msg, std::string_view route_type,
                                                  int64_t received_ms, FieldErrors& errors,
                                                  const InteractionLimits& limits) {
  if (!msg.is_object()) {
    errors.push_back({"", "message must be a JSON object"});
    return std::nullopt;
  }
  std::string type(route_type);
  if (type.empty()) {
    const json* t = member(msg, "type");
    if (!t || !t->is_string()) {
      errors.push_back({"type", "is required in a batch (track, page, screen, identify or alias)"});
      return std::nullopt;
    }
    type = t->get<std::string>();
  }

  json canonical = json::object();
  auto copy = [&](std::string_view from, const char* to) {
    if (const json* v = member(msg, from)) canonical[to] = *v;
  };
  copy("messageId", "id");
  copy("userId", "customer_id");
  copy("anonymousId", "anonymous_id");
  if (const json* s = path(msg, {"context", "sessionId"})) canonical["session_id"] = *s;

  if (type == "track") {
    canonical["type"] = "track";
    copy("event", "name");
    copy("properties", "properties");
  } else if (type == "page" || type == "screen") {
    canonical["type"] = "page";
    copy("name", "name");
    copy("properties", "properties");
    if (type == "page") canonical["channel"] = "website";
  } else if (type == "identify") {
    canonical["type"] = "identify";
    copy("traits", "traits");
  } else if (type == "alias") {
    // alias(previousId -> userId): stored as an identify carrying both ids, which links them.
    canonical["type"] = "identify";
    if (const json* prev = member(msg, "previousId"))
      canonical["anonymous_id"] = *prev;
    else
      errors.push_back({"previousId", "is required for alias"});
    if (!member(msg, "userId")) errors.push_back({"userId", "is required for alias"});
  } else {
    errors.push_back(
        {"type", "'" + type.substr(0, 32) + "' is not supported (track, page, screen, identify, alias)"});
    return std::nullopt;
  }
  if (!errors.empty()) return std::nullopt;

  const json* url = path(msg, {"properties", "url"});
  if (!url || !url->is_string()) url = path(msg, {"context", "page", "url"});
  if (url && url->is_string()) canonical["url"] = *url;

  if (const json* ts = member(msg, "timestamp")) {
    canonical["timestamp"] = *ts;
  } else if (const auto t = corrected_time(msg, received_ms)) {
    canonical["timestamp"] = format_rfc3339_ms(*t);
  }

  const size_t before = errors.size();
  auto out = interaction_from_json(canonical, received_ms, errors, limits);
  for (size_t i = before; i < errors.size(); ++i) {
    for (const auto& [ours, theirs] : kFieldNames) {
      if (errors[i].field == ours) {
        errors[i].field = theirs;
        if (ours == "customer_id" && errors[i].error.find("or anonymous_id") != std::string::npos)
          errors[i].error = "userId or anonymousId is required";
        if (ours == "id" && errors[i].error.find("is required") != std::string::npos)
          errors[i].error = "is required (the idempotency key)";
        break;
      }
    }
  }
  return out;
}

}  // namespace tp
