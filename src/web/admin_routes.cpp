#include "web/admin_routes.h"

#include <memory>
#include <nlohmann/json.hpp>

#include "http/credentials.h"
#include "http/replies.h"
#include "util/text.h"

namespace tp {

using http::check_read_token;
using http::send_json;

using json = nlohmann::json;

namespace {

json diagnostic_object(const Diagnostic& d) {
  json j = {{"file", d.file},
            {"severity", d.severity == Diagnostic::Severity::Error ? "error" : "warning"},
            {"message", d.message}};
  if (d.line) {
    j["line"] = d.line;
    j["column"] = d.column;
  }
  if (!d.subject.empty()) j["rule"] = d.subject;  // the API's name for it since rule packs were the first
  if (!d.pointer.empty()) j["pointer"] = d.pointer;
  if (!d.snippet.empty()) j["snippet"] = d.snippet;
  return j;
}

json diagnostics_array(const std::vector<Diagnostic>& diagnostics) {
  json out = json::array();
  for (const auto& d : diagnostics) out.push_back(diagnostic_object(d));
  return out;
}

}  // namespace

std::string diagnostics_json(const std::vector<Diagnostic>& diagnostics, bool pretty) {
  return diagnostics_array(diagnostics).dump(pretty ? 2 : -1, ' ', false, json::error_handler_t::replace);
}

namespace {

// The admin token check; answers 403/401 itself.
bool admin_allowed(const AdminRoutesDeps& d, const http::Request& req, http::Response& res) {
  if (d.admin_token.empty()) {
    send_json(res, 403, error_body("", "admin routes are disabled: set server.admin_token").dump());
    return false;
  }
  const Credentials c = parse_authorization(req.header_value("Authorization"));
  if (c.bearer.empty() || !constant_time_equals(c.bearer, d.admin_token)) {
    res.set_header("WWW-Authenticate", "Bearer");
    send_json(res, 401,
              error_body("Authorization", c.present ? "wrong admin token" : "admin token required").dump());
    return false;
  }
  return true;
}

}  // namespace

void add_admin_routes(http::Router& router, AdminRoutesDeps deps) {
  auto d = std::make_shared<AdminRoutesDeps>(std::move(deps));
  router.del("/v1/customers/{id}", [d](const http::Request& req, http::Response& res) {
    if (!admin_allowed(*d, req, res)) return;
    const ErasureOutcome out = d->erase(req.captures[0]);
    if (out.status != 200) {
      res.set_header("Retry-After", "1");
      return send_json(res, out.status, error_body("", out.error).dump());
    }
    send_json(res, 200, json{{"erased", out.erased}, {"purged", out.purged}}.dump());
  });
  router.post("/v1/admin/reload", [d](const http::Request& req, http::Response& res) {
    if (!admin_allowed(*d, req, res)) return;
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
