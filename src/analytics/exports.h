// What the map and FAQ JSON become for people and other tools: ranked opportunities in plain words,
// a Mermaid `journey` diagram, and CSV tables (safe to open in a spreadsheet: formula-like cells are
// neutralised, since question labels are customers' words).
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "model/journey.h"

namespace tp {

// The map's worst cells and stage transitions, ranked by impact (customers affected x pain share),
// each with a plain-language line. `map` is JourneyMap::query() output with each cell's "faq" added.
nlohmann::json map_opportunities(const nlohmann::json& map, const Journey& journey, size_t limit = 10);

// A Mermaid journey diagram: sections are stages, tasks are touchpoints, scores 1..5 from sentiment.
std::string map_mermaid(const nlohmann::json& map, const Journey& journey, const std::string& title);

std::string map_csv(const nlohmann::json& map);
std::string faq_csv(const nlohmann::json& faq);

// One CSV field: quoted when needed; a leading = + - @ (a spreadsheet formula) gets a ' in front.
std::string csv_field(const std::string& value);

}  // namespace tp
