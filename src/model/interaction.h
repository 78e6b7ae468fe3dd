// The canonical interaction: one event at one touchpoint (a chat turn, a page view, a rating, a hand-off).
// Every adapter produces these; the store, engine and analytics consume only these.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tp {

enum class EventType { Message, Page, Track, Identify, Feedback, Handoff };
enum class Role { None, User, Bot, Agent };

std::string_view to_string(EventType t);
std::string_view to_string(Role r);
std::optional<EventType> event_type_from(std::string_view s);
std::optional<Role> role_from(std::string_view s);

// Tags a sender may preset; rules must respect them. Empty string: not set.
struct Tags {
  std::string persona;
  std::string stage;
  std::string touchpoint;
  bool empty() const { return persona.empty() && stage.empty() && touchpoint.empty(); }
};

struct Interaction {
  std::string id;  // the sender's idempotency key, unique per source
  EventType type = EventType::Track;
  std::string customer_id;   // empty: not set
  std::string anonymous_id;  // empty: not set
  std::string session_id;
  int64_t timestamp_ms = 0;  // when it happened (the sender's clock; receive time by default)
  std::string channel;       // touchpoint hint: chatbot, website, email...
  Role role = Role::None;
  std::string text;
  std::string intent;
  std::optional<double> confidence;  // 0..1
  std::optional<bool> fallback;      // the bot did not understand
  std::optional<bool> escalated;     // handed to a human
  std::optional<int> rating;         // 1..5
  std::optional<double> sentiment;  // -1..1, when the sender scored it (e.g. Dialogflow's sentiment analysis)
  std::string url;
  std::string name;             // event name (track) or page name
  std::string properties_json;  // compact JSON object text, empty when absent
  std::string traits_json;      // compact JSON object text, empty when absent
  Tags preset_tags;
  // Further ids of this customer found in the event (identity.link_traits in the config, e.g. a chatbot
  // user id passed as a Segment trait, or a hashed email): linked to customer_id like anonymous_id.
  std::vector<std::string> extra_aliases;
};

}  // namespace tp
