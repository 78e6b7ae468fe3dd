#include "ingest/webhook_route.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "http/replies.h"
#include "ingest/event_body.h"
#include "ingest/ingest_service.h"
#include "util/metrics.h"
#include "util/text.h"

namespace tp {

using json = nlohmann::json;

namespace {

// Decoded form text as JSON may hold it: %XX can decode to bytes that are not UTF-8, and a JSON string
// must be (nlohmann would throw when the interaction is written), so each invalid byte becomes U+FFFD.
std::string as_utf8(const std::string& decoded) {
  std::string out;
  out.reserve(decoded.size());
  for (size_t i = 0; i < decoded.size();) append_utf8(next_code_point(decoded, i), out);
  return out;
}

// A form-encoded body (Twilio, a generic bot posting a form) as the flat object adapters map from: each
// parameter a string member. A repeated name keeps its first value.
json form_object(std::string_view body) {
  json out = json::object();
  for (auto& [name, value] : http::parse_form(body)) {
    std::string key = as_utf8(name);
    if (!out.contains(key)) out[std::move(key)] = as_utf8(value);
  }
  return out;
}

void translate_and_ingest(IngestService& ingest, const WebhookSource& source, const std::string& name,
                          const json& root, const VerifyResult& verified, const http::Request& req,
                          const std::shared_ptr<http::Reply>& shared) {
  AdapterContext ctx;
  ctx.received_ms = req.received_ms;
  ctx.source = name;
  ctx.webhook_id = verified.webhook_id;
  AdapterOutput out = source.adapter->translate(root, ctx);
  // The platform gets the answer it expects (Dialogflow: an empty WebhookResponse) once stored.
  auto platform_answer = std::make_shared<std::optional<std::string>>(std::move(out.response_body));
  ingest.ingest_translated_async(name, std::move(out.interactions), out.errors, out.rejected, out.ignored,
                                 req.body, req.received_ms, [shared, platform_answer](IngestReply r) {
                                   if (r.status < 300 && *platform_answer) {
                                     http::Response res;
                                     res.status = 200;
                                     res.set_content(std::move(**platform_answer), "application/json");
                                     return shared->send(std::move(res));
                                   }
                                   shared->send(ingest_response(r));
                                 });
}

}  // namespace

void add_webhook_route(http::Router& router, IngestService& ingest, const WebhookSources& sources,
                       const IngestHttpOptions& options, CounterFamily* verification_failures) {
  http::RouteOptions o = commit_timeout(ingest, options.commit_timeout_ms);
  // An unknown source is refused before its body is read.
  o.before_body = [&sources](const http::Request& req, http::Response& res) {
    if (sources.count(req.captures[0])) return true;
    http::send_error(res, 404, "source", "no webhook source of that name is configured");
    return false;
  };
  router.post_async(
      "/v1/webhooks/{source}",
      [&ingest, &sources, verification_failures](http::Request& req, http::Reply reply) {
        const std::string& name = req.captures[0];
        const WebhookSource& source = sources.at(name);
        const std::string& body = req.body;
        const HeaderLookup headers = [&req](std::string_view header) -> std::optional<std::string> {
          auto v = req.header(header);
          if (!v) return std::nullopt;
          return std::string(*v);
        };
        // Verified on the raw bytes, before anything is parsed.
        const VerifyResult verified = source.verifier->verify(body, headers, req.received_ms);
        if (!verified) {
          if (verification_failures) verification_failures->inc({name});
          spdlog::warn("webhook {}: refused: {}", name, one_line_excerpt(verified.reason, 200));
          http::Response res;
          http::send_error(res, 401, "signature", verified.reason);
          return reply.send(std::move(res));
        }
        auto shared = std::make_shared<http::Reply>(std::move(reply));
        const auto content_type = req.header("Content-Type");
        if (content_type && http::is_media_type(*content_type, "application/x-www-form-urlencoded"))
          return translate_and_ingest(ingest, source, name, form_object(body), verified, req, shared);
        EventBody parsed = parse_event_body(body);
        const json* root = parsed.ok() ? &parsed.doc : nullptr;
        if (!root) {
          // parse_event_body refuses non-object/array shapes too; a platform payload must still be JSON.
          json doc = body.size() ? json::parse(body, nullptr, false, false) : json();
          if (doc.is_discarded() || json_nesting_depth(body, kMaxJsonDepth) > kMaxJsonDepth) {
            return ingest.reject_body_async(name, body, "body", parsed.ok() ? "not JSON" : parsed.error,
                                            req.received_ms,
                                            [shared](IngestReply r) { shared->send(ingest_response(r)); });
          }
          parsed.doc = std::move(doc);
          root = &parsed.doc;
        }
        translate_and_ingest(ingest, source, name, *root, verified, req, shared);
      },
      std::move(o));
}

}  // namespace tp
