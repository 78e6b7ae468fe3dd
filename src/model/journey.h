// The journey model a team configures: ordered stages, the touchpoints where customers meet the
// brand, and the personas the map is drawn for. Rules, preset tags and the map all refer to these ids.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "util/diagnostic.h"

namespace tp {

struct JourneyStage {
  std::string id, name, description;
};
struct JourneyTouchpoint {
  std::string id, name, channel;
};
struct JourneyPersona {
  std::string id, name, description;
};

struct Journey {
  std::vector<JourneyStage> stages;  // in journey order
  std::vector<JourneyTouchpoint> touchpoints;
  std::vector<JourneyPersona> personas;

  int stage_index(std::string_view id) const;  // -1 when unknown
  bool has_touchpoint(std::string_view id) const;
  bool has_persona(std::string_view id) const;
};

struct JourneyLoad {
  Journey journey;
  std::vector<Diagnostic> problems;  // all errors, each with file:line:column and its JSON pointer
  bool ok() const { return problems.empty(); }
};

// JSON with comments: {"stages": [...], "touchpoints": [...], "personas": [...]}.
// `file` names the text in problems.
JourneyLoad parse_journey(const std::string& text, const std::string& file = "<journey>");
JourneyLoad load_journey_file(const std::string& path);

}  // namespace tp
