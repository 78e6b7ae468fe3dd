// Request body -> the list of event objects in it, for both the native and the Segment routes.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "util/text.h"

namespace tp {

struct EventBody {
  nlohmann::json doc;
  std::vector<const nlohmann::json*> events;  // point into doc (see the copy and move below)
  std::string field;                          // on error: what was wrong ("body", "batch")
  std::string error;                          // empty when parsing succeeded
  bool ok() const { return error.empty(); }

  // `events` points into `doc`, so a copy or move points them into its own doc again: the defaults
  // would leave them pointing into the source's (dangling once it is gone). A move keeps the vector's
  // memory, so it allocates nothing.
  EventBody() = default;
  EventBody(const EventBody& other);
  EventBody(EventBody&& other) noexcept;
  EventBody& operator=(const EventBody& other);
  EventBody& operator=(EventBody&& other) noexcept;
  ~EventBody() = default;

 private:
  friend EventBody parse_event_body(std::string_view body);
  // Fills `events` from `doc`: one object, an array of them, or {"batch": [...]}. False (and `events`
  // empty) for any other shape.
  bool point_events();
};

// Parses JSON (nesting limited to kMaxJsonDepth, checked before parsing) and finds the events:
// one object, an array of objects, or {"batch": [...]} (the Segment batch shape). An empty list is an error.
EventBody parse_event_body(std::string_view body);

}  // namespace tp
