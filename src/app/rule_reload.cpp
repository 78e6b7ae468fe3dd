#include "app/rule_reload.h"

#include <spdlog/spdlog.h>

#include "app/plugins.h"
#include "engine/tagger.h"

namespace tp {

void log_diagnostics(const RuleLoad& load) {
  for (const auto& d : load.diagnostics) {
    if (d.severity == Diagnostic::Severity::Error)
      spdlog::error("rules: {}", format_diagnostic(d, false));
    else
      spdlog::warn("rules: {}", format_diagnostic(d, false));
  }
}

ReloadOutcome reload_rules(DaemonState& d) {
  std::lock_guard lock(d.reload_mu);
  CounterFamily& reloads = d.rule_reloads;
  ReloadOutcome out;
  RuleLoad load = load_rules(d.config.engine.rules, d.config.engine.rules_explicit, d.journey);
  out.diagnostics = load.diagnostics;
  if (!load.ok()) {
    reloads.inc({"refused"});
    spdlog::error("rule reload refused, the running rules stay ({} errors)", load.errors());
    log_diagnostics(load);
    return out;
  }
  log_diagnostics(load);
  out.ok = true;
  out.version = load.rules->version();
  out.rules = load.rules->rule_count();
  d.pipeline->replace_tagger(std::make_shared<Tagger>(load.rules, d.journey, signal_options(d.config.engine),
                                                      plugin_hook(d.plugins)));
  reloads.inc({"applied"});
  spdlog::info("rules reloaded: {} rules, version {}", out.rules, out.version);
  return out;
}

}  // namespace tp
