// Right to erasure (DELETE /v1/customers/{id}): delete, make it unrecoverable from the files, rebuild
// what was derived, and drop the customer's later events.
#pragma once
#include <string>

#include "app/daemon_state.h"
#include "web/admin_routes.h"

namespace tp {

ErasureOutcome erase_customer(DaemonState& d, const std::string& id);

}  // namespace tp
