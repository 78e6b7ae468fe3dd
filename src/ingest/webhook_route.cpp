#include "ingest/webhook_route.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "ingest/event_body.h"
#include "ingest/http_server.h"
#include "ingest/ingest_service.h"
#include "util/metrics.h"
#include "util/text.h"
#include "util/time.h"

namespace tp {

using json = nlohmann::json;

void add_webhook_route(httplib::Server& svr, IngestService& ingest, const WebhookSources& sources,
                       size_t max_body_bytes, CounterFamily* verification_failures) {
  svr.Post(R"(/v1/webhooks/([a-z0-9_-]{1,64}))", [&ingest, &sources, max_body_bytes, verification_failures](
                                                     const httplib::Request& req, httplib::Response& res,
                                                     const httplib::ContentReader& reader) {
    const int64_t received_ms = now_unix_ms();
    const std::string name = req.matches[1];
    auto it = sources.find(name);
    if (it == sources.end()) {
      close_after(res);
      return send_json(res, 404, error_body("source", "no webhook source of that name is configured").dump());
    }
    const WebhookSource& source = it->second;

    // The raw bytes, bounded (after decompression), before anything is parsed.
    std::string body;
    bool too_large = false;
    const bool read_ok = reader([&](const char* data, size_t len) {
      if (body.size() + len > max_body_bytes) {
        too_large = true;
        return false;
      }
      body.append(data, len);
      return true;
    });
    if (!read_ok) {
      close_after(res);
      return send_json(
          res, too_large ? 413 : 400,
          error_body("body", too_large ? "body is larger than " + std::to_string(max_body_bytes) + " bytes"
                                       : "body could not be read")
              .dump());
    }
    const HeaderLookup headers = [&req](std::string_view header) -> std::optional<std::string> {
      const std::string key(header);
      if (!req.has_header(key)) return std::nullopt;
      return req.get_header_value(key);
    };
    const VerifyResult verified = source.verifier->verify(body, headers, received_ms);
    if (!verified) {
      if (verification_failures) verification_failures->inc({name});
      spdlog::warn("webhook {}: refused: {}", name, verified.reason);
      return send_json(res, 401, error_body("signature", verified.reason).dump());
    }

    EventBody parsed = parse_event_body(body);
    const json* root = parsed.ok() ? &parsed.doc : nullptr;
    if (!root) {
      // parse_event_body refuses non-object/array shapes too; a platform payload must still be JSON.
      const json doc = body.size() ? json::parse(body, nullptr, false, false) : json();
      if (doc.is_discarded() || json_nesting_depth(body, kMaxJsonDepth) > kMaxJsonDepth) {
        const IngestReply r =
            ingest.reject_body(name, body, "body", parsed.ok() ? "not JSON" : parsed.error, received_ms);
        return send_json(res, r.status, r.body.dump(-1, ' ', false, json::error_handler_t::replace));
      }
      parsed.doc = doc;
      root = &parsed.doc;
    }
    AdapterContext ctx;
    ctx.received_ms = received_ms;
    ctx.source = name;
    ctx.webhook_id = verified.webhook_id;
    AdapterOutput out = source.adapter->translate(*root, ctx);
    const IngestReply reply = ingest.ingest_translated(name, std::move(out.interactions), out.errors,
                                                       out.rejected, out.ignored, body, received_ms);
    if (reply.retry_after_s > 0) res.set_header("Retry-After", std::to_string(reply.retry_after_s));
    // The platform gets the answer it expects (Dialogflow: an empty WebhookResponse) once stored.
    if (reply.status < 300 && out.response_body) {
      res.status = 200;
      return res.set_content(*out.response_body, "application/json");
    }
    send_json(res, reply.status, reply.body.dump(-1, ' ', false, json::error_handler_t::replace));
  });
}

}  // namespace tp
