#include <spdlog/spdlog.h>

#include <stdexcept>

#include "app/plugins.h"
#include "app/rule_files.h"
#include "app/rule_reload.h"
#include "app/steps/steps.h"

namespace tp {

void load_rule_packs(DaemonState& d) {
  RuleLoad load = load_rules(d.config.engine.rules, d.config.engine.rules_explicit, d.journey);
  log_diagnostics(load);
  if (!load.ok())
    throw std::runtime_error("the rule packs have " + std::to_string(load.errors()) +
                             (load.errors() == 1 ? " error" : " errors") +
                             " (listed above; `touchpointd rules check` shows them with context)");
  d.rules = load.rules;
  spdlog::info("rules: {} rules, version {}", d.rules->rule_count(), d.rules->version());
}

void load_plugin_libraries(DaemonState& d) {
  std::vector<std::string> errors;
  d.plugins = load_plugins(d.config.engine, d.journey, errors);
  for (const auto& e : errors) spdlog::error("plugins: {}", e);
  if (!errors.empty()) throw std::runtime_error("plugins could not be loaded (listed above)");
  publish_plugin_metrics(d.metrics, d.plugins);
}

}  // namespace tp
