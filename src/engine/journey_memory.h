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
#include "model/identity/customer_index.h"
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
  // Records the links an event carries (its customer id with its anonymous id and extra aliases), merging
  // what was remembered about the alias's customer into the event's customer (model/identity: the same
  // union as the map's and the FAQ's). Returns true when a new link was made.
  bool link(const Interaction& in);
  // A link read back from storage, before the customers' views are set.
  void add_link(const std::string& alias, const std::string& customer);

  CustomerView& customer(const std::string& key) { return customers_[key]; }
  const std::unordered_map<std::string, CustomerView>& customers() const { return customers_; }
  void set_customer(const std::string& key, CustomerView view) { customers_[key] = std::move(view); }

  // Per-conversation memory, bounded: the least recently used conversations are forgotten first.
  SessionMemory& session(const std::string& key);

 private:
  CustomerIndex identities_;
  std::unordered_map<std::string, CustomerView> customers_;
  size_t max_sessions_;
  std::list<std::string> session_order_;  // most recent first
  std::unordered_map<std::string, std::pair<SessionMemory, std::list<std::string>::iterator>> sessions_;
};

}  // namespace tp
