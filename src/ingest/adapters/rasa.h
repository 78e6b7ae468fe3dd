// Rasa tracker events (event broker or a custom HTTP sender: one event, an array of events, or a whole
// tracker export {"sender_id", "events": [...]}) -> user and bot turns, fallbacks, handoffs.
// docs/adapters.md#rasa.
#pragma once
#include <memory>

#include "ingest/adapters/adapter.h"

namespace tp {

std::unique_ptr<Adapter> make_rasa_adapter();

}  // namespace tp
