#include "model/identity/customer_index.h"

namespace tp {

namespace {

// Links form chains ending at a canonical index; a damaged snapshot must not bring a cycle.
bool acyclic(const std::vector<uint32_t>& parent) {
  std::vector<uint8_t> state(parent.size(), 0);  // 0 unseen, 1 on the current path, 2 ends well
  std::vector<uint32_t> path;
  for (uint32_t start = 0; start < parent.size(); ++start) {
    uint32_t c = start;
    path.clear();
    while (state[c] == 0 && parent[c] != c) {
      state[c] = 1;
      path.push_back(c);
      c = parent[c];
    }
    if (state[c] == 1) return false;
    for (const uint32_t p : path) state[p] = 2;
    state[c] = 2;
  }
  return true;
}

}  // namespace

uint32_t CustomerIndex::add(const std::string& key, bool* added) {
  auto [it, inserted] = ids_.try_emplace(key, static_cast<uint32_t>(parent_.size()));
  if (inserted) {
    keys_.push_back(&it->first);
    parent_.push_back(it->second);
  }
  if (added) *added = inserted;
  return it->second;
}

std::optional<uint32_t> CustomerIndex::find(const std::string& key) const {
  auto it = ids_.find(key);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

uint32_t CustomerIndex::canonical(uint32_t c) const {
  while (parent_[c] != c) c = parent_[c];
  return c;
}

std::string CustomerIndex::resolve(const std::string& key) const {
  auto it = ids_.find(key);
  if (it == ids_.end()) return key;
  return *keys_[canonical(it->second)];
}

std::optional<CustomerIndex::Merge> CustomerIndex::link(uint32_t alias, uint32_t customer) {
  const uint32_t from = canonical(alias), into = canonical(customer);
  if (from == into) return std::nullopt;
  parent_[from] = into;
  ++merged_;
  return Merge{from, into};
}

void CustomerIndex::clear() {
  ids_.clear();
  keys_.clear();
  parent_.clear();
  merged_ = 0;
}

void CustomerIndex::save(BinaryWriter& out) const {
  out.u64(parent_.size());
  for (size_t c = 0; c < parent_.size(); ++c) {
    out.str(*keys_[c]);
    out.u64(parent_[c]);
  }
}

bool CustomerIndex::load(BinaryReader& in) {
  CustomerIndex loaded;
  const size_t n = in.count(2);
  loaded.ids_.reserve(n);
  loaded.keys_.reserve(n);
  loaded.parent_.reserve(n);
  for (size_t c = 0; c < n && in.ok(); ++c) {
    bool added = false;
    loaded.add(in.str(), &added);
    const uint64_t parent = in.u64();
    if (!added || parent >= n) return false;
    loaded.parent_[c] = static_cast<uint32_t>(parent);
    loaded.merged_ += parent != c;
  }
  if (!in.ok() || !acyclic(loaded.parent_)) return false;
  *this = std::move(loaded);
  return true;
}

}  // namespace tp
