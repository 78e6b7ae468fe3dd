#include "ingest/adapters/chatwoot.h"

#include <cmath>

#include "ingest/adapters/adapter_util.h"
#include "util/time.h"

namespace tp {
namespace {

using adapters::at_path;
using adapters::FieldReader;
using adapters::json;
using adapters::member;

constexpr std::string_view kPlatform = "chatwoot";
// Where the contact's id is when none is found: the field a refusal names.
constexpr std::string_view kIdentityField = "conversation.meta.sender.id";

// A message's author, from sender.type; a message without a sender (automations, the CSAT survey, the
// greeting) is the customer's when incoming and the system's (a bot) otherwise.
Role role_of(const json* sender, std::string_view message_type) {
  const auto type = sender ? adapters::string_value(member(*sender, "type")) : std::nullopt;
  if (type == "contact") return Role::User;
  if (type == "user") return Role::Agent;
  if (type == "agent_bot") return Role::Bot;
  // No sender, or one of a kind not listed (AI assistants): the direction decides.
  return message_type == "incoming" ? Role::User : Role::Bot;
}

// message_type is the enum's name in webhook payloads ("incoming") and its number in the push payloads some
// relays forward (0 incoming, 1 outgoing, 2 activity, 3 template).
std::optional<std::string> message_type_of(const json* v, FieldReader& r) {
  if (!v) return std::nullopt;
  if (v->is_string()) return v->get<std::string>();
  static constexpr std::string_view kNames[] = {"incoming", "outgoing", "activity", "template"};
  if (v->is_number_integer() && v->get<int64_t>() >= 0 && v->get<int64_t>() < 4)
    return std::string(kNames[v->get<int64_t>()]);
  r.fail("message_type", "must be incoming, outgoing, activity or template");
  return std::nullopt;
}

// Rails serialises created_at as ISO 8601 ("2021-07-23T18:02:48.000Z"); the hand-written sample in
// Chatwoot's guide shows "2020-03-03 13:05:57 UTC", accepted too.
std::optional<int64_t> time_of(const json* v, std::string_view field, FieldReader& r) {
  if (v && v->is_string()) {
    std::string s = v->get<std::string>();
    constexpr std::string_view kUtc = " UTC";
    if (s.size() > kUtc.size() && s.compare(s.size() - kUtc.size(), kUtc.size(), kUtc) == 0)
      s.replace(s.size() - kUtc.size(), kUtc.size(), "Z");
    if (const auto ms = parse_rfc3339_ms(s)) return ms;
  }
  return r.time_ms(v, field);
}

// The contact of a conversation payload: Chatwoot's contact id (anonymous_id) and the identifier your app
// set for it (customer_id), from meta.sender, else the contact_inbox.
void identify(const json& conversation, Interaction& in) {
  if (const json* contact = at_path(conversation, {"meta", "sender"})) {
    in.anonymous_id = adapters::id_text(member(*contact, "id")).value_or("");
    in.customer_id = adapters::id_text(member(*contact, "identifier")).value_or("");
  }
  if (in.anonymous_id.empty())
    in.anonymous_id = adapters::first_id(conversation, {{"contact_inbox", "contact_id"}}).value_or("");
}

// The CSAT answer recorded on an input_csat message:
// content_attributes.submitted_values.csat_survey_response.
const json* csat_response(const json& message) {
  return at_path(message, {"content_attributes", "submitted_values", "csat_survey_response"});
}

class ChatwootAdapter final : public Adapter {
 public:
  AdapterOutput translate(const json& p, const AdapterContext& ctx) const override {
    AdapterOutput out;
    FieldReader r(out.errors, "");
    if (!p.is_object()) {
      r.fail("", "a Chatwoot webhook body must be a JSON object");
      out.rejected = 1;
      return out;
    }
    const auto event = r.text(member(p, "event"), "event", true);
    if (r.failed()) {
      out.rejected = 1;
      return out;
    }
    if (*event == "message_created" || *event == "message_updated")
      message_event(p, *event, ctx, out);
    else if (*event == "conversation_status_changed" || *event == "conversation_resolved")
      status_event(p, *event, ctx, out);
    else
      out.ignored = 1;  // typing, conversation_created/updated, contact_*, inbox_*, webwidget_triggered...
    return out;
  }

 private:
  static void push(AdapterOutput& out, Interaction in, FieldReader& r, json props) {
    props["platform"] = kPlatform;
    in.channel = "helpdesk";
    in.properties_json = adapters::properties_text(std::move(props));
    if (!adapters::finish(in, r, kIdentityField)) {
      ++out.rejected;
      return;
    }
    out.interactions.push_back(std::move(in));
  }

  // message_created / message_updated: the message's webhook_data, its conversation inside.
  static void message_event(const json& p, const std::string& event, const AdapterContext& ctx,
                            AdapterOutput& out) {
    FieldReader r(out.errors, "");
    const auto message_id = r.id(member(p, "id"), "id", true);
    const json* conversation = r.object(member(p, "conversation"), "conversation", true);
    std::optional<std::string> conv;
    if (conversation) conv = r.id(member(*conversation, "id"), "conversation.id", true);
    const auto message_type = message_type_of(member(p, "message_type"), r);
    const auto is_private = r.boolean(member(p, "private"), "private");
    const auto content = r.text(member(p, "content"), "content");
    const auto content_type = r.text(member(p, "content_type"), "content_type");
    const json* sender = r.object(member(p, "sender"), "sender");
    const auto created = time_of(member(p, "created_at"), "created_at", r);
    if (r.failed()) {
      out.rejected = 1;
      return;
    }
    if (is_private.value_or(false) || message_type == "activity") {
      out.ignored = 1;  // internal notes; "conversation was resolved by ..." activity lines
      return;
    }
    Interaction base;
    base.session_id = *conv;  // the display id, as the dashboard shows it (unique per account)
    identify(*conversation, base);
    if (base.anonymous_id.empty() && role_of(sender, message_type.value_or("")) == Role::User && sender)
      base.anonymous_id = adapters::id_text(member(*sender, "id")).value_or("");
    if (base.anonymous_id.empty())
      base.anonymous_id = adapters::first_id(p, {{"contact", "id"}}).value_or("");  // older payloads
    base.timestamp_ms = created.value_or(ctx.received_ms);
    json props = {{"event", event}, {"content_type", content_type.value_or("text")}};
    if (const auto channel = adapters::string_value(member(*conversation, "channel")))
      props["inbox_channel"] = *channel;

    if (event == "message_updated") {
      // Only a CSAT answer makes an update an interaction; edits and delivery/read status updates do not.
      const json* answer = content_type == "input_csat" ? csat_response(p) : nullptr;
      if (!answer) {
        out.ignored = 1;
        return;
      }
      FieldReader cr(out.errors, "content_attributes.submitted_values.csat_survey_response.");
      const json* rating = member(*answer, "rating");
      const bool whole = rating && rating->is_number() && std::isfinite(rating->get<double>()) &&
                         rating->get<double>() == std::trunc(rating->get<double>()) &&
                         rating->get<double>() >= 1 && rating->get<double>() <= 5;
      if (!whole) cr.fail("rating", rating ? "must be a whole number from 1 to 5" : "is required");
      const auto feedback = cr.text(member(*answer, "feedback_message"), "feedback_message");
      if (cr.failed()) {
        out.rejected = 1;
        return;
      }
      Interaction in = base;
      in.type = EventType::Feedback;
      in.role = Role::User;
      in.rating = static_cast<int>(rating->get<double>());
      in.text = feedback.value_or("");
      // Answered now, not when the survey was sent: the conversation is touched by the answer.
      if (const json* updated = member(*conversation, "updated_at"); updated && updated->is_number())
        in.timestamp_ms = adapters::epoch_to_ms(updated->get<double>()).value_or(ctx.received_ms);
      else
        in.timestamp_ms = ctx.received_ms;
      in.id = adapters::make_id(kPlatform, {*conv, "csat", *message_id});
      push(out, std::move(in), cr, std::move(props));
      return;
    }

    if (!content || content->empty()) {
      out.ignored = 1;  // attachments only, cards and forms without text
      return;
    }
    Interaction in = base;
    in.type = EventType::Message;
    in.role = role_of(sender, message_type.value_or(""));
    in.text = *content;
    in.id = adapters::make_id(kPlatform, {*conv, "msg", *message_id});
    push(out, std::move(in), r, std::move(props));
  }

  // conversation_status_changed (with changed_attributes [{"status": {previous_value, current_value}}]) and
  // the older conversation_resolved: the conversation's webhook_data at the top level.
  static void status_event(const json& p, const std::string& event, const AdapterContext& ctx,
                           AdapterOutput& out) {
    FieldReader r(out.errors, "");
    const auto conv = r.id(member(p, "id"), "id", true);
    const auto status = r.text(member(p, "status"), "status", event == "conversation_status_changed");
    const json* changes = r.array(member(p, "changed_attributes"), "changed_attributes");
    if (r.failed()) {
      out.rejected = 1;
      return;
    }
    std::string previous, current = status.value_or("");
    if (event == "conversation_resolved") {
      current = "resolved";  // its status member is not always updated yet (Chatwoot's own sample: "open")
    } else if (changes) {
      for (const auto& change : *changes) {
        const json* s = member(change, "status");
        if (!s) continue;
        previous = adapters::string_value(member(*s, "previous_value")).value_or("");
        current = adapters::string_value(member(*s, "current_value")).value_or(current);
      }
    }
    Interaction in;
    in.session_id = *conv;
    identify(p, in);
    // updated_at (fractional seconds) is the change itself; older payloads only have the last activity.
    std::optional<int64_t> when;
    if (const json* updated = member(p, "updated_at"); updated && updated->is_number())
      when = adapters::epoch_to_ms(updated->get<double>());
    if (const json* ts = member(p, "timestamp"); !when && ts && ts->is_number())
      when = adapters::epoch_to_ms(ts->get<double>());
    in.timestamp_ms = when.value_or(ctx.received_ms);
    // The key must not change on a redelivery: the payload's own time, else the verified webhook-id.
    std::string key;
    if (when)
      key = std::to_string(*when);
    else if (const auto hook = adapters::webhook_id_key(ctx, 0, 1))
      key = *hook;
    json props = {{"event", event}, {"to", current}};
    if (!previous.empty()) props["from"] = previous;
    if (const auto channel = adapters::string_value(member(p, "channel"))) props["inbox_channel"] = *channel;

    std::string what;
    if (previous == "pending" && current == "open") {
      // The bot let go of the conversation: a human takes it from here.
      in.type = EventType::Handoff;
      in.escalated = true;
      in.name = "conversation.handoff";
      what = "handoff";
    } else if (current == "resolved") {
      in.type = EventType::Track;
      in.name = "conversation.resolved";
      what = "resolved";
    } else if (previous == "resolved" && current == "open") {
      in.type = EventType::Track;
      in.name = "conversation.reopened";
      what = "reopened";
    } else {
      out.ignored = 1;  // snoozed, back to pending, open without the previous status
      return;
    }
    if (key.empty()) {
      r.missing("updated_at", "is required (it keys the status change)");
      out.rejected = 1;
      return;
    }
    in.id = adapters::make_id(kPlatform, {*conv, what, key});
    push(out, std::move(in), r, std::move(props));
  }
};

}  // namespace

std::unique_ptr<Adapter> make_chatwoot_adapter() {
  return std::make_unique<ChatwootAdapter>();
}

}  // namespace tp
