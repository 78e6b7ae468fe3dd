// spdlog set-up: human text by default, or one JSON object per line (--log-format json) whose message
// is escaped, so hostile text in a log line can never forge another line or break the JSON.
#pragma once
#include <spdlog/formatter.h>

#include <memory>
#include <string>

namespace tp {

// format: "text" | "json"; level: spdlog level name. Logs go to stderr.
void setup_logging(const std::string& format, const std::string& level);

// The formatter setup_logging installs: a text line, or one JSON object per line.
std::unique_ptr<spdlog::formatter> make_log_formatter(const std::string& format);

}  // namespace tp
