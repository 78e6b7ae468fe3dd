#include "web/read_routes.h"

#include <nlohmann/json.hpp>

#include "http/credentials.h"
#include "http/replies.h"
#include "store/store.h"
#include "util/metrics.h"
#include "web/interaction_view.h"
#include "web/window_params.h"

namespace tp {

using http::check_read_token;
using http::send_json;

using json = nlohmann::json;

namespace {
constexpr size_t kMaxLimit = 1000;
constexpr size_t kMaxFilterBytes = 512;
}  // namespace

void add_read_routes(http::Router& router, ReadRoutesDeps deps) {
  auto d = std::make_shared<ReadRoutesDeps>(std::move(deps));

  router.get("/v1/interactions", [d](const http::Request& req, http::Response& res) {
    if (!check_read_token(d->read_token, req, res)) return;
    InteractionQuery q;
    for (const auto& [name, target] :
         {std::pair{"source", &q.source}, {"customer", &q.customer}, {"session", &q.session}}) {
      *target = req.param_value(name);
      if (target->size() > kMaxFilterBytes)
        return send_json(res, 400, error_body(name, "is longer than 512 bytes").dump());
    }
    if (!q.customer.empty() && d->stored_id) q.customer = d->stored_id(q.customer);
    if (!read_limit(req, res, kMaxLimit, q.limit)) return;
    json items = json::array();
    for (const auto& s : d->store.interactions(q)) items.push_back(interaction_view(s));
    json body = {{"interactions", std::move(items)}};
    send_json(res, 200, body.dump(-1, ' ', false, json::error_handler_t::replace));
  });

  router.get("/healthz",
             [](const http::Request&, http::Response& res) { send_json(res, 200, R"({"status":"ok"})"); });

  router.get("/readyz", [d](const http::Request&, http::Response& res) {
    if (d->ready()) return send_json(res, 200, R"({"status":"ready"})");
    res.set_header("Retry-After", "1");
    send_json(res, 503, R"({"status":"not ready","error":"storage is not writable"})");
  });

  router.get("/metrics", [d](const http::Request& req, http::Response& res) {
    if (!check_read_token(d->read_token, req, res)) return;
    res.status = 200;
    res.set_content(d->metrics.render(), "text/plain; version=0.0.4");
  });
}

}  // namespace tp
