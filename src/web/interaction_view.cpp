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
  if (!in.customer_id.empty() && in.customer_id != s.resolved_customer_id)
    j["original_customer_id"] = in.customer_id;
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
  if (in.sentiment) j["sentiment"] = *in.sentiment;
  if (!in.url.empty()) j["url"] = in.url;
  if (!in.name.empty()) j["name"] = in.name;
  if (!in.properties_json.empty()) j["properties"] = parse_object_or_empty(in.properties_json);
  if (!in.traits_json.empty()) j["traits"] = parse_object_or_empty(in.traits_json);
  // The engine's tags once it tagged the interaction; until then what the sender preset.
  json tags = json::object();
  const Tags& preset = in.preset_tags;
  if (!s.tag_version.empty()) {
    const TagSet& t = s.tags;
    tags["persona"] = t.persona.empty() ? json(nullptr) : json(t.persona);
    tags["stage"] = t.stage.empty() ? json(nullptr) : json(t.stage);
    tags["touchpoint"] = t.touchpoint.empty() ? json(nullptr) : json(t.touchpoint);
    tags["sentiment"] = t.sentiment ? json(*t.sentiment) : json(nullptr);
    tags["pain"] = t.pain;
    tags["rules"] = t.rules;
    tags["version"] = s.tag_version;
  } else {
    if (!preset.persona.empty()) tags["persona"] = preset.persona;
    if (!preset.stage.empty()) tags["stage"] = preset.stage;
    if (!preset.touchpoint.empty()) tags["touchpoint"] = preset.touchpoint;
  }
  j["tags"] = std::move(tags);
  if (!preset.empty() && !s.tag_version.empty()) {
    json p = json::object();
    if (!preset.persona.empty()) p["persona"] = preset.persona;
    if (!preset.stage.empty()) p["stage"] = preset.stage;
    if (!preset.touchpoint.empty()) p["touchpoint"] = preset.touchpoint;
    j["preset_tags"] = std::move(p);
  }
  return j;
}

}  // namespace tp
