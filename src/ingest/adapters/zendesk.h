// Zendesk webhooks: event webhooks ("zen:event-type:ticket.*") and trigger/automation webhooks whose JSON
// body follows the shape in docs/adapters.md#zendesk -> ticket messages, satisfaction ratings, solved
// markers.
#pragma once
#include <memory>

#include "ingest/adapters/adapter.h"

namespace tp {

std::unique_ptr<Adapter> make_zendesk_adapter();

}  // namespace tp
