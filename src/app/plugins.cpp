#include "app/plugins.h"

#include <spdlog/spdlog.h>

#include "util/metrics.h"

namespace tp {

std::shared_ptr<PluginHost> load_plugins(const EngineConfig& engine, const Journey& journey,
                                         std::vector<std::string>& errors) {
  errors.clear();
  if (engine.plugins.empty()) return nullptr;
  PluginHostOptions options;
  options.timeout = std::chrono::milliseconds(engine.plugin_timeout_ms);
  options.init_timeout = std::chrono::milliseconds(engine.plugin_init_timeout_ms);
  options.validate = journey_id_validator(journey);
  options.log = [](int severity, const std::string& plugin, const std::string& message) {
    // The text is sanitised by the host; {} keeps it from being read as a format string.
    switch (severity) {
      case TP_PLUGIN_LOG_DEBUG:
        spdlog::debug("plugin {}: {}", plugin, message);
        break;
      case TP_PLUGIN_LOG_INFO:
        spdlog::info("plugin {}: {}", plugin, message);
        break;
      case TP_PLUGIN_LOG_WARNING:
        spdlog::warn("plugin {}: {}", plugin, message);
        break;
      default:
        spdlog::error("plugin {}: {}", plugin, message);
        break;
    }
  };
  auto host = std::make_shared<PluginHost>(options);
  std::vector<PluginSpec> specs;
  for (const auto& p : engine.plugins) specs.push_back({p.name, p.config_json, p.inline_calls});
  errors = host->load_all(engine.plugin_dirs, specs);
  if (!errors.empty()) return nullptr;
  for (const auto& s : host->stats())
    spdlog::info("plugin {}: {} {} from {}", s.name, s.plugin_name, s.version, s.path);
  return host;
}

PluginHook plugin_hook(const std::shared_ptr<PluginHost>& host) {
  if (!host) return {};
  return [host](const TagInput& input, TagSet& tags) {
    host->tag(input.interaction, input.source, input.customer, tags);
  };
}

void publish_plugin_metrics(MetricsRegistry& metrics, const std::shared_ptr<PluginHost>& host) {
  if (!host) return;
  struct Counter {
    const char* name;
    const char* help;
    uint64_t PluginStats::*field;
  };
  static const Counter kCounters[] = {
      {"touchpoint_plugin_calls_total", "Interactions handed to each plugin.", &PluginStats::calls},
      {"touchpoint_plugin_failures_total", "Plugin calls that returned an error (tags skipped).",
       &PluginStats::failures},
      {"touchpoint_plugin_timeouts_total", "Plugin calls not answered in time (tags skipped).",
       &PluginStats::timeouts},
      {"touchpoint_plugin_skipped_total", "Interactions not handed to a plugin still busy with a late call.",
       &PluginStats::skipped},
      {"touchpoint_plugin_rejected_total", "Plugin outputs refused (unknown ids, invalid reasons).",
       &PluginStats::rejected},
  };
  for (const auto& c : kCounters) {
    metrics.family(c.name, c.help, "counter", {"plugin"}, [host, field = c.field] {
      MetricsRegistry::LabelledSamples out;
      for (const auto& s : host->stats()) out.push_back({{s.name}, static_cast<double>(s.*field)});
      return out;
    });
  }
}

}  // namespace tp
