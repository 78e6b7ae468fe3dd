#include "ingest/event_body.h"

#include <utility>

#include "util/fast_json.h"
#include "util/text.h"

namespace tp {

bool EventBody::point_events() {
  events.clear();
  const nlohmann::json* list = nullptr;
  if (doc.is_array()) {
    list = &doc;
  } else if (doc.is_object()) {
    auto it = doc.find("batch");
    if (it == doc.end()) {
      events.push_back(&doc);
      return true;
    }
    if (!it->is_array()) return false;
    list = &*it;
  } else {
    return false;
  }
  events.reserve(list->size());
  for (const auto& e : *list) events.push_back(&e);
  return true;
}

EventBody::EventBody(const EventBody& other) : doc(other.doc), field(other.field), error(other.error) {
  if (!other.events.empty()) point_events();
}

EventBody::EventBody(EventBody&& other) noexcept
    : doc(std::move(other.doc)),
      events(std::move(other.events)),
      field(std::move(other.field)),
      error(std::move(other.error)) {
  if (!events.empty()) point_events();  // as many as before: the moved capacity holds them
  other.events.clear();
}

EventBody& EventBody::operator=(const EventBody& other) {
  if (this != &other) *this = EventBody(other);
  return *this;
}

EventBody& EventBody::operator=(EventBody&& other) noexcept {
  if (this == &other) return *this;
  doc = std::move(other.doc);
  events = std::move(other.events);
  field = std::move(other.field);
  error = std::move(other.error);
  if (!events.empty()) point_events();
  other.events.clear();
  return *this;
}

EventBody parse_event_body(std::string_view body) {
  EventBody out;
  if (json_nesting_depth(body, kMaxJsonDepth) > kMaxJsonDepth) {
    out.field = "body";
    out.error = "JSON nesting is deeper than " + std::to_string(kMaxJsonDepth) + " levels";
    return out;
  }
  try {
    // The fast path declines anything it is not sure of; nlohmann then decides (and names the error).
    if (!fast_json_parse(body, out.doc, kMaxJsonDepth)) out.doc = nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    out.field = "body";
    out.error = "not valid JSON (at byte " + std::to_string(e.byte) + ")";
    return out;
  } catch (const nlohmann::json::exception&) {
    // nlohmann throws out_of_range, not parse_error, for a number beyond a double (1e400): uncaught, it
    // ended the process.
    out.field = "body";
    out.error = "not valid JSON (a number is out of range)";
    return out;
  }
  if (!out.point_events()) {
    const bool batch = out.doc.is_object();
    out.field = batch ? "batch" : "body";
    out.error = batch ? "must be an array of events"
                      : "must be an event object, an array of events or {\"batch\": [...]}";
    return out;
  }
  if (out.events.empty()) {
    out.field = out.doc.is_array() ? "body" : "batch";
    out.error = "contains no events";
  }
  return out;
}

}  // namespace tp
