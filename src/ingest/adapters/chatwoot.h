// Chatwoot webhooks (account webhooks, API-channel inbox webhooks, agent bots) -> contact, agent and bot
// messages, CSAT ratings, the pending -> open hand-off to a human, resolves. docs/adapters.md#chatwoot.
#pragma once
#include <memory>

#include "ingest/adapters/adapter.h"

namespace tp {

std::unique_ptr<Adapter> make_chatwoot_adapter();

}  // namespace tp
