// The configured webhook sources: each source's adapter and verifier, built (and checked) from the
// config, so `config check` reports an unknown adapter or a bad verification object with its path.
#pragma once
#include <vector>

#include "app/config.h"
#include "ingest/webhook_route.h"
#include "util/diagnostic.h"

namespace tp {

// Builds every kind "webhook" source. Problems are error_at() with pointers into the config
// ("/sources/zendesk/verification/secret"), not yet placed: the caller places them in the config's text
// (ConfigLoad::file and text).
WebhookSources build_webhook_sources(const Config& config, std::vector<Diagnostic>& problems);

}  // namespace tp
