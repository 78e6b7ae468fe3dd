#include "web/interaction_view.h"

#include "util/time.h"

namespace tp {

using json = nlohmann::json;

namespace {
json parse_object_or_empty(const std::string& text) {
  if (text.empty()) return json::object();
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? json::object() : j;
}
}  // namespace

json interaction_view(const StoredInteraction& s) {
  const Interaction& in = s.interaction;
  json j = json::object();
  j["id"] = in.id;
  j["type"] = to_string(in.type);
  j["source"] = s.source;
  j["customer_id"] = s.resolved_customer_id.empty() ? json(nullptr) : json(s.resolved_customer_id);
  if (!in.customer_id.empty() && in.customer_id != s.resolved_customer_id) j["original_customer_id"] = in.customer_id;
  if (!in.anonymous_id.empty()) j["anonymous_id"] = in.anonymous_id;
  if (!in.session_id.empty()) j["session_id"] = in.session_id;
  j["timestamp"] = format_rfc3339_ms(in.timestamp_ms);
  j["received_at"] = format_rfc3339_ms(s.received_ms);
  if (!in.channel.empty()) j["channel"] = in.channel;
  if (in.role != Role::None) j["role"] = to_string(in.role);
  if (!in.text.empty()) j["text"] = in.text;
  if (!in.intent.empty()) j["intent"] = in.intent;
  if (in.confidence) j["confidence"] = *in.confidence;
  if (in.fallback) j["fallback"] = *in.fallback;
  if (in.escalated) j["escalated"] = *in.escalated;
  if (in.rating) j["rating"] = *in.rating;
  if (!in.url.empty()) j["url"] = in.url;
  if (!in.name.empty()) j["name"] = in.name;
  if (!in.properties_json.empty()) j["properties"] = parse_object_or_empty(in.properties_json);
  if (!in.traits_json.empty()) j["traits"] = parse_object_or_empty(in.traits_json);
  j["tags"] = parse_object_or_empty(s.tags_json);
  return j;
}

}  // namespace tp
