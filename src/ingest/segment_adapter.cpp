#include "ingest/segment_adapter.h"

#include <array>
#include <nlohmann/json.hpp>
#include <utility>

#include "util/text.h"
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

  // The canonical event, as fields pointing into the message (nothing is copied): slots in key order.
  enum Slot {
    AnonymousId,
    Channel,
    CustomerId,
    Id,
    Name,
    Properties,
    SessionId,
    Timestamp,
    Traits,
    Type,
    Url
  };
  static constexpr std::array<std::string_view, 11> kKeys{
      "anonymous_id", "channel",   "customer_id", "id",   "name", "properties",
      "session_id",   "timestamp", "traits",      "type", "url"};
  std::array<const json*, kKeys.size()> slot{};
  static const json kTrack = "track", kPage = "page", kIdentify = "identify", kWebsite = "website";
  slot[Id] = member(msg, "messageId");
  slot[CustomerId] = member(msg, "userId");
  slot[AnonymousId] = member(msg, "anonymousId");
  slot[SessionId] = path(msg, {"context", "sessionId"});

  if (type == "track") {
    slot[Type] = &kTrack;
    slot[Name] = member(msg, "event");
    slot[Properties] = member(msg, "properties");
  } else if (type == "page" || type == "screen") {
    slot[Type] = &kPage;
    slot[Name] = member(msg, "name");
    slot[Properties] = member(msg, "properties");
    if (type == "page") slot[Channel] = &kWebsite;
  } else if (type == "identify") {
    slot[Type] = &kIdentify;
    slot[Traits] = member(msg, "traits");
  } else if (type == "alias") {
    // alias(previousId -> userId): stored as an identify carrying both ids, which links them.
    slot[Type] = &kIdentify;
    if (const json* prev = member(msg, "previousId"))
      slot[AnonymousId] = prev;
    else
      errors.push_back({"previousId", "is required for alias"});
    if (!member(msg, "userId")) errors.push_back({"userId", "is required for alias"});
  } else {
    errors.push_back({"type", "'" + truncate_utf8(type, 32) +
                                  "' is not supported (track, page, screen, identify, alias)"});
    return std::nullopt;
  }
  if (!errors.empty()) return std::nullopt;

  const json* url = path(msg, {"properties", "url"});
  if (!url || !url->is_string()) url = path(msg, {"context", "page", "url"});
  if (url && url->is_string()) slot[Url] = url;

  json corrected;  // outlives the fields that may point at it
  if (const json* ts = member(msg, "timestamp")) {
    slot[Timestamp] = ts;
  } else if (const auto t = corrected_time(msg, received_ms)) {
    corrected = format_rfc3339_ms(*t);
    slot[Timestamp] = &corrected;
  }

  std::array<CanonicalField, kKeys.size()> fields;
  size_t n = 0;
  for (size_t i = 0; i < kKeys.size(); ++i)
    if (slot[i]) fields[n++] = {kKeys[i], slot[i]};

  const size_t before = errors.size();
  auto out = interaction_from_fields(std::span(fields.data(), n), received_ms, errors, limits);
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
