// Dialogflow CX (v3) fulfillment WebhookRequest -> the user's turn, the agent's replies so far, a live-agent
// handoff when the replies request one. Answers "{}", a valid empty WebhookResponse.
// docs/adapters.md#dialogflow-cx.
#pragma once
#include <memory>

#include "ingest/adapters/adapter.h"

namespace tp {

std::unique_ptr<Adapter> make_dialogflow_cx_adapter();

}  // namespace tp
