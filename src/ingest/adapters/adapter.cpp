#include "ingest/adapters/adapter.h"

#include <nlohmann/json.hpp>

#include "ingest/adapters/botframework.h"
#include "ingest/adapters/chatwoot.h"
#include "ingest/adapters/crisp.h"
#include "ingest/adapters/dialogflow_cx.h"
#include "ingest/adapters/dialogflow_es.h"
#include "ingest/adapters/freshchat.h"
#include "ingest/adapters/generic.h"
#include "ingest/adapters/intercom.h"
#include "ingest/adapters/livechat.h"
#include "ingest/adapters/rasa.h"
#include "ingest/adapters/watson_assistant.h"
#include "ingest/adapters/zendesk.h"
#include "ingest/adapters/zendesk_messaging.h"

namespace tp {

const std::vector<std::string>& adapter_names() {
  static const std::vector<std::string> kNames{
      "dialogflow-es",   "dialogflow-cx", "rasa",  "botframework", "intercom",          "zendesk",
      "generic",         "chatwoot",      "crisp", "freshchat",    "zendesk-messaging", "livechat",
      "watson-assistant"};
  return kNames;
}

std::unique_ptr<Adapter> make_adapter(const std::string& name, const nlohmann::json& config,
                                      std::vector<Diagnostic>& problems) {
  if (name == "generic") return make_generic_adapter(config, problems);
  std::unique_ptr<Adapter> adapter;
  if (name == "dialogflow-es")
    adapter = make_dialogflow_es_adapter();
  else if (name == "dialogflow-cx")
    adapter = make_dialogflow_cx_adapter();
  else if (name == "rasa")
    adapter = make_rasa_adapter();
  else if (name == "botframework")
    adapter = make_botframework_adapter();
  else if (name == "intercom")
    adapter = make_intercom_adapter();
  else if (name == "zendesk")
    adapter = make_zendesk_adapter();
  else if (name == "chatwoot")
    adapter = make_chatwoot_adapter();
  else if (name == "crisp")
    adapter = make_crisp_adapter();
  else if (name == "freshchat")
    adapter = make_freshchat_adapter();
  else if (name == "zendesk-messaging")
    adapter = make_zendesk_messaging_adapter();
  else if (name == "livechat")
    adapter = make_livechat_adapter();
  else if (name == "watson-assistant")
    adapter = make_watson_assistant_adapter();
  if (!adapter) {
    std::string known;
    for (const auto& n : adapter_names()) known += (known.empty() ? "" : ", ") + n;
    problems.push_back(error_at("", "unknown adapter (expected one of " + known + ")"));
    return nullptr;
  }
  if (!config.is_null() && !(config.is_object() && config.empty())) {
    problems.push_back(error_at("", "the " + name + " adapter takes no config"));
    return nullptr;
  }
  return adapter;
}

}  // namespace tp
