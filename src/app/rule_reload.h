// Rule reloads (SIGHUP, POST /v1/admin/reload): the packs are compiled again and the new set replaces the
// running one only when it has no error.
#pragma once
#include "app/daemon_state.h"
#include "app/rule_files.h"
#include "web/admin_routes.h"

namespace tp {

ReloadOutcome reload_rules(DaemonState& d);

// One log line per diagnostic (log lines are single lines; the snippet is for terminals).
void log_diagnostics(const RuleLoad& load);

}  // namespace tp
