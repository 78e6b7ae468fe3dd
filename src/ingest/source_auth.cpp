#include "ingest/source_auth.h"

#include "util/text.h"

namespace tp {

Credentials parse_authorization(std::string_view header) {
  Credentials c;
  if (header.empty()) return c;
  c.present = true;
  const size_t space = header.find(' ');
  if (space == std::string_view::npos) return c;
  const std::string scheme = ascii_lower(header.substr(0, space));
  std::string_view rest = header.substr(space + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (scheme == "bearer") {
    c.bearer = std::string(rest);
  } else if (scheme == "basic") {
    if (auto decoded = base64_decode(rest)) {
      c.basic = true;
      c.basic_user = decoded->substr(0, decoded->find(':'));
    }
  }
  return c;
}

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
