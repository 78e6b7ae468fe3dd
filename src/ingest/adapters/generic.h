// The generic adapter: any bot's JSON, mapped to canonical fields by configuration (JSON pointers such as
// "/message/text" or dotted paths such as "message.text"). Config reference and a worked Botpress example:
// docs/adapters.md#generic.
#pragma once
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "ingest/adapters/adapter.h"

namespace tp {

// Validates `config` ({"events"?, "map", "defaults"?}); nullptr with every problem (pointers inside the
// adapter config: "/map/custmer_id", "unknown canonical field ...") when it is not usable.
std::unique_ptr<Adapter> make_generic_adapter(const nlohmann::json& config,
                                              std::vector<Diagnostic>& problems);

}  // namespace tp
