#include "ingest/adapters/dialogflow_es.h"

#include "ingest/adapters/adapter_util.h"
#include "util/text.h"

namespace tp {
namespace {

using adapters::at_path;
using adapters::FieldReader;
using adapters::json;
using adapters::member;

constexpr std::string_view kPlatform = "dialogflow-es";
constexpr std::string_view kFallbackIntent = "Default Fallback Intent";

// Where integrations put the end user's id in originalDetectIntentRequest.payload, most specific first:
// custom integrations, Actions on Google, Facebook Messenger, Telegram, Slack, Twitter, Support Board.
std::optional<std::string> payload_user_id(const json& payload) {
  return adapters::first_id(payload, {{"userId"},
                                      {"user_id"},
                                      {"user", "userId"},
                                      {"user", "id"},
                                      {"data", "sender", "id"},
                                      {"data", "from", "id"},
                                      {"data", "user"},
                                      {"data", "direct_message", "sender_id_str"},
                                      {"support_board", "user_id"}});
}

// The agent's reply as configured: fulfillmentText, else the text messages joined by line breaks.
std::string reply_text(const json& query_result) {
  if (const auto text = adapters::string_value(member(query_result, "fulfillmentText"));
      text && !text->empty())
    return *text;
  std::string out;
  const json* messages = member(query_result, "fulfillmentMessages");
  if (!messages || !messages->is_array()) return out;
  for (const auto& message : *messages) {
    const json* lines = at_path(message, {"text", "text"});
    if (!lines || !lines->is_array()) continue;
    for (const auto& line : *lines) {
      if (!line.is_string() || line.get_ref<const std::string&>().empty()) continue;
      if (!out.empty()) out.push_back('\n');
      out += line.get_ref<const std::string&>();
      if (out.size() > adapters::kMaxTextBytes) return out;
    }
  }
  return out;
}

class DialogflowEsAdapter final : public Adapter {
 public:
  AdapterOutput translate(const json& p, const AdapterContext& ctx) const override {
    AdapterOutput out;
    out.response_body = "{}";
    FieldReader r(out.errors, "");
    if (!p.is_object()) {
      r.fail("", "a Dialogflow ES WebhookRequest must be a JSON object");
      out.rejected = 1;
      return out;
    }
    const auto response_id = r.id(member(p, "responseId"), "responseId", true);
    const auto session = r.text(member(p, "session"), "session", true);
    const json* qr = r.object(member(p, "queryResult"), "queryResult", true);
    std::optional<std::string> query_text, intent_name, action, language;
    std::optional<bool> is_fallback;
    std::optional<double> confidence, sentiment;
    if (qr) {
      query_text = r.text(member(*qr, "queryText"), "queryResult.queryText", true);
      if (const json* intent = r.object(member(*qr, "intent"), "queryResult.intent")) {
        intent_name = r.text(member(*intent, "displayName"), "queryResult.intent.displayName");
        is_fallback = r.boolean(member(*intent, "isFallback"), "queryResult.intent.isFallback");
      }
      confidence =
          r.number(member(*qr, "intentDetectionConfidence"), "queryResult.intentDetectionConfidence", 0, 1);
      sentiment = r.number(at_path(*qr, {"sentimentAnalysisResult", "queryTextSentiment", "score"}),
                           "queryResult.sentimentAnalysisResult.queryTextSentiment.score", -1, 1);
      action = r.text(member(*qr, "action"), "queryResult.action");
      language = r.text(member(*qr, "languageCode"), "queryResult.languageCode");
    }
    if (r.failed()) {
      out.rejected = 1;
      return out;
    }

    Interaction user;
    user.id = adapters::make_id(kPlatform, {*response_id});
    user.type = EventType::Message;
    user.role = Role::User;
    user.channel = "chatbot";
    user.timestamp_ms = ctx.received_ms;
    user.text = *query_text;
    user.intent = intent_name.value_or("");
    user.confidence = confidence;
    user.sentiment = sentiment;
    user.fallback =
        is_fallback.value_or(false) || user.intent == kFallbackIntent || action == "input.unknown";

    // Session "projects/<p>/agent[/environments/<e>/users/<u>]/sessions/<s>" (optionally with locations/<l>).
    const std::string session_id = adapters::last_segment(*session);
    if (session_id.empty() || session_id.size() > adapters::kMaxIdBytes) {
      r.fail("session", "must be a session path ending in the session id (at most 512 bytes)");
      out.rejected = 1;
      return out;
    }
    user.session_id = session_id;
    const json* original = member(p, "originalDetectIntentRequest");
    const json* payload = original ? member(*original, "payload") : nullptr;
    if (auto id = payload ? payload_user_id(*payload) : std::nullopt) {
      user.customer_id = *id;
    } else if (auto u = adapters::segment_after(*session, "users");
               !u.empty() && u != "-" && u.size() <= 512) {
      user.customer_id = u;
    }
    user.anonymous_id = session_id;

    json props = {{"platform", kPlatform},
                  {"agent", adapters::segment_after(*session, "projects")},
                  {"language", language.value_or("")},
                  {"action", action.value_or("")}};
    // The integration: originalDetectIntentRequest.source, or payload.source (Slack, Facebook integrations).
    if (original) {
      auto integration = adapters::string_value(member(*original, "source"));
      if (!integration && payload) integration = adapters::string_value(member(*payload, "source"));
      props["integration"] = integration.value_or("");
    }
    for (auto it = props.begin(); it != props.end();) {
      if (it->is_string() && it->get_ref<const std::string&>().empty())
        it = props.erase(it);
      else
        ++it;
    }
    user.properties_json = adapters::properties_text(props);
    if (!adapters::finish(user, r, "session")) {
      out.rejected = 1;
      return out;
    }
    out.interactions.push_back(user);

    // The reply the agent has configured for the matched intent (it stays the reply: we answer "{}").
    if (std::string reply = reply_text(*qr); !reply.empty()) {
      out.interactions.push_back(
          adapters::bot_turn(user, adapters::make_id(kPlatform, {*response_id, "reply"}), user.type,
                             truncate_utf8(reply, adapters::kMaxTextBytes)));
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Adapter> make_dialogflow_es_adapter() {
  return std::make_unique<DialogflowEsAdapter>();
}

}  // namespace tp
