#include "engine/keyword_automaton.h"

#include <deque>
#include <map>
#include <stdexcept>

namespace tp {

uint32_t KeywordAutomaton::add(const std::string& pattern) {
  if (!delta_.empty()) throw std::logic_error("KeywordAutomaton::add after build");
  auto [it, inserted] = ids_.try_emplace(pattern, static_cast<uint32_t>(patterns_.size()));
  if (inserted) patterns_.push_back(pattern);
  return it->second;
}

void KeywordAutomaton::build() {
  // Byte classes: 0 for every byte no pattern uses, then one class per used byte.
  byte_class_.fill(0);
  classes_ = 1;
  for (const auto& p : patterns_)
    for (const char c : p) {
      auto& cls = byte_class_[static_cast<unsigned char>(c)];
      if (cls == 0) cls = static_cast<uint8_t>(classes_++);
    }
  if (classes_ > 256) throw std::logic_error("byte classes overflow");

  // The trie (build time only).
  struct Node {
    std::map<uint8_t, uint32_t> next;  // by class
    std::vector<uint32_t> out;
    uint32_t fail = 0;
  };
  std::vector<Node> trie(1);
  for (uint32_t id = 0; id < patterns_.size(); ++id) {
    uint32_t s = 0;
    for (const char c : patterns_[id]) {
      const uint8_t cls = byte_class_[static_cast<unsigned char>(c)];
      auto it = trie[s].next.find(cls);
      if (it == trie[s].next.end()) {
        trie.push_back({});
        it = trie[s].next.emplace(cls, static_cast<uint32_t>(trie.size() - 1)).first;
      }
      s = it->second;
    }
    if (!patterns_[id].empty()) trie[s].out.push_back(id);
  }

  // Breadth-first: failure links, full transitions, and outputs merged along failure links.
  const size_t n = trie.size();
  delta_.assign(n * classes_, 0);
  std::vector<std::vector<uint32_t>> outputs(n);
  std::deque<uint32_t> queue;
  for (uint32_t c = 0; c < classes_; ++c) {
    auto it = trie[0].next.find(static_cast<uint8_t>(c));
    if (it != trie[0].next.end()) {
      delta_[c] = it->second;
      trie[it->second].fail = 0;
      queue.push_back(it->second);
    }
  }
  while (!queue.empty()) {
    const uint32_t s = queue.front();
    queue.pop_front();
    outputs[s] = trie[s].out;
    const auto& inherited = outputs[trie[s].fail];
    outputs[s].insert(outputs[s].end(), inherited.begin(), inherited.end());
    for (uint32_t c = 0; c < classes_; ++c) {
      auto it = trie[s].next.find(static_cast<uint8_t>(c));
      if (it != trie[s].next.end()) {
        trie[it->second].fail = delta_[trie[s].fail * classes_ + c];
        delta_[s * classes_ + c] = it->second;
        queue.push_back(it->second);
      } else {
        delta_[s * classes_ + c] = delta_[trie[s].fail * classes_ + c];
      }
    }
  }

  out_begin_.assign(n + 1, 0);
  out_ids_.clear();
  for (size_t s = 0; s < n; ++s) {
    out_begin_[s] = static_cast<uint32_t>(out_ids_.size());
    out_ids_.insert(out_ids_.end(), outputs[s].begin(), outputs[s].end());
  }
  out_begin_[n] = static_cast<uint32_t>(out_ids_.size());
}

}  // namespace tp
