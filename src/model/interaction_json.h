// Canonical event JSON (POST /v1/events) -> Interaction, collecting every field error of the event.
#pragma once
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <span>
#include <string_view>

#include "model/field_error.h"
#include "model/interaction.h"

namespace tp {

struct InteractionLimits {
  size_t max_string_bytes = size_t{16} * 1024;  // any single string field
};

// Validates one event object. Returns the interaction, or nullopt with `errors` filled (never both empty).
// `received_ms` is used when the event has no timestamp.
std::optional<Interaction> interaction_from_json(const nlohmann::json& event, int64_t received_ms,
                                                 FieldErrors& errors, const InteractionLimits& limits = {});

// One field of a canonical event, pointing into a document the caller keeps alive: an adapter from another
// format names its fields with canonical keys without copying their values.
struct CanonicalField {
  std::string_view key;
  const nlohmann::json* value;  // never null
};

// interaction_from_json over such fields, given sorted by key, each key once: the order in which a
// canonical object's fields are read, so the errors come out in the same order.
std::optional<Interaction> interaction_from_fields(std::span<const CanonicalField> fields,
                                                   int64_t received_ms, FieldErrors& errors,
                                                   const InteractionLimits& limits = {});

// Approximate size of a JSON value as text, without serialising it: strings by bytes, numbers by digits.
size_t approx_json_size(const nlohmann::json& value);

}  // namespace tp
