// What tagging remembers between interactions, kept by whoever drives the engine (the daemon's
// pipeline, retag): per customer the sticky persona and the stages reached; per conversation the
// recent questions (for repeated_question) and the last customer turn (for slow_response); and the
// identity links, so a visitor's anonymous history joins the customer's once they are identified.
// No I/O: the owner loads and persists it.
#pragma once
#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/customer_state.h"
#include "model/interaction.h"

namespace tp {

struct SessionMemory {
  std::vector<std::vector<std::string>> questions;  // token sets of recent customer questions, newest last
  int64_t last_customer_turn_ms = 0;                // 0: none waiting for an answer
};

class JourneyMemory {
 public:
  explicit JourneyMemory(size_t max_sessions = 100000) : max_sessions_(max_sessions) {}

  // The customer an interaction belongs to: its customer id or anonymous id, through the links.
  std::string customer_key(const Interaction& in) const;
  // Records the link an event carries (customer and anonymous id both present), merging what was
  // remembered about the anonymous visitor into the customer. Returns true when a new link was made.
  bool link(const Interaction& in);
  void add_link(const std::string& alias, const std::string& customer) { aliases_[alias] = customer; }

  CustomerView& customer(const std::string& key) { return customers_[key]; }
  const std::unordered_map<std::string, CustomerView>& customers() const { return customers_; }
  void set_customer(const std::string& key, CustomerView view) { customers_[key] = std::move(view); }

  // Per-conversation memory, bounded: the least recently used conversations are forgotten first.
  SessionMemory& session(const std::string& key);

 private:
  std::string resolve(const std::string& id) const;
  std::unordered_map<std::string, std::string> aliases_;
  std::unordered_map<std::string, CustomerView> customers_;
  size_t max_sessions_;
  std::list<std::string> session_order_;  // most recent first
  std::unordered_map<std::string, std::pair<SessionMemory, std::list<std::string>::iterator>> sessions_;
};

}  // namespace tp
