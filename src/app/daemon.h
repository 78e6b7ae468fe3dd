// touchpointd serve: wires storage, the group-commit writer, ingest and read routes into one process,
// and shuts it down without losing anything acknowledged.
#pragma once
#include "app/config.h"

namespace tp {

// Runs until SIGTERM/SIGINT. Returns the process exit code.
int run_daemon(const Config& config);

}  // namespace tp
