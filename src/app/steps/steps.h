// The daemon's start-up, step by step (in this order; each undone in reverse at shutdown or when a later
// step fails): see add_startup_steps. Each step is a function of its own file in app/steps/.
#pragma once
#include "app/daemon_state.h"
#include "app/startup.h"

namespace tp {

void load_journey(DaemonState& d);           // journey.cpp
void load_rule_packs(DaemonState& d);        // rules.cpp
void load_plugin_libraries(DaemonState& d);  // rules.cpp
void open_storage(DaemonState& d);           // storage.cpp
void start_writer(DaemonState& d);           // storage.cpp
void start_tagging(DaemonState& d);          // tagging.cpp
void build_ingest(DaemonState& d);           // ingest.cpp
void add_routes(DaemonState& d);             // listen.cpp
void listen(DaemonState& d);                 // listen.cpp

// All of them, named, with their teardowns.
void add_startup_steps(StartupSequence& startup, DaemonState& d);

}  // namespace tp
