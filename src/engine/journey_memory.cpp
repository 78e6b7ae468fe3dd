#include "engine/journey_memory.h"

namespace tp {

std::string JourneyMemory::resolve(const std::string& id) const {
  // Links are one level deep (alias -> customer), but a customer id can itself be an alias after an
  // alias call; follow a few hops, never loop.
  std::string cur = id;
  for (int hop = 0; hop < 4; ++hop) {
    auto it = aliases_.find(cur);
    if (it == aliases_.end() || it->second == cur) break;
    cur = it->second;
  }
  return cur;
}

std::string JourneyMemory::customer_key(const Interaction& in) const {
  if (!in.customer_id.empty()) return resolve(in.customer_id);
  if (!in.anonymous_id.empty()) return resolve(in.anonymous_id);
  return {};
}

bool JourneyMemory::link(const Interaction& in) {
  bool linked = false;
  for (const std::string& alias : link_aliases(in)) {
    auto existing = aliases_.find(alias);
    if (existing != aliases_.end() && existing->second == in.customer_id) continue;
    aliases_[alias] = in.customer_id;
    linked = true;
    auto anon = customers_.find(alias);
    if (anon != customers_.end()) {
      const CustomerView remembered = anon->second;
      customers_.erase(anon);
      CustomerView& target = customers_[resolve(in.customer_id)];
      target.stages_reached |= remembered.stages_reached;
      if (target.persona.empty()) target.persona = remembered.persona;
    }
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
