#include <spdlog/spdlog.h>

#include <stdexcept>

#include "app/steps/steps.h"
#include "app/webhook_sources.h"

namespace tp {
namespace {

// Preset tags must name ids of the journey: an unknown one is the sender's error, not a new stage.
EventTranslator with_preset_check(EventTranslator inner, const Journey& journey) {
  return [inner = std::move(inner), &journey](const nlohmann::json& e, int64_t now, FieldErrors& errors) {
    auto in = inner(e, now, errors);
    if (!in || journey.stages.empty()) return in;
    const Tags& t = in->preset_tags;
    if (!t.stage.empty() && journey.stage_index(t.stage) < 0)
      errors.push_back({"tags.stage", "unknown stage id (not in the journey)"});
    if (!t.persona.empty() && !journey.has_persona(t.persona))
      errors.push_back({"tags.persona", "unknown persona id (not in the journey)"});
    if (!t.touchpoint.empty() && !journey.has_touchpoint(t.touchpoint))
      errors.push_back({"tags.touchpoint", "unknown touchpoint id (not in the journey)"});
    if (!errors.empty()) return std::optional<Interaction>();
    return in;
  };
}

}  // namespace

void build_ingest(DaemonState& d) {
  const Config& c = d.config;
  auto& events_total = d.metrics.counter("touchpoint_events_total",
                                         "Events by source and outcome (accepted, duplicate, rejected).",
                                         {"source", "outcome"});
  IngestLimits limits;
  limits.max_event_bytes = c.server.max_event_bytes;
  limits.dead_letter_raw_bytes = c.ingest.dead_letter_raw_bytes;
  limits.retry_after_s = c.ingest.retry_after_s;
  PrivacyOptions privacy;
  privacy.redact = c.privacy.redact;
  privacy.kinds = {c.privacy.redact_emails, c.privacy.redact_phones, c.privacy.redact_cards,
                   c.privacy.redact_ibans};
  privacy.pseudonym_key = c.privacy.pseudonym_key;
  privacy.link_traits = c.identity.link_traits;
  privacy.link_properties = c.identity.link_properties;
  privacy.hashed_traits = c.identity.hashed_traits;
  for (const auto& h : d.store->suppressed()) d.suppressed.add(h);
  d.ingest = std::make_unique<IngestService>(*d.writer, limits, &events_total, privacy, &d.suppressed);
  std::vector<Diagnostic> problems;
  d.webhooks = build_webhook_sources(c, problems);
  for (const auto& p : problems) spdlog::error("config: {}: {}", p.pointer, p.message);
  if (!problems.empty()) throw std::runtime_error("webhook sources have problems (listed above)");
  d.ingest_check = [&journey = d.journey](EventTranslator t) {
    return with_preset_check(std::move(t), journey);
  };
  d.auth = std::make_unique<SourceAuthenticator>(c.sources);
}

}  // namespace tp
