// Intercom webhook notifications (notification_event with a conversation item) -> user and teammate messages,
// ratings, assignment as escalation, closes. docs/adapters.md#intercom.
#pragma once
#include <memory>

#include "ingest/adapters/adapter.h"

namespace tp {

std::unique_ptr<Adapter> make_intercom_adapter();

}  // namespace tp
