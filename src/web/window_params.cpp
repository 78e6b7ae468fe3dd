#include "web/window_params.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <string>

#include "analytics/journey_map.h"
#include "http/credentials.h"
#include "http/replies.h"
#include "model/journey.h"
#include "util/time.h"

namespace tp {

using http::check_read_token;
using http::send_json;

namespace {
constexpr int64_t kDefaultWindowMs = 7LL * 24 * 3600 * 1000;
}

bool read_window(const http::Request& req, http::Response& res, const Journey& journey, MapQuery& q) {
  const int64_t now = now_unix_ms();
  q.to_ms = now;
  if (req.has_param("to")) {
    auto t = parse_rfc3339_ms(req.param_value("to"));
    if (!t) return send_json(res, 400, error_body("to", "must be an RFC 3339 time").dump()), false;
    q.to_ms = *t;
  }
  q.from_ms = q.to_ms - kDefaultWindowMs;
  if (req.has_param("from")) {
    auto f = parse_rfc3339_ms(req.param_value("from"));
    if (!f) return send_json(res, 400, error_body("from", "must be an RFC 3339 time").dump()), false;
    q.from_ms = *f;
  }
  if (q.from_ms >= q.to_ms) return send_json(res, 400, error_body("from", "must be before to").dump()), false;
  q.persona = req.param_value("persona");
  if (!q.persona.empty() && !journey.has_persona(q.persona))
    return send_json(res, 400, error_body("persona", "unknown persona id").dump()), false;
  return true;
}

bool read_limit(const http::Request& req, http::Response& res, size_t max, size_t& limit) {
  if (!req.has_param("limit")) return true;
  const std::string v = req.param_value("limit");
  size_t n = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || ptr != v.data() + v.size() || n < 1 || n > max) {
    send_json(res, 400,
              error_body("limit", "must be a whole number from 1 to " + std::to_string(max)).dump());
    return false;
  }
  limit = n;
  return true;
}

}  // namespace tp
