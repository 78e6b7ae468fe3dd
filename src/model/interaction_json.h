// Canonical event JSON (POST /v1/events) -> Interaction, collecting every field error of the event.
#pragma once
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>

#include "model/field_error.h"
#include "model/interaction.h"

namespace tp {

struct InteractionLimits {
  size_t max_string_bytes = 16 * 1024;  // any single string field
};

// Validates one event object. Returns the interaction, or nullopt with `errors` filled (never both empty).
// `received_ms` is used when the event has no timestamp.
std::optional<Interaction> interaction_from_json(const nlohmann::json& event, int64_t received_ms,
                                                 FieldErrors& errors, const InteractionLimits& limits = {});

// Approximate size of a JSON value as text, without serialising it: strings by bytes, numbers by digits.
size_t approx_json_size(const nlohmann::json& value);

}  // namespace tp
