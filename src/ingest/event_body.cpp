#include "ingest/event_body.h"

#include "util/fast_json.h"
#include "util/text.h"

namespace tp {

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
  const nlohmann::json* list = nullptr;
  if (out.doc.is_array()) {
    list = &out.doc;
  } else if (out.doc.is_object()) {
    auto it = out.doc.find("batch");
    if (it != out.doc.end()) {
      if (!it->is_array()) {
        out.field = "batch";
        out.error = "must be an array of events";
        return out;
      }
      list = &*it;
    } else {
      out.events.push_back(&out.doc);
    }
  } else {
    out.field = "body";
    out.error = "must be an event object, an array of events or {\"batch\": [...]}";
    return out;
  }
  if (list)
    for (const auto& e : *list) out.events.push_back(&e);
  if (out.events.empty()) {
    out.field = list == &out.doc ? "body" : "batch";
    out.error = "contains no events";
  }
  return out;
}

}  // namespace tp
