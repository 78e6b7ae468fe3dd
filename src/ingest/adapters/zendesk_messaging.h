// Zendesk Messaging / Sunshine Conversations v2 webhooks ({"app", "webhook", "events": [...]}) -> message
// turns, conversation starts, switchboard hand-offs to the Agent Workspace and ticket closes; typing, read
// and delivery events are ignored. docs/adapters.md#zendesk-messaging.
#pragma once
#include <memory>

#include "ingest/adapters/adapter.h"

namespace tp {

std::unique_ptr<Adapter> make_zendesk_messaging_adapter();

}  // namespace tp
