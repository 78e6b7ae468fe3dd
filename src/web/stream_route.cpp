#include "web/stream_route.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "analytics/change_feed.h"
#include "http/credentials.h"
#include "http/replies.h"

namespace tp {

using http::check_read_token;
using http::send_json;

using json = nlohmann::json;

namespace {

constexpr auto kMinInterval = std::chrono::seconds(1);
constexpr auto kKeepAlive = std::chrono::seconds(15);

std::string events_for(const Changes& c) {
  std::string out;
  if (c.everything) return "event: map\ndata: {\"all\":true}\n\nevent: faq\ndata: {\"all\":true}\n\n";
  if (!c.stages.empty() || !c.cells.empty()) {
    json cells = json::array();
    for (const auto& [stage, touchpoint] : c.cells)
      cells.push_back({{"stage", stage}, {"touchpoint", touchpoint}});
    out += "event: map\ndata: " +
           json{{"stages", c.stages}, {"cells", cells}}.dump(-1, ' ', false, json::error_handler_t::replace) +
           "\n\n";
  }
  if (!c.clusters.empty()) out += "event: faq\ndata: " + json{{"clusters", c.clusters}}.dump() + "\n\n";
  return out;
}

}  // namespace

void add_stream_route(http::Router& router, StreamDeps deps) {
  auto d = std::make_shared<StreamDeps>(std::move(deps));
  auto active = std::make_shared<std::atomic<int>>(0);
  router.get("/v1/stream", [d, active](const http::Request& req, http::Response& res) {
    if (!check_read_token(d->read_token, req, res)) return;
    if (active->fetch_add(1) >= d->max_streams) {
      active->fetch_sub(1);
      res.set_header("Retry-After", "5");
      return send_json(res, 503, error_body("", "too many live streams; retry later").dump());
    }
    res.status = 200;
    res.content_type = "text/event-stream";
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    // Runs on a thread of its own (http/server.h) until the client leaves or the feed closes.
    res.stream = [d, since = d->feed.position()](http::StreamSink& sink) mutable {
      if (!sink.write("retry: 3000\n: connected\n\n")) return;
      std::chrono::steady_clock::time_point last_sent{};
      while (sink.open() && !d->feed.closed()) {
        // Coalesce: at most one batch per second.
        const auto next_allowed = last_sent + kMinInterval;
        const auto now = std::chrono::steady_clock::now();
        if (now < next_allowed) std::this_thread::sleep_for(next_allowed - now);
        const Changes changes =
            d->feed.wait(since, std::chrono::duration_cast<std::chrono::milliseconds>(kKeepAlive));
        if (d->feed.closed()) return;
        if (!changes.empty()) last_sent = std::chrono::steady_clock::now();
        if (!sink.write(changes.empty() ? std::string(": keep-alive\n\n") : events_for(changes))) return;
      }
    };
    res.on_stream_end = [active] { active->fetch_sub(1); };
  });
}

}  // namespace tp
