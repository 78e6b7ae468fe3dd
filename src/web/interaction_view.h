// A stored interaction as the read API shows it: the canonical fields, source, resolved customer, tags.
#pragma once
#include <nlohmann/json.hpp>

#include "store/store.h"

namespace tp {

nlohmann::json interaction_view(const StoredInteraction& stored);

}  // namespace tp
