// Platform webhook adapters: a chatbot's or helpdesk's own webhook payload -> canonical interactions.
// Pure translation code (no HTTP, no SQL): the route POST /v1/webhooks/{source} verifies the request, parses
// the body (depth-limited), looks up the source's adapter and calls translate(). docs/adapters.md describes
// each adapter's accepted payloads, field mapping, ignored events and ids.
//
// Guarantees of every adapter:
//  - translate() never throws, whatever the JSON shape (a wrong type anywhere gives an error or, for optional
//    platform extras, is skipped), and never recurses over the payload.
//  - every interaction has a non-empty id (the idempotency key, at most 512 bytes) derived from the
//  platform's
//    own ids, so that a redelivered webhook maps to the same ids; a type; a customer_id or anonymous_id;
//    a timestamp (the payload's, else AdapterContext::received_ms); strings are cut at 16 KiB (UTF-8 safe).
//  - errors name the platform's field ("queryResult.queryText"), prefixed by the event's position when the
//    payload holds several events ("events[3].sender_id"); they never echo the offending value.
#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "model/field_error.h"
#include "model/interaction.h"
#include "util/diagnostic.h"

namespace tp {

struct AdapterContext {
  int64_t received_ms = 0;  // the default timestamp when the payload has none
  std::string source;  // the configured source name (for the caller's logs; adapters do not depend on it)
  // The Standard Webhooks webhook-id when the request was verified with that scheme, else empty. Used as the
  // idempotency key only when the platform's payload carries no id of its own (suffixed ":<n>" per event).
  std::string webhook_id;
};

struct AdapterOutput {
  std::vector<Interaction> interactions;  // canonical, in payload order
  // Platform events that carry no interaction (pings, typing indicators, slot events, internal notes...):
  // answered 2xx and counted, not stored.
  size_t ignored = 0;
  // Platform events that could not be translated; each has at least one entry in `errors`. When
  // `interactions` is empty and `errors` is not, the whole payload was not understood (answer 400).
  size_t rejected = 0;
  FieldErrors errors;
  // What to answer the platform with on success, as JSON text; nullopt: the route's default answer.
  // Dialogflow ES and CX: "{}", a valid empty WebhookResponse (the agent keeps its static replies).
  std::optional<std::string> response_body;
};

// Adapters hold only their (immutable) config: translate() may run concurrently on any number of threads.
class Adapter {
 public:
  virtual ~Adapter() = default;
  virtual AdapterOutput translate(const nlohmann::json& payload, const AdapterContext& ctx) const = 0;
};

// The adapter named `name` (one of adapter_names()). `config` is the source's adapter config object: only
// "generic" needs one; the others accept null or an empty object. Returns nullptr with `problems` filled
// for an unknown name or a bad config: error_at() with pointers inside the adapter config ("" for the
// whole config, or for the name when it is no adapter's).
std::unique_ptr<Adapter> make_adapter(const std::string& name, const nlohmann::json& config,
                                      std::vector<Diagnostic>& problems);

// "dialogflow-es", "dialogflow-cx", "rasa", "botframework", "intercom", "zendesk", "generic", "chatwoot",
// "crisp", "freshchat", "zendesk-messaging", "livechat", "watson-assistant".
const std::vector<std::string>& adapter_names();

}  // namespace tp
