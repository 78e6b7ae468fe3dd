#include "ingest/adapters/dialogflow_cx.h"

#include "ingest/adapters/adapter_util.h"
#include "util/text.h"

namespace tp {
namespace {

using adapters::at_path;
using adapters::FieldReader;
using adapters::json;
using adapters::member;

constexpr std::string_view kPlatform = "dialogflow-cx";

bool names_no_match(std::string_view s) {
  return adapters::contains_ci(s, "no-match") || adapters::contains_ci(s, "no_match") ||
         adapters::contains_ci(s, "nomatch");
}

// Text of the agent's response messages (ResponseMessage.text.text[]), joined by line breaks; whether one of
// them requests a live agent (ResponseMessage.liveAgentHandoff).
struct Replies {
  std::string text;
  bool live_agent_handoff = false;
};

Replies replies_of(const json& request) {
  Replies out;
  const json* messages = member(request, "messages");
  if (!messages || !messages->is_array()) return out;
  for (const auto& message : *messages) {
    if (member(message, "liveAgentHandoff")) out.live_agent_handoff = true;
    const json* lines = at_path(message, {"text", "text"});
    if (!lines || !lines->is_array()) continue;
    for (const auto& line : *lines) {
      if (!line.is_string() || line.get_ref<const std::string&>().empty()) continue;
      if (!out.text.empty()) out.text.push_back('\n');
      out.text += line.get_ref<const std::string&>();
      if (out.text.size() > adapters::kMaxTextBytes) break;
    }
  }
  out.text = truncate_utf8(out.text, adapters::kMaxTextBytes);
  return out;
}

class DialogflowCxAdapter final : public Adapter {
 public:
  AdapterOutput translate(const json& p, const AdapterContext& ctx) const override {
    AdapterOutput out;
    out.response_body = "{}";
    FieldReader r(out.errors, "");
    if (!p.is_object()) {
      r.fail("", "a Dialogflow CX WebhookRequest must be a JSON object");
      out.rejected = 1;
      return out;
    }
    const auto response_id = r.id(member(p, "detectIntentResponseId"), "detectIntentResponseId", true);
    std::optional<std::string> session;
    if (const json* info = r.object(member(p, "sessionInfo"), "sessionInfo", true))
      session = r.text(member(*info, "session"), "sessionInfo.session", true);
    // The query: exactly one of text, transcript, dtmfDigits, triggerEvent, triggerIntent.
    auto text = r.text(member(p, "text"), "text");
    if (!text) text = r.text(member(p, "transcript"), "transcript");
    if (!text) text = r.text(member(p, "dtmfDigits"), "dtmfDigits");
    const auto trigger_event = r.text(member(p, "triggerEvent"), "triggerEvent");
    const auto trigger_intent = r.text(member(p, "triggerIntent"), "triggerIntent");
    std::optional<std::string> intent_name;
    std::optional<double> confidence;
    const json* intent_info = r.object(member(p, "intentInfo"), "intentInfo");
    if (intent_info) {
      intent_name = r.text(member(*intent_info, "displayName"), "intentInfo.displayName");
      confidence = r.number(member(*intent_info, "confidence"), "intentInfo.confidence", 0, 1);
    }
    std::optional<std::string> tag;
    if (const json* fulfillment = r.object(member(p, "fulfillmentInfo"), "fulfillmentInfo"))
      tag = r.text(member(*fulfillment, "tag"), "fulfillmentInfo.tag");
    const auto sentiment =
        r.number(at_path(p, {"sentimentAnalysisResult", "score"}), "sentimentAnalysisResult.score", -1, 1);
    const auto language = r.text(member(p, "languageCode"), "languageCode");
    if (!r.failed() && !text && !trigger_event && !trigger_intent)
      r.missing("text", "is required (or transcript, dtmfDigits, triggerEvent, triggerIntent)");
    if (r.failed()) {
      out.rejected = 1;
      return out;
    }

    const std::string session_id = adapters::last_segment(*session);
    if (session_id.empty() || session_id.size() > adapters::kMaxIdBytes) {
      r.fail("sessionInfo.session", "must be a session path ending in the session id (at most 512 bytes)");
      out.rejected = 1;
      return out;
    }

    Interaction turn;
    turn.id = adapters::make_id(kPlatform, {*response_id});
    turn.channel = "chatbot";
    turn.timestamp_ms = ctx.received_ms;
    turn.session_id = session_id;
    turn.anonymous_id = session_id;
    if (const json* payload = member(p, "payload")) {
      if (auto id = adapters::first_id(*payload, {{"userId"}, {"user_id"}, {"user", "id"}, {"customerId"}}))
        turn.customer_id = *id;
    }
    turn.intent = intent_name.value_or("");
    turn.confidence = confidence;
    turn.sentiment = sentiment;
    const bool no_match_named =
        (tag && names_no_match(*tag)) || (trigger_event && names_no_match(*trigger_event));
    if (text) {
      // A text turn without intentInfo matched no intent (the no-match handler called the webhook).
      turn.type = EventType::Message;
      turn.role = Role::User;
      turn.text = *text;
      turn.fallback = !intent_info || no_match_named;
    } else {
      // An event or intent trigger (welcome, sys.no-input-*, ...): no user text to store.
      turn.type = EventType::Track;
      turn.name = trigger_event ? *trigger_event : "intent:" + adapters::last_segment(*trigger_intent);
      turn.name = truncate_utf8(turn.name, adapters::kMaxTextBytes);
      turn.fallback = no_match_named;
    }
    json props = json::object();
    props["platform"] = kPlatform;
    if (auto agent = adapters::segment_after(*session, "agents"); !agent.empty()) props["agent"] = agent;
    if (tag && !tag->empty()) props["tag"] = *tag;
    if (const auto page = adapters::string_value(at_path(p, {"pageInfo", "displayName"})))
      props["page"] = *page;
    if (language) props["language"] = *language;
    turn.properties_json = adapters::properties_text(props);
    if (!adapters::finish(turn, r, "sessionInfo.session")) {
      out.rejected = 1;
      return out;
    }
    out.interactions.push_back(turn);

    const Replies replies = replies_of(p);
    if (!replies.text.empty()) {
      out.interactions.push_back(adapters::bot_turn(
          turn, adapters::make_id(kPlatform, {*response_id, "reply"}), EventType::Message, replies.text));
    }
    if (replies.live_agent_handoff) {
      Interaction handoff = adapters::bot_turn(turn, adapters::make_id(kPlatform, {*response_id, "handoff"}),
                                               EventType::Handoff, "");
      handoff.name = "liveAgentHandoff";
      handoff.escalated = true;
      out.interactions.push_back(std::move(handoff));
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Adapter> make_dialogflow_cx_adapter() {
  return std::make_unique<DialogflowCxAdapter>();
}

}  // namespace tp
