// LiveChat (Text platform) webhooks ({"webhook_id", "secret_key", "action", "payload", ...}) -> chat
// messages, transfers to agents, chat ends and thumbs ratings; internal (agents-only) events and other
// actions are ignored. docs/adapters.md#livechat.
#pragma once
#include <memory>

#include "ingest/adapters/adapter.h"

namespace tp {

std::unique_ptr<Adapter> make_livechat_adapter();

}  // namespace tp
