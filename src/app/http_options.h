// The HTTP layer's settings from the config, and its gauges for /metrics.
#pragma once
#include "app/config.h"
#include "http/server.h"

namespace tp {

class MetricsRegistry;

http::ServerOptions http_options(const Config& config);
void publish_http_metrics(MetricsRegistry& metrics, const http::Server& server);

}  // namespace tp
