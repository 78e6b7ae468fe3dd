#include "ingest/adapters/livechat.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "ingest/adapters/adapter_util.h"
#include "util/text.h"

namespace tp {
namespace {

using adapters::at_path;
using adapters::FieldReader;
using adapters::json;
using adapters::member;

constexpr std::string_view kPlatform = "livechat";

bool all_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

// Who an author id is when the payload does not say: LiveChat agent ids are their e-mail addresses and
// bot agents get 32 hex digits (the Configuration API's create_bot), while customer ids are UUIDs (or
// other opaque ids). incoming_event carries only author_id, so its format is all there is.
Role role_of_id(std::string_view id) {
  if (id.find('@') != std::string_view::npos) return Role::Agent;
  if (id.size() == 32 && all_hex(id)) return Role::Bot;
  return Role::User;
}

// The user types an incoming_chat lists (chat.users[].type: customer or agent); bot agents are agents
// there, told apart by their id as above.
using KnownUsers = std::map<std::string, Role, std::less<>>;

Role role_of(std::string_view id, const KnownUsers& known) {
  const auto it = known.find(id);
  if (it == known.end()) return role_of_id(id);
  return it->second == Role::Agent && role_of_id(id) == Role::Bot ? Role::Bot : it->second;
}

// The words of a message event; for a rich message (cards, buttons), the titles and subtitles of its
// elements. Empty when there are none.
std::string text_of(const json& event, const std::string& type) {
  if (type == "message") return adapters::string_value(member(event, "text")).value_or("");
  std::string out;
  if (const json* elements = member(event, "elements"); elements && elements->is_array()) {
    for (const auto& el : *elements) {
      for (const char* key : {"title", "subtitle"}) {
        const auto s = adapters::string_value(member(el, key));
        if (!s || s->empty()) continue;
        if (!out.empty()) out += '\n';
        out += *s;
        if (out.size() > adapters::kMaxTextBytes) return tp::truncate_utf8(out, adapters::kMaxTextBytes);
      }
    }
  }
  return out;
}

class LiveChatAdapter final : public Adapter {
 public:
  AdapterOutput translate(const json& p, const AdapterContext& ctx) const override {
    AdapterOutput out;
    const auto action = adapters::envelope_event(p, "a LiveChat webhook body", "action", out);
    if (!action) return out;
    FieldReader r(out.errors, "");
    const bool handled = *action == "incoming_chat" || *action == "incoming_event" ||
                         *action == "chat_transferred" || *action == "chat_deactivated" ||
                         *action == "thread_properties_updated" || *action == "chat_properties_updated";
    if (!handled) {  // event_updated, routing_status_set, events_marked_as_seen, tags, configuration...
      out.ignored = 1;
      return out;
    }
    const json* payload = r.object(member(p, "payload"), "payload", true);
    if (!payload) {
      out.rejected = 1;
      return out;
    }
    if (*action == "incoming_chat")
      incoming_chat(*payload, ctx, out);
    else if (*action == "incoming_event")
      incoming_event(*payload, ctx, out);
    else if (*action == "chat_transferred")
      chat_transferred(*payload, ctx, out);
    else if (*action == "chat_deactivated")
      chat_deactivated(*payload, ctx, out);
    else
      rating(*action, *payload, ctx, out);
    if (out.interactions.empty() && out.errors.empty()) out.ignored = std::max<size_t>(out.ignored, 1);
    return out;
  }

 private:
  static Interaction base(const std::string& chat, int64_t time_ms, const std::string& customer) {
    Interaction in;
    in.channel = "helpdesk";
    in.session_id = chat;
    // The chat id links the chat's every event, agents' turns and transfers included (their webhooks name
    // no customer), to the customer, whose own events carry both ids.
    in.anonymous_id = chat;
    in.customer_id = customer;
    in.timestamp_ms = time_ms;
    return in;
  }

  static void push(AdapterOutput& out, Interaction in, FieldReader& r, std::string_view action,
                   json props = json::object()) {
    props["platform"] = kPlatform;
    props["action"] = action;
    in.properties_json = adapters::properties_text(std::move(props));
    if (!adapters::finish(in, r, "payload.chat_id")) {
      ++out.rejected;
      return;
    }
    out.interactions.push_back(std::move(in));
  }

  // The chat and thread ids every chat payload names ("payload.chat_id" / "payload.thread_id").
  static bool chat_ids(const json& payload, FieldReader& r, std::optional<std::string>& chat,
                       std::optional<std::string>& thread, bool thread_required) {
    chat = r.id(member(payload, "chat_id"), "payload.chat_id", true);
    thread = r.id(member(payload, "thread_id"), "payload.thread_id", thread_required);
    return !r.failed();
  }

  // One chat event (a message or a rich message); ignored (counted) when it is internal, not a message
  // or has no words. `field` names the event in errors.
  static void event(const json& ev, const std::string& field, const std::string& chat,
                    const std::string& thread, const KnownUsers& known, const AdapterContext& ctx,
                    AdapterOutput& out) {
    FieldReader r(out.errors, field + ".");
    if (!ev.is_object()) {
      r.fail("", "must be an object");
      ++out.rejected;
      return;
    }
    const auto type = r.text(member(ev, "type"), "type", true);
    if (r.failed()) {
      ++out.rejected;
      return;
    }
    // visibility "agents": an internal note or whisper the customer never sees.
    const auto visibility = adapters::string_value(member(ev, "visibility"));
    if ((*type != "message" && *type != "rich_message") || (visibility && *visibility == "agents")) {
      ++out.ignored;  // system_message, filled_form, file, custom...
      return;
    }
    const auto id = r.id(member(ev, "id"), "id", true);
    const auto author = r.id(member(ev, "author_id"), "author_id", true);
    const auto created = r.time_ms(member(ev, "created_at"), "created_at");
    if (const json* t = member(ev, "text"); t && !t->is_string()) r.fail("text", "must be a string");
    if (r.failed()) {
      ++out.rejected;
      return;
    }
    const std::string text = text_of(ev, *type);
    if (text.empty()) {
      ++out.ignored;
      return;
    }
    const Role role = role_of(*author, known);
    Interaction in = base(chat, created.value_or(ctx.received_ms), role == Role::User ? *author : "");
    in.type = EventType::Message;
    in.role = role;
    in.text = tp::truncate_utf8(text, adapters::kMaxTextBytes);
    in.id = adapters::make_id(kPlatform, {chat, thread, *id});
    json props = json::object();
    if (role != Role::User) props["agent"] = *author;
    push(out, std::move(in), r, "incoming_event", std::move(props));
  }

  static void incoming_event(const json& payload, const AdapterContext& ctx, AdapterOutput& out) {
    FieldReader r(out.errors, "");
    std::optional<std::string> chat, thread;
    const bool ids = chat_ids(payload, r, chat, thread, true);
    const json* ev = r.object(member(payload, "event"), "payload.event", true);
    if (!ids || !ev) {
      out.rejected = 1;
      return;
    }
    event(*ev, "payload.event", *chat, *thread, {}, ctx, out);
  }

  // A new chat: its users say who is the customer, and its thread may open with events (the customer's
  // first message, a greeting...).
  static void incoming_chat(const json& payload, const AdapterContext& ctx, AdapterOutput& out) {
    FieldReader r(out.errors, "");
    const json* chat = r.object(member(payload, "chat"), "payload.chat", true);
    const auto chat_id = chat ? r.id(member(*chat, "id"), "payload.chat.id", true) : std::nullopt;
    const json* thread = chat ? r.object(member(*chat, "thread"), "payload.chat.thread", true) : nullptr;
    const auto thread_id =
        thread ? r.id(member(*thread, "id"), "payload.chat.thread.id", true) : std::nullopt;
    const json* events = thread ? r.array(member(*thread, "events"), "payload.chat.thread.events") : nullptr;
    if (r.failed()) {
      out.rejected = 1;
      return;
    }
    KnownUsers known;
    if (const json* users = member(*chat, "users"); users && users->is_array()) {
      for (const auto& u : *users) {
        const auto id = adapters::id_text(member(u, "id"));
        const auto type = adapters::string_value(member(u, "type"));
        if (id && type) known[*id] = *type == "customer" ? Role::User : Role::Agent;
      }
    }
    std::string customer;
    for (const auto& [id, role] : known)
      if (role == Role::User) customer = id;
    const size_t before = out.interactions.size();
    if (events) {
      for (size_t i = 0; i < events->size(); ++i)
        event((*events)[i], "payload.chat.thread.events[" + std::to_string(i) + "]", *chat_id, *thread_id,
              known, ctx, out);
    }
    // Agents' turns in the opening thread name the customer through the chat's user list.
    for (size_t i = before; i < out.interactions.size(); ++i)
      if (out.interactions[i].customer_id.empty()) out.interactions[i].customer_id = customer;
  }

  // A transfer to agents (or a group) is the hand-off from a bot or the queue to humans.
  static void chat_transferred(const json& payload, const AdapterContext& ctx, AdapterOutput& out) {
    FieldReader r(out.errors, "");
    std::optional<std::string> chat, thread;
    if (!chat_ids(payload, r, chat, thread, false)) {
      out.rejected = 1;
      return;
    }
    const json* to = r.object(member(payload, "transferred_to"), "payload.transferred_to");
    const auto reason = r.text(member(payload, "reason"), "payload.reason");
    if (r.failed()) {
      out.rejected = 1;
      return;
    }
    std::string targets;  // "agent:<id>,group:<id>": part of the key (no timestamp in this webhook)
    bool to_agent = false, to_bot = false;
    if (to) {
      for (const char* key : {"agent_ids", "group_ids"}) {
        const json* list = member(*to, key);
        if (!list || !list->is_array()) continue;
        for (const auto& v : *list) {
          const auto id = adapters::id_text(&v);
          if (!id) continue;
          if (key[0] == 'a') (role_of_id(*id) == Role::Bot ? to_bot : to_agent) = true;
          targets += (targets.empty() ? "" : ",") + std::string(key[0] == 'a' ? "agent:" : "group:") + *id;
        }
      }
    }
    Interaction in = base(*chat, ctx.received_ms, "");
    in.role = Role::Agent;
    json props = json::object();
    if (reason) props["reason"] = *reason;
    // Handed to a human agent, or to a group (whose agents pick it up): escalated. Only to a bot: a marker.
    if (to_agent || (!to_bot && targets.find("group:") != std::string::npos)) {
      in.type = EventType::Handoff;
      in.escalated = true;
      in.name = "chat_transferred";
    } else {
      in.type = EventType::Track;
      in.name = "chat_transferred";
    }
    std::string queued;
    if (const auto q = adapters::string_value(at_path(payload, {"queue", "queued_at_us"}))) queued = *q;
    in.id = adapters::make_id(
        kPlatform, {*chat, thread.value_or(""), "transferred", reason.value_or(""), targets, queued});
    push(out, std::move(in), r, "chat_transferred", std::move(props));
  }

  // The thread was closed (by an agent, the customer or the router): the conversation ended.
  static void chat_deactivated(const json& payload, const AdapterContext& ctx, AdapterOutput& out) {
    FieldReader r(out.errors, "");
    std::optional<std::string> chat, thread;
    if (!chat_ids(payload, r, chat, thread, true)) {
      out.rejected = 1;
      return;
    }
    const auto user = r.id(member(payload, "user_id"), "payload.user_id");
    if (r.failed()) {
      out.rejected = 1;
      return;
    }
    const Role by = user ? role_of_id(*user) : Role::Bot;  // no user_id: closed by the router
    Interaction in = base(*chat, ctx.received_ms, by == Role::User ? *user : "");
    in.type = EventType::Track;
    in.name = "chat.closed";
    in.role = by;
    in.id = adapters::make_id(kPlatform, {*chat, *thread, "deactivated"});
    push(out, std::move(in), r, "chat_deactivated");
  }

  // thread_properties_updated / chat_properties_updated with the "rating" namespace: thumbs up (score 1)
  // is rating 5, thumbs down (score 0) rating 1; a comment alone is feedback without a rating. Other
  // properties are ignored.
  static void rating(const std::string& action, const json& payload, const AdapterContext& ctx,
                     AdapterOutput& out) {
    FieldReader r(out.errors, "");
    std::optional<std::string> chat, thread;
    if (!chat_ids(payload, r, chat, thread, false)) {
      out.rejected = 1;
      return;
    }
    const json* given = at_path(payload, {"properties", "rating"});
    if (!given || !given->is_object()) return;  // other properties: ignored
    FieldReader fr(out.errors, "payload.properties.rating.");
    const json* score = member(*given, "score");
    std::optional<int> value;
    if (score) {
      if (score->is_number_integer() && (score->get<int64_t>() == 0 || score->get<int64_t>() == 1))
        value = score->get<int64_t>() == 1 ? 5 : 1;
      else
        fr.fail("score", "must be 0 (thumbs down) or 1 (thumbs up)");
    }
    const auto comment = fr.text(member(*given, "comment"), "comment");
    if (fr.failed()) {
      out.rejected = 1;
      return;
    }
    if (!value && (!comment || comment->empty())) return;  // the rating was cleared: nothing to record
    Interaction in = base(*chat, ctx.received_ms, "");
    in.type = EventType::Feedback;
    in.role = Role::User;
    in.rating = value;
    in.text = comment.value_or("");
    // Keyed by what was rated: a changed rating is a new answer, a redelivered one the same.
    in.id = value
                ? adapters::make_id(kPlatform, {*chat, thread.value_or(""), "rating", std::to_string(*value)})
                : adapters::make_id(kPlatform, {*chat, thread.value_or(""), "rating-comment",
                                                adapters::sha256_hex(in.text).substr(0, 16)});
    push(out, std::move(in), r, action);
  }
};

}  // namespace

std::unique_ptr<Adapter> make_livechat_adapter() {
  return std::make_unique<LiveChatAdapter>();
}

}  // namespace tp
