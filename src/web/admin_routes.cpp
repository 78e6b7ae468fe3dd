#include "web/admin_routes.h"

#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "ingest/http_server.h"
#include "ingest/ingest_service.h"
#include "ingest/source_auth.h"
#include "util/text.h"

namespace tp {

using json = nlohmann::json;

namespace {

json diagnostic_object(const RuleDiagnostic& d) {
  json j = {{"file", d.file},
            {"severity", d.severity == RuleDiagnostic::Severity::Error ? "error" : "warning"},
            {"message", d.message}};
  if (d.line) {
    j["line"] = d.line;
    j["column"] = d.column;
  }
  if (!d.rule.empty()) j["rule"] = d.rule;
  if (!d.pointer.empty()) j["pointer"] = d.pointer;
  if (!d.snippet.empty()) j["snippet"] = d.snippet;
  return j;
}

json diagnostics_array(const std::vector<RuleDiagnostic>& diagnostics) {
  json out = json::array();
  for (const auto& d : diagnostics) out.push_back(diagnostic_object(d));
  return out;
}

}  // namespace

std::string diagnostics_json(const std::vector<RuleDiagnostic>& diagnostics, bool pretty) {
  return diagnostics_array(diagnostics).dump(pretty ? 2 : -1, ' ', false, json::error_handler_t::replace);
}

void add_admin_routes(httplib::Server& svr, AdminRoutesDeps deps) {
  auto d = std::make_shared<AdminRoutesDeps>(std::move(deps));
  svr.Post("/v1/admin/reload", [d](const httplib::Request& req, httplib::Response& res) {
    if (d->admin_token.empty())
      return send_json(res, 403, error_body("", "admin routes are disabled: set server.admin_token").dump());
    const Credentials c = parse_authorization(req.get_header_value("Authorization"));
    if (c.bearer.empty() || !constant_time_equals(c.bearer, d->admin_token)) {
      res.set_header("WWW-Authenticate", "Bearer");
      return send_json(res, 401, error_body("Authorization", c.present ? "wrong admin token" : "admin token required").dump());
    }
    const ReloadOutcome out = d->reload();
    json body = {{"reloaded", out.ok}, {"diagnostics", diagnostics_array(out.diagnostics)}};
    if (out.ok) {
      body["version"] = out.version;
      body["rules"] = out.rules;
      return send_json(res, 200, body.dump(-1, ' ', false, json::error_handler_t::replace));
    }
    body["error"] = "the rule packs have errors; the running rules stay";
    send_json(res, 422, body.dump(-1, ' ', false, json::error_handler_t::replace));
  });
}

}  // namespace tp
