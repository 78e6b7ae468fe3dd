// Bot Framework Activity objects (one, an array, or a Direct Line activity set {"activities": [...]}) ->
// message turns and handoffs; typing and conversationUpdate are ignored. docs/adapters.md#botframework.
#pragma once
#include <memory>

#include "ingest/adapters/adapter.h"

namespace tp {

std::unique_ptr<Adapter> make_botframework_adapter();

}  // namespace tp
