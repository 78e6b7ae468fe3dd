#include "ingest/adapters/freshchat.h"

#include "ingest/adapters/adapter_util.h"

namespace tp {
namespace {

using adapters::at_path;
using adapters::FieldReader;
using adapters::json;
using adapters::member;

constexpr std::string_view kPlatform = "freshchat";

// actor_type: user (the customer), agent, and system or bot (Freddy and other automations).
Role role_of(std::string_view actor_type) {
  if (actor_type == "user") return Role::User;
  if (actor_type == "agent") return Role::Agent;
  if (actor_type == "system" || actor_type == "bot") return Role::Bot;
  return Role::None;
}

// The text parts of a message joined by line breaks: message_parts[].text.content, or in the older payload
// msg_parts[].properties.text. Images, files, buttons and cards carry no words.
std::string text_of(const json* parts, bool legacy) {
  std::string out;
  if (!parts || !parts->is_array()) return out;
  for (const auto& part : *parts) {
    const json* text = legacy ? at_path(part, {"properties", "text"}) : at_path(part, {"text", "content"});
    if (!text || !text->is_string() || text->get_ref<const std::string&>().empty()) continue;
    if (!out.empty()) out.push_back('\n');
    out += text->get_ref<const std::string&>();
    if (out.size() > adapters::kMaxTextBytes) break;
  }
  return truncate_utf8(out, adapters::kMaxTextBytes);
}

class FreshchatAdapter final : public Adapter {
 public:
  AdapterOutput translate(const json& p, const AdapterContext& ctx) const override {
    AdapterOutput out;
    FieldReader r(out.errors, "");
    if (!p.is_object()) {
      r.fail("", "a Freshchat webhook body must be a JSON object");
      out.rejected = 1;
      return out;
    }
    const auto action = r.text(member(p, "action"), "action", true);
    if (r.failed()) {
      out.rejected = 1;
      return out;
    }
    // The payload member each documented action carries its object in.
    std::string_view holder;
    if (*action == "message_create")
      holder = "message";
    else if (*action == "conversation_assignment")
      holder = "assignment";
    else if (*action == "conversation_resolution")
      holder = "resolve";
    else if (*action == "conversation_reopen")
      holder = "reopen";
    if (holder.empty()) {
      out.ignored = 1;  // actions Touchpoint has no use for
      return out;
    }
    std::optional<std::string> actor_type, actor_id;
    if (const json* actor = r.object(member(p, "actor"), "actor")) {
      actor_type = r.text(member(*actor, "actor_type"), "actor.actor_type");
      actor_id = r.id(member(*actor, "actor_id"), "actor.actor_id");
    }
    const auto action_time = r.time_ms(member(p, "action_time"), "action_time");
    const json* data = r.object(member(p, "data"), "data", true);
    const json* object =
        data ? r.object(member(*data, holder), "data." + std::string(holder), true) : nullptr;
    if (r.failed()) {
      out.rejected = 1;
      return out;
    }
    Event e{*action, actor_type.value_or(""), actor_type == "user" ? actor_id : std::nullopt,
            action_time.value_or(ctx.received_ms), ""};
    if (action_time)
      e.key = std::to_string(*action_time);
    else if (const auto hook = adapters::webhook_id_key(ctx, 0, 1))
      e.key = *hook;
    if (holder == "message")
      message_event(*object, e, out);
    else
      conversation_event(*object, "data." + std::string(holder) + ".", e, out);
    return out;
  }

 private:
  struct Event {
    std::string action;
    std::string actor_type;
    std::optional<std::string> user;  // the actor's id when the actor is the customer
    int64_t time_ms;
    std::string key;  // the payload's action_time in ms (or the webhook-id): keys conversation events
  };

  static void emit(AdapterOutput& out, Interaction in, FieldReader& r, std::string_view identity_field,
                   json props) {
    props["platform"] = kPlatform;
    in.channel = "helpdesk";
    in.properties_json = adapters::properties_text(std::move(props));
    if (!adapters::finish(in, r, identity_field)) {
      ++out.rejected;
      return;
    }
    out.interactions.push_back(std::move(in));
  }

  // Identity: the conversation is the session and its id the anonymous id, so that every event of the
  // conversation (assignments and resolves name no user) joins the customer; Freshchat's user id, when the
  // payload has it, is the customer_id and links the two.
  static Interaction base_of(const std::string& conversation, std::optional<std::string> user, int64_t at) {
    Interaction in;
    in.session_id = conversation;
    in.anonymous_id = conversation;
    in.customer_id = user.value_or("");
    in.timestamp_ms = at;
    return in;
  }

  // message_create: data.message {id, conversation_id, message_parts | msg_parts, message_type, actor_type,
  // actor_id, user_id, created_time}.
  static void message_event(const json& m, const Event& e, AdapterOutput& out) {
    FieldReader r(out.errors, "data.message.");
    const auto id = r.id(member(m, "id"), "id", true);
    const auto conversation = r.id(member(m, "conversation_id"), "conversation_id", true);
    const auto message_type = r.text(member(m, "message_type"), "message_type");
    const auto actor_type = r.text(member(m, "actor_type"), "actor_type");
    const auto actor_id = r.id(member(m, "actor_id"), "actor_id");
    const auto user_id = r.id(member(m, "user_id"), "user_id");
    const auto created = r.time_ms(member(m, "created_time"), "created_time");
    const bool legacy = !member(m, "message_parts") && member(m, "msg_parts");
    const json* parts = r.array(member(m, legacy ? "msg_parts" : "message_parts"),
                                legacy ? "msg_parts" : "message_parts", true);
    const auto bots_note = r.boolean(member(m, "botsPrivateNote"), "botsPrivateNote");
    if (r.failed()) {
      out.rejected = 1;
      return;
    }
    if (message_type == "private" || bots_note.value_or(false)) {
      out.ignored = 1;  // internal notes, the bot's notes to agents
      return;
    }
    const std::string who = actor_type.value_or(e.actor_type);
    std::optional<std::string> user = user_id;
    if (!user && who == "user") user = actor_id ? actor_id : e.user;
    Interaction in = base_of(*conversation, user, created.value_or(e.time_ms));
    in.type = EventType::Message;
    in.role = role_of(who);
    in.text = text_of(parts, legacy);
    if (in.text.empty()) {
      out.ignored = 1;  // images, files, buttons: no words to keep
      return;
    }
    in.id = adapters::make_id(kPlatform, {*conversation, "msg", *id});
    json props = {{"action", e.action}};
    if (const auto source = adapters::string_value(member(m, "message_source"))) props["source"] = *source;
    if (const auto channel = adapters::id_text(member(m, "channel_id"))) props["topic"] = *channel;
    emit(out, std::move(in), r, "data.message.user_id", std::move(props));
  }

  // conversation_assignment / _resolution / _reopen: {assignor | resolver | reopener, ..._id, to_agent_id,
  // from_agent_id, conversation: {conversation_id, status, assigned_agent_id}}.
  static void conversation_event(const json& o, const std::string& prefix, const Event& e,
                                 AdapterOutput& out) {
    FieldReader r(out.errors, prefix);
    const json* c = r.object(member(o, "conversation"), "conversation", true);
    const auto conversation =
        c ? r.id(member(*c, "conversation_id"), "conversation.conversation_id", true) : std::nullopt;
    if (r.failed()) {
      out.rejected = 1;
      return;
    }
    Interaction in = base_of(*conversation, e.user, e.time_ms);
    in.role = role_of(e.actor_type);
    json props = {{"action", e.action}};
    std::string what, target;
    if (e.action == "conversation_assignment") {
      const auto to = adapters::id_text(member(o, "to_agent_id"));
      const auto from = adapters::id_text(member(o, "from_agent_id"));
      if (!to) {
        out.ignored = 1;  // to a group only, or unassigned: no person has it yet
        return;
      }
      // To an agent from nobody (the bot, a queue): the hand-off; from another agent: a transfer.
      if (!from) {
        in.type = EventType::Handoff;
        in.escalated = true;
        in.name = "conversation.assigned";
      } else {
        in.type = EventType::Track;
        in.name = "conversation.transferred";
      }
      what = "assigned";
      target = *to;
    } else if (e.action == "conversation_resolution") {
      in.type = EventType::Track;
      in.name = "conversation.resolved";
      what = "resolved";
    } else {
      in.type = EventType::Track;
      in.name = "conversation.reopened";
      what = "reopened";
    }
    if (e.key.empty()) {
      FieldReader root(out.errors, "");
      root.missing("action_time", "is required (it keys the event)");
      out.rejected = 1;
      return;
    }
    in.id = target.empty() ? adapters::make_id(kPlatform, {*conversation, what, e.key})
                           : adapters::make_id(kPlatform, {*conversation, what, target, e.key});
    emit(out, std::move(in), r, "actor.actor_id", std::move(props));
  }
};

}  // namespace

std::unique_ptr<Adapter> make_freshchat_adapter() {
  return std::make_unique<FreshchatAdapter>();
}

}  // namespace tp
