#include <spdlog/spdlog.h>

#include <stdexcept>

#include "app/steps/steps.h"

namespace tp {

void load_journey(DaemonState& d) {
  const std::string& path = d.config.journey_path;
  if (path.empty()) return;
  auto load = load_journey_file(path);
  if (!load.ok()) {
    std::string all;
    for (const auto& p : load.problems) all += "\n  " + format_diagnostic(p, /*with_snippet=*/false);
    throw std::runtime_error("journey has problems:" + all);
  }
  d.journey = std::move(load.journey);
  spdlog::info("journey: {} stages, {} touchpoints, {} personas", d.journey.stages.size(),
               d.journey.touchpoints.size(), d.journey.personas.size());
}

}  // namespace tp
