#include "engine/journey_memory.h"

#include "model/identity/links.h"

namespace tp {

std::string JourneyMemory::customer_key(const Interaction& in) const {
  const std::string& key = customer_key_of(in);
  return key.empty() ? key : identities_.resolve(key);
}

void JourneyMemory::add_link(const std::string& alias, const std::string& customer) {
  if (alias.empty() || customer.empty() || alias == customer) return;
  identities_.link(identities_.add(alias), identities_.add(customer));
}

bool JourneyMemory::link(const Interaction& in) {
  bool linked = false;
  for (const std::string& alias : link_aliases(in)) {
    const auto merge = identities_.link(identities_.add(alias), identities_.add(in.customer_id));
    if (!merge) continue;
    linked = true;
    auto from = customers_.find(identities_.key(merge->from));
    if (from == customers_.end()) continue;
    const CustomerView remembered = from->second;
    customers_.erase(from);
    CustomerView& target = customers_[identities_.key(merge->into)];
    target.stages_reached |= remembered.stages_reached;
    if (target.persona.empty()) target.persona = remembered.persona;
  }
  return linked;
}

SessionMemory& JourneyMemory::session(const std::string& key) {
  auto it = sessions_.find(key);
  if (it != sessions_.end()) {
    session_order_.splice(session_order_.begin(), session_order_, it->second.second);
    return it->second.first;
  }
  if (sessions_.size() >= max_sessions_ && !session_order_.empty()) {
    sessions_.erase(session_order_.back());
    session_order_.pop_back();
  }
  session_order_.push_front(key);
  auto [ins, _] = sessions_.emplace(key, std::make_pair(SessionMemory{}, session_order_.begin()));
  return ins->second.first;
}

}  // namespace tp
