// The command-line tools besides `serve`: checking and trying rules, and re-tagging storage.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace tp {

// `touchpointd rules check [FILES] [--json]`: every error and warning; exit 1 on errors.
int command_rules_check(const std::string& config_path, const std::vector<std::string>& files, bool json);

// `touchpointd rules test --event FILE`: the tags an event (or an array of events, in order, as one
// customer's history) would get, and which rules matched and why.
int command_rules_test(const std::string& config_path, const std::vector<std::string>& rule_files,
                       const std::string& event_file, bool json);

// `touchpointd retag [--since TIME]`: re-applies the current rules to stored interactions.
int command_retag(const std::string& config_path, const std::string& db_override, const std::string& since);

}  // namespace tp
