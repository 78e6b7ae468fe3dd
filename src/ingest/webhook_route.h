// POST /v1/webhooks/{source}: a platform's own webhook payload (Dialogflow, Rasa, Bot Framework,
// Intercom, Zendesk, or anything through the generic mapping), verified on the raw bytes, translated by
// the source's adapter, and stored like any other events. Answered on the event loops, like /v1/events.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "http/router.h"
#include "ingest/adapters/adapter.h"
#include "ingest/ingest_http.h"
#include "ingest/signatures.h"

namespace tp {

class IngestService;
class CounterFamily;

struct WebhookSource {
  std::string name;
  std::unique_ptr<Adapter> adapter;
  std::unique_ptr<WebhookVerifier> verifier;
};

using WebhookSources = std::map<std::string, WebhookSource>;

// `verification_failures` counts refused verifications by source (may be null).
void add_webhook_route(http::Router& router, IngestService& ingest, const WebhookSources& sources,
                       const IngestHttpOptions& options, CounterFamily* verification_failures = nullptr);

}  // namespace tp
