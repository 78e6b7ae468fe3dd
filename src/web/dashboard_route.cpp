#include "web/dashboard_route.h"

#include <map>
#include <memory>
#include <string>

#include "util/text.h"
#include "web/dashboard_assets.h"

namespace tp {

namespace {

std::string_view content_type_of(std::string_view name) {
  auto ends_with = [&](std::string_view ext) {
    return name.size() >= ext.size() && name.substr(name.size() - ext.size()) == ext;
  };
  if (ends_with(".html")) return "text/html; charset=utf-8";
  if (ends_with(".js")) return "text/javascript; charset=utf-8";
  if (ends_with(".css")) return "text/css; charset=utf-8";
  if (ends_with(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

struct Asset {
  std::string_view content;
  std::string_view type;
  std::string etag;  // strong validator: the content's hash, so a new build is never served from cache
};

void serve(const Asset& a, const http::Request& req, http::Response& res) {
  res.set_header("Content-Security-Policy", std::string(kDashboardCsp));
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Cache-Control", "no-cache");
  res.set_header("ETag", a.etag);
  if (req.header_value("If-None-Match") == a.etag) {
    res.status = 304;
    return;
  }
  res.status = 200;
  res.set_content(std::string(a.content), std::string(a.type));
}

}  // namespace

void add_dashboard_routes(http::Router& router) {
  auto assets = std::make_shared<std::map<std::string, Asset, std::less<>>>();
  for (const auto& a : dashboard_assets())
    (*assets)[std::string(a.name)] =
        Asset{a.content, content_type_of(a.name), "\"" + sha256_hex(a.content).substr(0, 32) + "\""};

  auto page = [assets](const http::Request& req, http::Response& res) {
    serve(assets->at("index.html"), req, res);
  };
  router.get("/", page);
  router.get("/dashboard", page);
  router.get("/dashboard/", page);
  router.get("/dashboard/{file}", [assets](const http::Request& req, http::Response& res) {
    auto it = assets->find(req.captures[0]);
    if (it == assets->end()) {
      res.status = 404;
      res.set_content(R"({"error":"no such dashboard file","field":""})", "application/json");
      return;
    }
    serve(it->second, req, res);
  });
}

}  // namespace tp
