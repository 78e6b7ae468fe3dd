#include "web/map_routes.h"

#include <memory>
#include <nlohmann/json.hpp>

#include "analytics/exports.h"
#include "analytics/faq.h"
#include "analytics/journey_map.h"
#include "http/credentials.h"
#include "http/replies.h"
#include "model/journey.h"
#include "util/time.h"
#include "web/window_params.h"

namespace tp {

using http::check_read_token;
using http::send_json;

using json = nlohmann::json;

void add_map_routes(http::Router& router, MapRoutesDeps deps) {
  auto d = std::make_shared<MapRoutesDeps>(std::move(deps));

  router.get("/v1/journey", [d](const http::Request& req, http::Response& res) {
    if (!check_read_token(d->read_token, req, res)) return;
    json stages = json::array(), touchpoints = json::array(), personas = json::array();
    for (const auto& s : d->journey.stages)
      stages.push_back({{"id", s.id}, {"name", s.name}, {"description", s.description}});
    for (const auto& t : d->journey.touchpoints)
      touchpoints.push_back({{"id", t.id}, {"name", t.name}, {"channel", t.channel}});
    for (const auto& p : d->journey.personas)
      personas.push_back({{"id", p.id}, {"name", p.name}, {"description", p.description}});
    send_json(res, 200,
              json{{"stages", stages}, {"touchpoints", touchpoints}, {"personas", personas}}.dump(
                  -1, ' ', false, json::error_handler_t::replace));
  });

  // The map of a window with each cell's top questions and the ranked opportunities.
  auto build_map = [d](const MapQuery& q) {
    json out = d->map.query(q);
    const auto top = d->faq.top_by_cell(q.from_ms, q.to_ms, q.persona, 3);
    for (auto& cell : out["cells"]) {
      json list = json::array();
      auto it = top.find({cell["stage"].get<std::string>(), cell["touchpoint"].get<std::string>()});
      if (it != top.end())
        for (const auto& [label, count] : it->second) list.push_back({{"label", label}, {"count", count}});
      cell["faq"] = std::move(list);
    }
    out["opportunities"] = map_opportunities(out, d->journey);
    out["from"] = format_rfc3339_ms(q.from_ms);
    out["to"] = format_rfc3339_ms(q.to_ms);
    return out;
  };

  router.get("/v1/map", [d, build_map](const http::Request& req, http::Response& res) {
    if (!check_read_token(d->read_token, req, res)) return;
    MapQuery q;
    if (!read_window(req, res, d->journey, q)) return;
    send_json(res, 200, build_map(q).dump(-1, ' ', false, json::error_handler_t::replace));
  });

  router.get("/v1/map.mmd", [d, build_map](const http::Request& req, http::Response& res) {
    if (!check_read_token(d->read_token, req, res)) return;
    MapQuery q;
    if (!read_window(req, res, d->journey, q)) return;
    const std::string title = "Customer journey " + format_rfc3339_ms(q.from_ms).substr(0, 10) + " to " +
                              format_rfc3339_ms(q.to_ms).substr(0, 10) +
                              (q.persona.empty() ? "" : " (" + q.persona + ")");
    res.status = 200;
    res.set_content(map_mermaid(build_map(q), d->journey, title), "text/vnd.mermaid; charset=utf-8");
  });

  router.get("/v1/map.csv", [d, build_map](const http::Request& req, http::Response& res) {
    if (!check_read_token(d->read_token, req, res)) return;
    MapQuery q;
    if (!read_window(req, res, d->journey, q)) return;
    res.status = 200;
    res.set_header("Content-Disposition", "attachment; filename=\"touchpoint-map.csv\"");
    res.set_content(map_csv(build_map(q)), "text/csv; charset=utf-8");
  });

  // FAQ query parameters: the window, persona, stage and limit. Answers 400 itself.
  auto read_faq = [d](const http::Request& req, http::Response& res, FaqQuery& q) {
    MapQuery window;
    if (!read_window(req, res, d->journey, window)) return false;
    q.from_ms = window.from_ms;
    q.to_ms = window.to_ms;
    q.persona = window.persona;
    q.stage = req.param_value("stage");
    if (!q.stage.empty() && d->journey.stage_index(q.stage) < 0)
      return send_json(res, 400, error_body("stage", "unknown stage id").dump()), false;
    return read_limit(req, res, 500, q.limit);
  };

  router.get("/v1/faq", [d, read_faq](const http::Request& req, http::Response& res) {
    if (!check_read_token(d->read_token, req, res)) return;
    FaqQuery q;
    if (!read_faq(req, res, q)) return;
    json out = d->faq.query(q);
    out["from"] = format_rfc3339_ms(q.from_ms);
    out["to"] = format_rfc3339_ms(q.to_ms);
    send_json(res, 200, out.dump(-1, ' ', false, json::error_handler_t::replace));
  });

  router.get("/v1/faq.csv", [d, read_faq](const http::Request& req, http::Response& res) {
    if (!check_read_token(d->read_token, req, res)) return;
    FaqQuery q;
    if (!read_faq(req, res, q)) return;
    res.status = 200;
    res.set_header("Content-Disposition", "attachment; filename=\"touchpoint-faq.csv\"");
    res.set_content(faq_csv(d->faq.query(q)), "text/csv; charset=utf-8");
  });
}

}  // namespace tp
