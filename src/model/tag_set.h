// What tagging decides for one interaction: where it sits on the journey (persona, stage,
// touchpoint), how it felt (sentiment) and why it hurt (pain reasons), with the rules that decided.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tp {

// Built-in pain reasons; rules may add their own (lower-case words with '_').
namespace pain {
inline constexpr const char* kUnanswered = "unanswered";
inline constexpr const char* kEscalated = "escalated";
inline constexpr const char* kLowRating = "low_rating";
inline constexpr const char* kNegative = "negative";
inline constexpr const char* kRepeatedQuestion = "repeated_question";
inline constexpr const char* kSlowResponse = "slow_response";
inline constexpr const char* kAbandoned = "abandoned";
}  // namespace pain

// Who decided a tag; a later decider may only replace an earlier one of lower standing:
// a plugin's guess < a rule < the sender's preset tag. A sticky persona yields only to a preset tag or
// to a rule that says "persona_override".
enum class TagOrigin : uint8_t { None, Plugin, Sticky, Rule, Preset };

struct TagSet {
  std::string persona, stage, touchpoint;  // ids from the journey; empty: not decided
  std::optional<double> sentiment;         // -1..1
  std::vector<std::string> pain;           // distinct reasons, in the order they were added
  std::vector<std::string> rules;          // ids of the rules that matched, in precedence order
  TagOrigin persona_origin = TagOrigin::None, stage_origin = TagOrigin::None,
            touchpoint_origin = TagOrigin::None, sentiment_origin = TagOrigin::None;

  void add_pain(const std::string& reason) {
    for (const auto& p : pain)
      if (p == reason) return;
    pain.push_back(reason);
  }
  bool has_pain(const std::string& reason) const {
    for (const auto& p : pain)
      if (p == reason) return true;
    return false;
  }
};

}  // namespace tp
