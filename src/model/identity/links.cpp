#include "model/identity/links.h"

namespace tp {

std::vector<std::string> link_aliases(const Interaction& in) {
  std::vector<std::string> out;
  if (in.customer_id.empty()) return out;
  if (!in.anonymous_id.empty() && in.anonymous_id != in.customer_id) out.push_back(in.anonymous_id);
  for (const auto& a : in.extra_aliases)
    if (!a.empty() && a != in.customer_id) out.push_back(a);
  return out;
}

}  // namespace tp
