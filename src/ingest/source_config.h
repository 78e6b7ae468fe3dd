// A configured source of events: what the config's "sources" entries become. Ingest owns the type (it
// authenticates requests against it); app/config.cpp fills it in.
#pragma once
#include <string>
#include <vector>

namespace tp {

enum class AuthType { None, Bearer, WriteKey };

struct SourceConfig {
  std::string name;
  // "native" (POST /v1/events), "segment" (Segment HTTP Tracking API routes) or "webhook"
  // (POST /v1/webhooks/{name}: a platform's own payload through an adapter)
  std::string kind;
  AuthType auth = AuthType::None;
  std::vector<std::string> secrets;  // bearer tokens or write keys
  // webhook sources: the adapter, its config object and the verification object, as JSON text
  // (checked by the ingest layer: see check_webhook_sources in app/webhook_sources.h)
  std::string adapter;
  std::string adapter_config_json = "{}";
  std::string verification_json = "{\"type\":\"none\"}";
};

}  // namespace tp
