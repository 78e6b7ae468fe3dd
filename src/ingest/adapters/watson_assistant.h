// IBM watsonx Assistant log webhook ({"event": {"name": "message_logged"}, "payload": <v2 Log>}) -> the
// customer's turn with its top intent (none: a fallback), the assistant's text reply and, for a
// connect_to_agent response, a hand-off; cdr_logged and other events are ignored.
// docs/adapters.md#watson-assistant.
#pragma once
#include <memory>

#include "ingest/adapters/adapter.h"

namespace tp {

std::unique_ptr<Adapter> make_watson_assistant_adapter();

}  // namespace tp
