#include "ingest/adapters/crisp.h"

#include <cmath>

#include "ingest/adapters/adapter_util.h"

namespace tp {
namespace {

using adapters::FieldReader;
using adapters::json;
using adapters::member;

constexpr std::string_view kPlatform = "crisp";

// The words of a message: a text message's content, or the text of a picker, field or carousel (their
// content is an object with a "text"). Files, animations, audio and events carry none.
std::string text_of(std::string_view type, const json* content) {
  if (!content) return "";
  if (type == "text") return adapters::string_value(content).value_or("");
  if (type == "picker" || type == "field" || type == "carousel")
    return adapters::string_value(member(*content, "text")).value_or("");
  return "";
}

// An operator's message is a bot's when a plugin sent it (origin "urn:<plugin urn>", as Crisp's bot
// integrations do) or it is marked automated; people's messages come from "chat", "email" and the channels.
Role operator_role(const json& data) {
  const auto origin = adapters::string_value(member(data, "origin")).value_or("");
  const json* automated = member(data, "automated");
  if (origin.rfind("urn:", 0) == 0 || (automated && automated->is_boolean() && automated->get<bool>()))
    return Role::Bot;
  return Role::Agent;
}

class CrispAdapter final : public Adapter {
 public:
  AdapterOutput translate(const json& p, const AdapterContext& ctx) const override {
    AdapterOutput out;
    FieldReader r(out.errors, "");
    if (!p.is_object()) {
      r.fail("", "a Crisp web hook body must be a JSON object");
      out.rejected = 1;
      return out;
    }
    const auto event = r.text(member(p, "event"), "event", true);
    if (r.failed()) {
      out.rejected = 1;
      return out;
    }
    const bool message = *event == "message:send" || *event == "message:received";
    if (!message && *event != "session:set_state" && *event != "session:set_routing" &&
        *event != "session:sync:rating") {
      // Typing (message:compose:*), receipts (message:acknowledge:*), the visitor's device and pages
      // (session:sync:*), profile and people events...
      out.ignored = 1;
      return out;
    }
    const json* data = r.object(member(p, "data"), "data", true);
    std::optional<std::string> session;
    if (data) session = r.id(member(*data, "session_id"), "data.session_id", true);
    const auto sent = r.time_ms(member(p, "timestamp"), "timestamp");  // milliseconds
    if (r.failed()) {
      out.rejected = 1;
      return out;
    }
    // A Crisp session is one conversation with one visitor; its id is the only identity a hook carries.
    Interaction base;
    base.session_id = *session;
    base.anonymous_id = *session;
    base.channel = "helpdesk";
    base.timestamp_ms = sent.value_or(ctx.received_ms);
    json props = {{"platform", kPlatform}, {"event", *event}};
    auto website = adapters::id_text(member(p, "website_id"));
    if (!website) website = adapters::id_text(member(*data, "website_id"));
    if (website) props["website_id"] = *website;
    // The keys of state, routing and rating changes: the hook's own time, else the verified webhook-id.
    std::string key;
    if (sent)
      key = std::to_string(*sent);
    else if (const auto hook = adapters::webhook_id_key(ctx, 0, 1))
      key = *hook;

    if (message) {
      message_event(*data, *event, base, std::move(props), out);
    } else if (key.empty()) {
      r.missing("timestamp", "is required (it keys the event)");
      out.rejected = 1;
    } else if (*event == "session:set_state") {
      const auto state = r.text(member(*data, "state"), "data.state", true);
      if (r.failed()) {
        out.rejected = 1;
      } else if (*state != "resolved") {
        out.ignored = 1;  // pending, unresolved: nothing happened to the customer
      } else {
        Interaction in = base;
        in.type = EventType::Track;
        in.name = "conversation.resolved";
        in.id = adapters::make_id(kPlatform, {*session, "resolved", key});
        emit(out, std::move(in), r, std::move(props));
      }
    } else if (*event == "session:set_routing") {
      const auto to = adapters::id_text(member(*data, "routing_id"));
      const auto from = adapters::id_text(member(*data, "previous_routing_id"));
      if (!to) {
        out.ignored = 1;  // unassigned
        return out;
      }
      Interaction in = base;
      // Routed to an operator: a hand-off when nobody had it; from one operator to another, a transfer.
      if (!from) {
        in.type = EventType::Handoff;
        in.escalated = true;
        in.name = "conversation.routed";
      } else {
        in.type = EventType::Track;
        in.name = "conversation.transferred";
      }
      in.role = Role::Agent;
      in.id = adapters::make_id(kPlatform, {*session, "routing", *to, key});
      emit(out, std::move(in), r, std::move(props));
    } else {  // session:sync:rating
      FieldReader rr(out.errors, "data.rating.");
      const json* rating = rr.object(member(*data, "rating"), "", true);
      const json* stars = rating ? member(*rating, "stars") : nullptr;
      const bool whole = stars && stars->is_number() && std::isfinite(stars->get<double>()) &&
                         stars->get<double>() == std::trunc(stars->get<double>()) &&
                         stars->get<double>() >= 1 && stars->get<double>() <= 5;
      if (rating && !whole) rr.fail("stars", stars ? "must be a whole number from 1 to 5" : "is required");
      const auto comment = rating ? rr.text(member(*rating, "comment"), "comment") : std::nullopt;
      if (rr.failed()) {
        out.rejected = 1;
        return out;
      }
      Interaction in = base;
      in.type = EventType::Feedback;
      in.role = Role::User;
      in.rating = static_cast<int>(stars->get<double>());
      in.text = comment.value_or("");
      in.id = adapters::make_id(kPlatform, {*session, "rating", key});
      emit(out, std::move(in), rr, std::move(props));
    }
    return out;
  }

 private:
  static void emit(AdapterOutput& out, Interaction in, FieldReader& r, json props) {
    in.properties_json = adapters::properties_text(std::move(props));
    if (!adapters::finish(in, r, "data.session_id")) {
      ++out.rejected;
      return;
    }
    out.interactions.push_back(std::move(in));
  }

  // message:send (the visitor's) and message:received (an operator's): {type, from, origin, content,
  // fingerprint, timestamp, user: {user_id, nickname}}.
  static void message_event(const json& data, const std::string& event, Interaction base, json props,
                            AdapterOutput& out) {
    FieldReader r(out.errors, "data.");
    const auto fingerprint = r.id(member(data, "fingerprint"), "fingerprint", true);
    const auto type = r.text(member(data, "type"), "type", true);
    const auto from = r.text(member(data, "from"), "from");
    const auto at = r.time_ms(member(data, "timestamp"), "timestamp");
    if (r.failed()) {
      out.rejected = 1;
      return;
    }
    if (*type == "note" || *type == "event") {
      out.ignored = 1;  // private notes between operators; system events in the thread
      return;
    }
    Interaction in = std::move(base);
    in.type = EventType::Message;
    in.text = truncate_utf8(text_of(*type, member(data, "content")), adapters::kMaxTextBytes);
    if (in.text.empty()) {
      out.ignored = 1;  // files, animations, audio: no words to keep
      return;
    }
    // "from" says who wrote it; the event name decides when it is missing.
    const bool by_user = from ? *from == "user" : event == "message:send";
    in.role = by_user ? Role::User : operator_role(data);
    if (at) in.timestamp_ms = *at;
    in.id = adapters::make_id(kPlatform, {in.session_id, "msg", *fingerprint});
    props["type"] = *type;
    if (const auto origin = adapters::string_value(member(data, "origin"))) props["origin"] = *origin;
    emit(out, std::move(in), r, std::move(props));
  }
};

}  // namespace

std::unique_ptr<Adapter> make_crisp_adapter() {
  return std::make_unique<CrispAdapter>();
}

}  // namespace tp
