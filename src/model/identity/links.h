// Which ids an event says belong to one customer. Ingest stores these links, the store resolves a
// customer's rows through them, and the journey memory, map and FAQ merge customers by them
// (customer_index.h), so all of them read an event's links the same way.
#pragma once
#include <string>
#include <vector>

#include "model/interaction.h"

namespace tp {

// The ids an event links to its customer_id: its anonymous_id and extra aliases (none without a customer id).
std::vector<std::string> link_aliases(const Interaction& in);

// The key an interaction is counted under before links are applied: its customer id, else its visitor id.
inline const std::string& customer_key_of(const Interaction& in) {
  return in.customer_id.empty() ? in.anonymous_id : in.customer_id;
}

}  // namespace tp
