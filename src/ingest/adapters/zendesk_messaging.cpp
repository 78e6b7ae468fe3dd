#include "ingest/adapters/zendesk_messaging.h"

#include "ingest/adapters/adapter_util.h"

namespace tp {
namespace {

using adapters::at_path;
using adapters::FieldReader;
using adapters::json;
using adapters::member;

constexpr std::string_view kPlatform = "zendesk-messaging";
// The switchboard integration type of Zendesk's Agent Workspace: a human agent has the conversation.
constexpr std::string_view kAgentWorkspace = "zd:agentWorkspace";

// The integration type of the conversation's active switchboard integration, or "".
std::string active_integration(const json* conversation) {
  if (!conversation) return "";
  return adapters::string_value(at_path(*conversation, {"activeSwitchboardIntegration", "integrationType"}))
      .value_or("");
}

// A business message is an agent's when it was written in the Agent Workspace (its source type says so)
// or, when the source names no Zendesk system (api, a custom integration), when the Agent Workspace holds
// the conversation; otherwise it comes from a bot (answer bot, AI agent, a third-party bot).
Role business_role(const json& message, const json* conversation) {
  const std::string source = adapters::string_value(at_path(message, {"source", "type"})).value_or("");
  if (source == kAgentWorkspace) return Role::Agent;
  if (source.rfind("zd:", 0) == 0) return Role::Bot;  // zd:answerBot, zd:aiAgent, ...
  return active_integration(conversation) == kAgentWorkspace ? Role::Agent : Role::Bot;
}

// What an event type is to us. Everything not listed (conversation:read, conversation:typing,
// conversation:message:delivery:*, conversation:postback, user:merge, *:failure, new types) is ignored.
enum class Kind { Message, Create, ControlChange, Ignored };

Kind kind_of(std::string_view type) {
  if (type == "conversation:message") return Kind::Message;
  if (type == "conversation:create") return Kind::Create;
  // passControl and acceptControl make an integration active; releaseControl leaves none active.
  // offerControl only makes one pending (the accept that may follow is the change).
  if (type == "switchboard:passControl" || type == "switchboard:acceptControl" ||
      type == "switchboard:releaseControl")
    return Kind::ControlChange;
  return Kind::Ignored;
}

class ZendeskMessagingAdapter final : public Adapter {
 public:
  AdapterOutput translate(const json& p, const AdapterContext& ctx) const override {
    AdapterOutput out;
    FieldReader root(out.errors, "");
    if (!p.is_object()) {
      root.fail("", "a Sunshine Conversations webhook body must be a JSON object with \"events\"");
      out.rejected = 1;
      return out;
    }
    const json* events = root.array(member(p, "events"), "events", true);
    if (events && events->empty()) root.missing("events", "holds no events");
    if (!events || events->empty()) {
      out.rejected = 1;
      return out;
    }
    // Each event is its own interaction, possibly of another conversation than its neighbours.
    for (size_t i = 0; i < events->size(); ++i) {
      FieldReader r(out.errors, "events[" + std::to_string(i) + "].");
      auto in = translate_one((*events)[i], r, ctx, out.ignored);
      if (in)
        out.interactions.push_back(std::move(*in));
      else if (r.failed())
        ++out.rejected;
    }
    return out;
  }

 private:
  // One event; nullopt when it is ignored (counted) or rejected (errors added).
  static std::optional<Interaction> translate_one(const json& e, FieldReader& r, const AdapterContext& ctx,
                                                  size_t& ignored) {
    if (!e.is_object()) {
      r.fail("", "each event must be a JSON object");
      return std::nullopt;
    }
    const auto type = r.text(member(e, "type"), "type", true);
    if (!type) return std::nullopt;
    const Kind kind = kind_of(*type);
    if (kind == Kind::Ignored) {
      ++ignored;
      return std::nullopt;
    }
    const auto event_id = r.id(member(e, "id"), "id", true);
    const auto created = r.time_ms(member(e, "createdAt"), "createdAt");
    const json* payload = r.object(member(e, "payload"), "payload", true);
    const json* conversation =
        payload ? r.object(member(*payload, "conversation"), "payload.conversation", true) : nullptr;
    std::optional<std::string> conv;
    if (conversation) conv = r.id(member(*conversation, "id"), "payload.conversation.id", true);
    if (r.failed()) return std::nullopt;

    Interaction in;
    in.channel = "helpdesk";
    in.session_id = *conv;
    // The conversation id links every event of the conversation, business turns and switchboard changes
    // included (they name no user), to the user whose own events carry both ids.
    in.anonymous_id = *conv;
    in.id = adapters::make_id(kPlatform, {*event_id});
    in.timestamp_ms = created.value_or(ctx.received_ms);
    json props = {{"platform", kPlatform}, {"event", *type}};
    if (const auto active = active_integration(conversation); !active.empty()) props["integration"] = active;

    if (kind == Kind::Message) {
      if (!message(*payload, conversation, r, in, props, ignored)) return std::nullopt;
    } else if (kind == Kind::Create) {
      in.type = EventType::Track;
      in.name = "conversation.created";
      in.role = Role::User;
      set_user(member(*payload, "user"), in);
      if (const auto reason = adapters::string_value(member(*payload, "creationReason")))
        props["reason"] = *reason;
      if (const auto source = adapters::string_value(at_path(*payload, {"source", "type"})))
        props["source"] = *source;
    } else {
      control_change(*type, *payload, conversation, in, props);
    }
    in.properties_json = adapters::properties_text(std::move(props));
    if (!adapters::finish(in, r, "payload.conversation.id")) return std::nullopt;
    return in;
  }

  // customer_id: the app's own id for the user (externalId, present with includeFullUser), else the
  // Sunshine Conversations user id.
  static void set_user(const json* user, Interaction& in) {
    if (!user) return;
    if (auto external = adapters::id_text(member(*user, "externalId")))
      in.customer_id = *external;
    else if (auto id = adapters::id_text(member(*user, "id")))
      in.customer_id = *id;
  }

  // conversation:message. Returns false when the event is ignored (counted) or rejected (errors added).
  static bool message(const json& payload, const json* conversation, FieldReader& r, Interaction& in,
                      json& props, size_t& ignored) {
    const json* message = r.object(member(payload, "message"), "payload.message", true);
    if (!message) return false;
    const json* author = r.object(member(*message, "author"), "payload.message.author", true);
    const auto author_type =
        author ? r.text(member(*author, "type"), "payload.message.author.type", true) : std::nullopt;
    const json* content = r.object(member(*message, "content"), "payload.message.content");
    const auto text =
        content ? r.text(member(*content, "text"), "payload.message.content.text") : std::nullopt;
    const auto received = r.time_ms(member(*message, "received"), "payload.message.received");
    if (r.failed()) return false;
    if (*author_type == "user") {
      in.role = Role::User;
      if (const json* user = member(*author, "user")) set_user(user, in);
      if (in.customer_id.empty()) in.customer_id = adapters::id_text(member(*author, "userId")).value_or("");
    } else if (*author_type == "business") {
      in.role = business_role(*message, conversation);
    } else {
      r.fail("payload.message.author.type", "must be user or business");
      return false;
    }
    // Images, files, locations... without text carry no words to analyse.
    if (!text || text->empty()) {
      ++ignored;
      return false;
    }
    in.type = EventType::Message;
    in.text = *text;
    if (received) in.timestamp_ms = *received;
    if (const auto source = adapters::string_value(at_path(*message, {"source", "type"})))
      props["source"] = *source;
    return true;
  }

  // switchboard:passControl / acceptControl / releaseControl.
  static void control_change(const std::string& type, const json& payload, const json* conversation,
                             Interaction& in, json& props) {
    const std::string active = active_integration(conversation);
    // The reason a passControl call gave; Zendesk passes control back with "ticketClosed" when the agent's
    // ticket is closed. Some callers put it in the metadata.
    auto reason = adapters::string_value(member(payload, "reason"));
    if (!reason) reason = adapters::string_value(at_path(payload, {"metadata", "reason"}));
    if (reason) props["reason"] = *reason;
    in.role = Role::Bot;
    if (reason && *reason == "ticketClosed") {
      in.type = EventType::Track;
      in.name = "conversation.closed";
      in.role = Role::Agent;
    } else if (active == kAgentWorkspace) {
      in.type = EventType::Handoff;  // a human agent now has the conversation
      in.escalated = true;
      in.name = type;
    } else {
      in.type = EventType::Track;  // control moved between bots, or was released
      in.name = type;
    }
  }
};

}  // namespace

std::unique_ptr<Adapter> make_zendesk_messaging_adapter() {
  return std::make_unique<ZendeskMessagingAdapter>();
}

}  // namespace tp
