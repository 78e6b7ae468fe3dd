#include "model/privacy/suppression_list.h"

#include "model/privacy/pseudonyms.h"

namespace tp {

std::string suppression_hash(std::string_view stored_id) {
  return id_hash(stored_id);
}

void SuppressionList::add(const std::string& id_hash) {
  std::lock_guard lock(mu_);
  hashes_.insert(id_hash);
}

bool SuppressionList::contains_id(std::string_view stored_id) const {
  if (stored_id.empty()) return false;
  const std::string h = suppression_hash(stored_id);
  std::lock_guard lock(mu_);
  return hashes_.count(h) > 0;
}

size_t SuppressionList::size() const {
  std::lock_guard lock(mu_);
  return hashes_.size();
}

}  // namespace tp
