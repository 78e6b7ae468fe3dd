#include "ingest/source_auth.h"

#include "util/text.h"

namespace tp {

SourceAuthenticator::SourceAuthenticator(std::vector<SourceConfig> sources) : sources_(std::move(sources)) {}

bool SourceAuthenticator::has_kind(std::string_view kind) const {
  for (const auto& s : sources_)
    if (s.kind == kind) return true;
  return false;
}

const SourceConfig* SourceAuthenticator::authenticate(std::string_view kind, const Credentials& c) const {
  const SourceConfig* open = nullptr;
  for (const auto& s : sources_) {
    if (s.kind != kind) continue;
    if (s.auth == AuthType::None) {
      if (!open) open = &s;
      continue;
    }
    const std::string* presented = nullptr;
    if (s.auth == AuthType::Bearer && !c.bearer.empty()) presented = &c.bearer;
    if (s.auth == AuthType::WriteKey && c.basic) presented = &c.basic_user;
    if (!presented) continue;
    bool match = false;
    // Every secret is compared (no early exit), in constant time each.
    for (const auto& secret : s.secrets) match |= constant_time_equals(*presented, secret);
    if (match) return &s;
  }
  return open;
}

}  // namespace tp
