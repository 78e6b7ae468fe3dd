// The configured webhook sources: each source's adapter and verifier, built (and checked) from the
// config, so `config check` reports an unknown adapter or a bad verification object with its path.
#pragma once
#include <vector>

#include "app/config.h"
#include "ingest/webhook_route.h"
#include "util/problem.h"

namespace tp {

// Builds every kind "webhook" source; problems have JSON paths ("/sources/zendesk/verification/secret").
WebhookSources build_webhook_sources(const Config& config, std::vector<Problem>& problems);

}  // namespace tp
