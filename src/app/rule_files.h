// Rule pack files from the paths in the config (files, or folders whose *.json files are read in
// name order), for the engine, which does no I/O itself.
#pragma once
#include <string>
#include <vector>

#include "app/config.h"
#include "engine/rule_set.h"
#include "engine/tagger.h"

namespace tp {

struct RuleFiles {
  std::vector<RuleSource> sources;
  std::vector<Diagnostic> problems;  // unreadable files and missing paths, as diagnostics
};

// `required`: a missing path is an error (otherwise, for the default folder, it is skipped).
RuleFiles read_rule_files(const std::vector<std::string>& paths, bool required);

// Reads and compiles in one go: the problems of reading come first in the diagnostics.
RuleLoad load_rules(const std::vector<std::string>& paths, bool required, const Journey& journey);

// The engine's signal thresholds from the config's engine.signals.
SignalOptions signal_options(const EngineConfig& engine);

}  // namespace tp
