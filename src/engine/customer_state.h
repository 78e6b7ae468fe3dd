// What the engine remembers about a customer between interactions: the sticky persona and the stages
// already reached ("customer has already reached stage X"). The engine reads a view; the pipeline
// owns the state and persists it.
#pragma once
#include <cstdint>
#include <string>

namespace tp {

struct CustomerView {
  std::string persona;               // empty: none assigned yet
  bool persona_from_plugin = false;  // a plugin's guess: remembered, but a later guess may replace it
  uint64_t stages_reached = 0;       // bit i: journey stage i was reached before this interaction
  bool reached(int stage_index) const {
    return stage_index >= 0 && stage_index < 64 && (stages_reached >> stage_index) & 1U;
  }
  bool operator==(const CustomerView&) const = default;
};

}  // namespace tp
