// POST /v1/webhooks/{source}: a platform's own webhook payload (Dialogflow, Rasa, Bot Framework,
// Intercom, Zendesk, or anything through the generic mapping), verified on the raw bytes, translated by
// the source's adapter, and stored like any other events.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "ingest/adapters/adapter.h"
#include "ingest/signatures.h"

namespace httplib {
class Server;
}

namespace tp {

class IngestService;
class CounterFamily;

struct WebhookSource {
  std::string name;
  std::unique_ptr<Adapter> adapter;
  std::unique_ptr<WebhookVerifier> verifier;
};

using WebhookSources = std::map<std::string, WebhookSource>;

// `rejected_total` counts refused verifications by source (may be null).
void add_webhook_route(httplib::Server& server, IngestService& ingest, const WebhookSources& sources,
                       size_t max_body_bytes, CounterFamily* verification_failures = nullptr);

}  // namespace tp
