#include "ingest/adapters/zendesk.h"

#include "ingest/adapters/adapter_util.h"

namespace tp {
namespace {

using adapters::at_path;
using adapters::FieldReader;
using adapters::json;
using adapters::member;

constexpr std::string_view kPlatform = "zendesk";
constexpr std::string_view kEventTypePrefix = "zen:event-type:";

// Trigger placeholders render as text, so booleans may arrive as "true"/"false".
bool is_false(const json* v) {
  if (!v) return false;
  if (v->is_boolean()) return !v->get<bool>();
  if (v->is_string()) return adapters::ascii_lower_copy(v->get_ref<const std::string&>()) == "false";
  return false;
}

// CSAT: "good" -> 5, "bad" -> 1 (also the rendered "Good, I'm satisfied" / "Bad, I'm unsatisfied");
// "offered", "unoffered" and anything else carry no rating.
std::optional<int> rating_of(std::string_view score) {
  const std::string s = adapters::ascii_lower_copy(score);
  if (s.rfind("good", 0) == 0) return 5;
  if (s.rfind("bad", 0) == 0) return 1;
  return std::nullopt;
}

class ZendeskAdapter final : public Adapter {
 public:
  AdapterOutput translate(const json& p, const AdapterContext& ctx) const override {
    AdapterOutput out;
    FieldReader r(out.errors, "");
    if (!p.is_object()) {
      r.fail("", "a Zendesk webhook body must be a JSON object");
      out.rejected = 1;
      return out;
    }
    const auto type = adapters::string_value(member(p, "type"));
    if (type && type->rfind(kEventTypePrefix, 0) == 0) {
      event_webhook(p, type->substr(kEventTypePrefix.size()), ctx, out);
    } else if (member(p, "ticket")) {
      trigger_webhook(p, ctx, out);
    } else {
      r.missing("ticket", "is required (or an event webhook's \"type\": \"zen:event-type:...\")");
      out.rejected = 1;
    }
    return out;
  }

 private:
  static void push(AdapterOutput& out, Interaction in, FieldReader& r, std::string_view identity_field,
                   json props) {
    adapters::push_interaction(out, std::move(in), r, kPlatform, "helpdesk", identity_field,
                               std::move(props));
  }

  // Event webhooks: {"type": "zen:event-type:ticket.comment_added", "id", "time", "detail": {ticket},
  // "event": {...}}.
  static void event_webhook(const json& p, const std::string& event_type, const AdapterContext& ctx,
                            AdapterOutput& out) {
    FieldReader r(out.errors, "");
    if (event_type.rfind("ticket.", 0) != 0) {
      out.ignored = 1;  // user, organization, article, community, agent availability events
      return;
    }
    const auto event_id = r.id(member(p, "id"), "id", true);
    const auto time = r.time_ms(member(p, "time"), "time");
    const json* detail = r.object(member(p, "detail"), "detail", true);
    const json* event = r.object(member(p, "event"), "event");
    std::optional<std::string> ticket, requester, description, subject;
    if (detail) {
      ticket = r.id(member(*detail, "id"), "detail.id", true);
      requester = r.id(member(*detail, "requester_id"), "detail.requester_id");
      description = r.text(member(*detail, "description"), "detail.description");
      subject = r.text(member(*detail, "subject"), "detail.subject");
    }
    if (r.failed()) {
      out.rejected = 1;
      return;
    }
    Interaction base;
    base.session_id = *ticket;
    base.customer_id = requester.value_or("");
    base.timestamp_ms = time.value_or(ctx.received_ms);
    json props = {{"event", event_type}};
    if (const auto channel = adapters::string_value(at_path(*detail, {"via", "channel"})))
      props["via"] = *channel;

    if (event_type == "ticket.created") {
      Interaction in = base;
      in.type = EventType::Message;
      in.role = Role::User;
      in.text = description.value_or("");
      if (in.text.empty()) in.text = subject.value_or("");
      in.id = adapters::make_id(kPlatform, {*ticket, "created"});
      push(out, std::move(in), r, "detail.requester_id", props);
    } else if (event_type == "ticket.comment_added") {
      const json* comment = event ? r.object(member(*event, "comment"), "event.comment", true) : nullptr;
      if (!event) r.missing("event.comment");
      if (!comment) {
        out.rejected = 1;
        return;
      }
      const auto comment_id = r.id(member(*comment, "id"), "event.comment.id", true);
      const auto body = r.text(member(*comment, "body"), "event.comment.body");
      const auto author = adapters::id_text(at_path(*comment, {"author", "id"}));
      const auto staff =
          r.boolean(at_path(*comment, {"author", "is_staff"}), "event.comment.author.is_staff");
      if (r.failed()) {
        out.rejected = 1;
        return;
      }
      if (is_false(member(*comment, "is_public"))) {
        out.ignored = 1;  // an internal note
        return;
      }
      if (body && description && *body == *description) {
        out.ignored = 1;  // the opening comment: stored from ticket.created
        return;
      }
      Interaction in = base;
      in.type = EventType::Message;
      // The requester speaks as the user; otherwise staff are agents (an unknown author: an agent when the
      // requester is known and differs).
      if (author && requester && *author == *requester)
        in.role = Role::User;
      else if (staff)
        in.role = *staff ? Role::Agent : Role::User;
      else
        in.role = author && requester ? Role::Agent : Role::User;
      in.text = body.value_or("");
      in.id = adapters::make_id(kPlatform, {*ticket, "comment", *comment_id});
      push(out, std::move(in), r, "detail.requester_id", props);
    } else if (event_type == "ticket.status_changed") {
      const auto current = event ? adapters::string_value(member(*event, "current")) : std::nullopt;
      const std::string status = adapters::ascii_lower_copy(current.value_or(""));
      if (status != "solved" && status != "closed") {
        out.ignored = 1;
        return;
      }
      Interaction in = base;
      in.type = EventType::Track;
      in.name = "ticket." + status;
      in.id = adapters::make_id(kPlatform, {*ticket, status, *event_id});
      push(out, std::move(in), r, "detail.requester_id", props);
    } else {
      out.ignored = 1;  // assignment, priority, tags, custom fields, ... changes
    }
  }

  // Trigger/automation webhooks with the JSON body documented in docs/adapters.md:
  // {"event": "...", "ticket": {"id", "status", "updated_at", "description", "requester": {"id",
  // "external_id"},
  //  "latest_comment": {"id", "value", "is_public", "author": {"id", "role"}}, "satisfaction_rating":
  //  {...}}}.
  static void trigger_webhook(const json& p, const AdapterContext& ctx, AdapterOutput& out) {
    FieldReader r(out.errors, "");
    const auto event = r.text(member(p, "event"), "event");
    const json* t = r.object(member(p, "ticket"), "ticket", true);
    if (!t) {
      out.rejected = 1;
      return;
    }
    const auto ticket = r.id(member(*t, "id"), "ticket.id", true);
    const auto status = r.text(member(*t, "status"), "ticket.status");
    const auto updated = r.time_ms(member(*t, "updated_at"), "ticket.updated_at");
    const auto description = r.text(member(*t, "description"), "ticket.description");
    std::optional<std::string> requester, external;
    if (const json* req = r.object(member(*t, "requester"), "ticket.requester")) {
      requester = r.id(member(*req, "id"), "ticket.requester.id");
      external = adapters::id_text(member(*req, "external_id"));
    }
    if (!requester) requester = r.id(member(*t, "requester_id"), "ticket.requester_id");
    if (r.failed()) {
      out.rejected = 1;
      return;
    }
    Interaction base;
    base.session_id = *ticket;
    base.customer_id = external ? *external : requester.value_or("");
    if (external && requester) base.anonymous_id = *requester;  // links Zendesk's user id to the app's
    base.timestamp_ms = updated.value_or(ctx.received_ms);
    const std::string ev = event.value_or("");
    json props = {{"event", ev}};
    if (const auto via = adapters::string_value(member(*t, "via"))) props["via"] = *via;
    const size_t before = out.interactions.size() + out.rejected;

    // The latest comment, when public.
    if (const json* c = r.object(member(*t, "latest_comment"), "ticket.latest_comment")) {
      FieldReader cr(out.errors, "ticket.latest_comment.");
      auto text = cr.text(member(*c, "value"), "value");
      if (!text) text = cr.text(member(*c, "body"), "body");
      const auto comment_id = cr.id(member(*c, "id"), "id");
      const auto created = cr.time_ms(member(*c, "created_at"), "created_at");
      auto author = adapters::id_text(at_path(*c, {"author", "id"}));
      if (!author) author = adapters::id_text(member(*c, "author_id"));
      const auto author_role = adapters::string_value(at_path(*c, {"author", "role"}));
      if (cr.failed()) {
        ++out.rejected;
      } else if (is_false(member(*c, "is_public"))) {
        ++out.ignored;
      } else if (text && !text->empty()) {
        Interaction in = base;
        in.type = EventType::Message;
        if (author && requester)
          in.role = *author == *requester ? Role::User : Role::Agent;
        else if (author_role)
          in.role = *author_role == "end-user" ? Role::User : Role::Agent;
        else if (ev == "ticket.created")
          in.role = Role::User;
        in.text = *text;
        if (created) in.timestamp_ms = *created;
        in.id = adapters::make_id(
            kPlatform,
            {*ticket, "comment", comment_id ? *comment_id : adapters::sha256_hex(*text).substr(0, 16)});
        push(out, std::move(in), cr, "ticket.requester.id", props);
      }
    } else if (ev == "ticket.created" && description && !description->empty()) {
      Interaction in = base;
      in.type = EventType::Message;
      in.role = Role::User;
      in.text = *description;
      in.id = adapters::make_id(kPlatform, {*ticket, "created"});
      push(out, std::move(in), r, "ticket.requester.id", props);
    }

    // A satisfaction rating: good -> 5, bad -> 1.
    if (const json* s = r.object(member(*t, "satisfaction_rating"), "ticket.satisfaction_rating")) {
      FieldReader sr(out.errors, "ticket.satisfaction_rating.");
      const auto score = sr.text(member(*s, "score"), "score");
      const auto comment = sr.text(member(*s, "comment"), "comment");
      const auto rating_id = sr.id(member(*s, "id"), "id");
      if (sr.failed()) {
        ++out.rejected;
      } else if (const auto rating = score ? rating_of(*score) : std::nullopt) {
        Interaction in = base;
        in.type = EventType::Feedback;
        in.role = Role::User;
        in.rating = rating;
        in.text = comment.value_or("");
        in.id = adapters::make_id(kPlatform,
                                  {*ticket, "rating", rating_id ? *rating_id : std::to_string(*rating)});
        push(out, std::move(in), sr, "ticket.requester.id", props);
      }
    }

    // Solved: a marker, once per solve (keyed by the update time).
    if (ev == "ticket.solved" || adapters::ascii_lower_copy(status.value_or("")) == "solved") {
      Interaction in = base;
      in.type = EventType::Track;
      in.name = "ticket.solved";
      in.id = adapters::make_id(kPlatform, {*ticket, "solved", updated ? std::to_string(*updated) : "0"});
      push(out, std::move(in), r, "ticket.requester.id", props);
    }
    if (out.interactions.size() + out.rejected == before && out.ignored == 0) out.ignored = 1;
  }
};

}  // namespace

std::unique_ptr<Adapter> make_zendesk_adapter() {
  return std::make_unique<ZendeskAdapter>();
}

}  // namespace tp
