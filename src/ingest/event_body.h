// Request body -> the list of event objects in it, for both the native and the Segment routes.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace tp {

inline constexpr size_t kMaxJsonDepth = 64;

struct EventBody {
  nlohmann::json doc;
  std::vector<const nlohmann::json*> events;  // point into doc
  std::string field;                          // on error: what was wrong ("body", "batch")
  std::string error;                          // empty when parsing succeeded
  bool ok() const { return error.empty(); }
};

// Parses JSON (nesting limited to kMaxJsonDepth, checked before parsing) and finds the events:
// one object, an array of objects, or {"batch": [...]} (the Segment batch shape). An empty list is an error.
EventBody parse_event_body(std::string_view body);

}  // namespace tp
