// Admin routes, behind server.admin_token: POST /v1/admin/reload swaps in freshly compiled rules, or
// refuses them with every error while the running rules stay; DELETE /v1/customers/{id} erases a
// customer (every interaction, link and derived aggregate).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "engine/rule_set.h"
#include "http/router.h"

namespace tp {

struct ReloadOutcome {
  bool ok = false;
  std::string version;
  size_t rules = 0;
  std::vector<Diagnostic> diagnostics;  // errors (when refused) and warnings
};

struct ErasureOutcome {
  int status = 200;     // 503 when storage could not commit
  uint32_t erased = 0;  // interactions
  bool purged = false;  // the write-ahead log was truncated too
  std::string error;
};

struct AdminRoutesDeps {
  std::string admin_token;  // empty: the routes answer 403
  std::function<ReloadOutcome()> reload;
  std::function<ErasureOutcome(const std::string& customer_id)> erase;
};

void add_admin_routes(http::Router& router, AdminRoutesDeps deps);

// Diagnostics as JSON objects (file, line, column, severity, rule, message, snippet), for the API and
// `touchpointd rules check --json`.
std::string diagnostics_json(const std::vector<Diagnostic>& diagnostics, bool pretty = false);

}  // namespace tp
