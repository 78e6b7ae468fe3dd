#include "web/stream_route.h"

#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "analytics/change_feed.h"
#include "ingest/http_server.h"
#include "ingest/ingest_service.h"

namespace tp {

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

struct StreamState {
  uint64_t since = 0;
  bool started = false;
  std::chrono::steady_clock::time_point last_sent{};
};

}  // namespace

void add_stream_route(httplib::Server& svr, StreamDeps deps) {
  auto d = std::make_shared<StreamDeps>(std::move(deps));
  auto active = std::make_shared<std::atomic<int>>(0);
  svr.Get("/v1/stream", [d, active](const httplib::Request& req, httplib::Response& res) {
    if (!check_read_token(d->read_token, req, res)) return;
    if (active->fetch_add(1) >= d->max_streams) {
      active->fetch_sub(1);
      res.set_header("Retry-After", "5");
      return send_json(res, 503, error_body("", "too many live streams; retry later").dump());
    }
    auto state = std::make_shared<StreamState>();
    state->since = d->feed.position();
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    res.set_chunked_content_provider(
        "text/event-stream",
        [d, state](size_t, httplib::DataSink& sink) {
          if (!state->started) {
            state->started = true;
            const std::string hello = "retry: 3000\n: connected\n\n";
            return sink.write(hello.data(), hello.size());
          }
          // Coalesce: at most one batch per second.
          const auto next_allowed = state->last_sent + kMinInterval;
          const auto now = std::chrono::steady_clock::now();
          if (now < next_allowed) std::this_thread::sleep_for(next_allowed - now);
          if (d->feed.closed()) {
            sink.done();
            return true;
          }
          const Changes changes =
              d->feed.wait(state->since, std::chrono::duration_cast<std::chrono::milliseconds>(kKeepAlive));
          if (d->feed.closed()) {
            sink.done();
            return true;
          }
          const std::string text = changes.empty() ? std::string(": keep-alive\n\n") : events_for(changes);
          if (!changes.empty()) state->last_sent = std::chrono::steady_clock::now();
          return sink.write(text.data(), text.size());
        },
        [active](bool) { active->fetch_sub(1); });
  });
}

}  // namespace tp
