// The product's output on HTTP: GET /v1/journey (the configured model) and GET /v1/map (the
// current-state journey map of a time window and persona).
#pragma once
#include <string>

namespace httplib {
class Server;
}

namespace tp {

class JourneyMap;
struct Journey;

struct MapRoutesDeps {
  const Journey& journey;
  const JourneyMap& map;
  std::string read_token;  // empty: open
};

void add_map_routes(httplib::Server& server, MapRoutesDeps deps);

}  // namespace tp
