// Segment HTTP Tracking API messages (track, page, screen, identify, alias) -> canonical interactions,
// so Segment's and RudderStack's server SDKs can point their host at touchpointd unchanged.
#pragma once
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string_view>

#include "model/field_error.h"
#include "model/interaction.h"
#include "model/interaction_json.h"

namespace tp {

// `route_type` is the type implied by the route (/v1/track -> "track"); empty for /v1/batch, where each
// message carries its own "type". Errors name Segment's fields (messageId, userId...), not ours.
std::optional<Interaction> segment_to_interaction(const nlohmann::json& message, std::string_view route_type,
                                                  int64_t received_ms, FieldErrors& errors,
                                                  const InteractionLimits& limits = {});

}  // namespace tp
