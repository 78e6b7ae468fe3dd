// Which configured source a request belongs to, decided from its credentials. A credential names its
// source (two native sources with two tokens are two sources); an auth "none" source takes the requests
// that no credentialed source claims, which is what makes the loopback demo work without keys.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "http/credentials.h"
#include "ingest/source_config.h"

namespace tp {

class SourceAuthenticator {
 public:
  explicit SourceAuthenticator(std::vector<SourceConfig> sources);
  // nullptr: 401. `kind` is "native" or "segment".
  const SourceConfig* authenticate(std::string_view kind, const Credentials& credentials) const;
  bool has_kind(std::string_view kind) const;

 private:
  std::vector<SourceConfig> sources_;
};

}  // namespace tp
