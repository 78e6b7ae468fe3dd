// Freshchat webhooks ({actor, action, action_time, data}) -> user, agent and bot messages, assignment to an
// agent as a hand-off, resolves and reopens. docs/adapters.md#freshchat.
#pragma once
#include <memory>

#include "ingest/adapters/adapter.h"

namespace tp {

std::unique_ptr<Adapter> make_freshchat_adapter();

}  // namespace tp
