// Crisp web hooks (website and plugin hooks: {website_id, event, data, timestamp}) -> visitor and operator
// messages, resolves, routing to an operator as a hand-off, ratings. docs/adapters.md#crisp.
#pragma once
#include <memory>

#include "ingest/adapters/adapter.h"

namespace tp {

std::unique_ptr<Adapter> make_crisp_adapter();

}  // namespace tp
