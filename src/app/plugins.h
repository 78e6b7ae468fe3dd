// The configured native plugins, loaded all or nothing, with their log lines going to the daemon's log
// and their counters to /metrics.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "app/config.h"
#include "engine/plugin_host.h"
#include "engine/tagger.h"

namespace tp {

class MetricsRegistry;

// Null (and `errors` empty) when no plugin is configured. On any error the host is discarded.
std::shared_ptr<PluginHost> load_plugins(const EngineConfig& engine, const Journey& journey,
                                         std::vector<std::string>& errors);

// The tagger's hook for a host (empty for none).
PluginHook plugin_hook(const std::shared_ptr<PluginHost>& host);

// touchpoint_plugin_{calls,failures,timeouts,skipped,rejected}_total{plugin}
void publish_plugin_metrics(MetricsRegistry& metrics, const std::shared_ptr<PluginHost>& host);

}  // namespace tp
