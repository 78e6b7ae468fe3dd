#include "app/steps/steps.h"

namespace tp {

void add_startup_steps(StartupSequence& startup, DaemonState& d) {
  startup.add("load journey", [&d] { load_journey(d); })
      .add("load rules", [&d] { load_rule_packs(d); })
      .add(
          "load plugins", [&d] { load_plugin_libraries(d); }, [&d] { d.plugins.reset(); })
      .add(
          "open storage", [&d] { open_storage(d); }, [&d] { d.store.reset(); })
      // Drains: everything queued is committed before the writer stops.
      .add(
          "start group-commit writer", [&d] { start_writer(d); }, [&d] { d.writer->stop(); })
      // Stops before the writer: what is queued gets tagged and written.
      .add(
          "start tagging", [&d] { start_tagging(d); }, [&d] { d.pipeline->stop(); })
      .add("build ingest", [&d] { build_ingest(d); })
      .add("add routes", [&d] { add_routes(d); })
      .add(
          "listen", [&d] { listen(d); }, [&d] { d.http->stop(); });
}

}  // namespace tp
