// The product's output on HTTP: GET /v1/journey (the configured model), GET /v1/map (the current-state
// journey map of a time window and persona) and GET /v1/faq (FAQ pain points).
#pragma once
#include <string>

#include "http/router.h"

namespace tp {

class JourneyMap;
class FaqSummary;
struct Journey;

struct MapRoutesDeps {
  const Journey& journey;
  const JourneyMap& map;
  const FaqSummary& faq;
  std::string read_token;  // empty: open
};

void add_map_routes(http::Router& router, MapRoutesDeps deps);

}  // namespace tp
