#include "ingest/adapters/watson_assistant.h"

#include "ingest/adapters/adapter_util.h"
#include "util/text.h"

namespace tp {
namespace {

using adapters::at_path;
using adapters::FieldReader;
using adapters::json;
using adapters::member;

constexpr std::string_view kPlatform = "watson-assistant";

// The assistant's text replies (output.generic[] of response_type "text"), joined by line breaks, and
// whether one of the responses hands the customer to a human agent (response_type "connect_to_agent").
struct Reply {
  std::string text;
  bool connect_to_agent = false;
};

Reply reply_of(const json* generic) {
  Reply out;
  if (!generic || !generic->is_array()) return out;
  for (const auto& g : *generic) {
    const auto type = adapters::string_value(member(g, "response_type"));
    if (!type) continue;
    if (*type == "connect_to_agent") out.connect_to_agent = true;
    if (*type != "text") continue;
    const auto text = adapters::string_value(member(g, "text"));
    if (!text || text->empty()) continue;
    if (!out.text.empty()) out.text += '\n';
    out.text += *text;
    if (out.text.size() > adapters::kMaxTextBytes) break;
  }
  out.text = truncate_utf8(out.text, adapters::kMaxTextBytes);
  return out;
}

class WatsonAssistantAdapter final : public Adapter {
 public:
  AdapterOutput translate(const json& p, const AdapterContext& ctx) const override {
    AdapterOutput out;
    FieldReader r(out.errors, "");
    if (!p.is_object()) {
      r.fail("", "a watsonx Assistant log webhook body must be a JSON object");
      out.rejected = 1;
      return out;
    }
    const json* event = r.object(member(p, "event"), "event", true);
    const auto name = event ? r.text(member(*event, "name"), "event.name", true) : std::nullopt;
    if (r.failed()) {
      out.rejected = 1;
      return out;
    }
    if (*name != "message_logged") {  // cdr_logged (phone call records) and anything newer
      out.ignored = 1;
      return out;
    }
    const json* log = r.object(member(p, "payload"), "payload", true);
    const auto log_id = log ? r.id(member(*log, "log_id"), "payload.log_id", true) : std::nullopt;
    const json* request = log ? r.object(member(*log, "request"), "payload.request", true) : nullptr;
    const json* response = log ? r.object(member(*log, "response"), "payload.response", true) : nullptr;
    if (r.failed()) {
      out.rejected = 1;
      return out;
    }
    const auto text = r.text(at_path(*request, {"input", "text"}), "payload.request.input.text");
    const json* output = r.object(member(*response, "output"), "payload.response.output");
    const json* intents =
        output ? r.array(member(*output, "intents"), "payload.response.output.intents") : nullptr;
    const json* top = intents && !intents->empty() ? &(*intents)[0] : nullptr;  // sorted by confidence
    std::optional<std::string> intent;
    std::optional<double> confidence;
    if (top) {
      intent = r.text(member(*top, "intent"), "payload.response.output.intents[0].intent");
      confidence =
          r.number(member(*top, "confidence"), "payload.response.output.intents[0].confidence", 0, 1);
    }
    const auto time = r.time_ms(member(*log, "request_timestamp"), "payload.request_timestamp");
    if (r.failed()) {
      out.rejected = 1;
      return out;
    }

    Interaction turn;
    turn.channel = "chatbot";
    turn.type = EventType::Message;
    turn.role = Role::User;
    turn.timestamp_ms = time.value_or(ctx.received_ms);
    turn.text = text.value_or("");
    turn.intent = intent.value_or("");
    turn.confidence = confidence;
    // No intent recognised above the assistant's threshold: the customer was not understood.
    turn.fallback = !intent.has_value() || intent->empty();
    // The session (v2 session_id; stateless calls carry it in the response's global context) is the
    // anonymous id; the user id Watson was given (user_id, else the global context's system.user_id, else
    // the log's customer_id, the one used for data deletion) the customer id.
    turn.session_id =
        adapters::first_id(*log, {{"session_id"}})
            .value_or(adapters::first_id(*response, {{"context", "global", "session_id"}}).value_or(""));
    turn.anonymous_id = turn.session_id;
    turn.customer_id =
        adapters::first_id(*request, {{"user_id"}, {"context", "global", "system", "user_id"}})
            .value_or(adapters::first_id(*response, {{"user_id"}, {"context", "global", "system", "user_id"}})
                          .value_or(adapters::id_text(member(*log, "customer_id")).value_or("")));
    json props = {{"platform", kPlatform}};
    if (const auto v = adapters::string_value(member(*log, "assistant_id"))) props["agent"] = *v;
    if (const auto v = adapters::string_value(member(*log, "skill_id"))) props["skill"] = *v;
    if (const auto v = adapters::string_value(member(*log, "language"))) props["language"] = *v;
    turn.properties_json = adapters::properties_text(props);
    turn.id = adapters::make_id(kPlatform, {*log_id});
    if (!adapters::finish(turn, r, "payload.request.user_id")) {
      out.rejected = 1;
      return out;
    }

    const Reply reply = reply_of(output ? member(*output, "generic") : nullptr);
    // A turn without input text (the welcome turn that opens a session) has no customer words to store.
    if (!turn.text.empty())
      out.interactions.push_back(turn);
    else
      ++out.ignored;
    if (!reply.text.empty())
      out.interactions.push_back(adapters::bot_turn(turn, adapters::make_id(kPlatform, {*log_id, "reply"}),
                                                    EventType::Message, reply.text));
    if (reply.connect_to_agent) {
      Interaction handoff = adapters::bot_turn(turn, adapters::make_id(kPlatform, {*log_id, "handoff"}),
                                               EventType::Handoff, "");
      handoff.escalated = true;
      handoff.name = "connect_to_agent";
      out.interactions.push_back(std::move(handoff));
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Adapter> make_watson_assistant_adapter() {
  return std::make_unique<WatsonAssistantAdapter>();
}

}  // namespace tp
