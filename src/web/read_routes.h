// Read-side HTTP routes: GET /v1/interactions, /healthz, /readyz, /metrics.
#pragma once
#include <functional>
#include <string>

#include "http/router.h"

namespace tp {

class Store;
class MetricsRegistry;

struct ReadRoutesDeps {
  Store& store;
  MetricsRegistry& metrics;
  std::string read_token;       // empty: reads are open
  std::function<bool()> ready;  // storage can take writes now
  // A customer or anonymous id as the client sent it to the form it is stored in (its pseudonym when
  // privacy.pseudonym_key is set); empty: ids are stored as sent.
  std::function<std::string(const std::string&)> stored_id;
};

void add_read_routes(http::Router& router, ReadRoutesDeps deps);

}  // namespace tp
