// Dialogflow ES (v2) fulfillment WebhookRequest -> the user's turn (and the agent's configured reply).
// Touchpoint may be the fulfillment URL itself: it answers "{}", a valid empty WebhookResponse, so the agent
// keeps its static replies. Mapping and ids: docs/adapters.md#dialogflow-es.
#pragma once
#include <memory>

#include "ingest/adapters/adapter.h"

namespace tp {

std::unique_ptr<Adapter> make_dialogflow_es_adapter();

}  // namespace tp
