#include "model/interaction.h"

#include <array>
#include <utility>

namespace tp {
namespace {
constexpr std::array<std::pair<EventType, std::string_view>, 6> kTypes{{
    {EventType::Message, "message"},
    {EventType::Page, "page"},
    {EventType::Track, "track"},
    {EventType::Identify, "identify"},
    {EventType::Feedback, "feedback"},
    {EventType::Handoff, "handoff"},
}};
constexpr std::array<std::pair<Role, std::string_view>, 4> kRoles{{
    {Role::None, ""},
    {Role::User, "user"},
    {Role::Bot, "bot"},
    {Role::Agent, "agent"},
}};
}  // namespace

std::string_view to_string(EventType t) {
  for (const auto& [k, v] : kTypes)
    if (k == t) return v;
  return "track";
}

std::string_view to_string(Role r) {
  for (const auto& [k, v] : kRoles)
    if (k == r) return v;
  return "";
}

std::optional<EventType> event_type_from(std::string_view s) {
  for (const auto& [k, v] : kTypes)
    if (v == s) return k;
  return std::nullopt;
}

std::optional<Role> role_from(std::string_view s) {
  if (s.empty()) return std::nullopt;
  for (const auto& [k, v] : kRoles)
    if (v == s) return k;
  return std::nullopt;
}

}  // namespace tp
