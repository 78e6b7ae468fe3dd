#include "app/webhook_sources.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "util/json_positions.h"

namespace tp {

WebhookSources build_webhook_sources(const Config& config, std::vector<Diagnostic>& problems) {
  WebhookSources out;
  for (const auto& s : config.sources) {
    if (s.kind != "webhook") continue;
    const std::string path = "/sources/" + json_pointer_token(s.name);
    WebhookSource ws;
    ws.name = s.name;
    std::vector<Diagnostic> adapter_problems;
    const nlohmann::json adapter_config = nlohmann::json::parse(s.adapter_config_json, nullptr, false);
    ws.adapter = make_adapter(s.adapter, adapter_config, adapter_problems);
    // A name that is no adapter's is the "adapter" field's problem; anything else is about its config.
    const auto& names = adapter_names();
    const bool known = std::find(names.begin(), names.end(), s.adapter) != names.end();
    for (auto& p : adapter_problems) {
      p.pointer = known ? path + "/config" + p.pointer : path + "/adapter";
      problems.push_back(std::move(p));
    }
    if (!ws.adapter && adapter_problems.empty())
      problems.push_back(error_at(path + "/adapter", "unknown adapter"));
    const nlohmann::json verification = nlohmann::json::parse(s.verification_json, nullptr, false);
    VerifierConfigLoad v = parse_verifier_config(verification, path + "/verification");
    for (auto& p : v.problems) problems.push_back(std::move(p));
    if (v.ok()) {
      try {
        ws.verifier = std::make_unique<WebhookVerifier>(v.config);
      } catch (const std::exception& e) {
        problems.push_back(error_at(path + "/verification", e.what()));
      }
    }
    if (ws.adapter && ws.verifier) out.emplace(s.name, std::move(ws));
  }
  return out;
}

}  // namespace tp
