#include "ingest/adapters/intercom.h"

#include <cmath>

#include "ingest/adapters/adapter_util.h"
#include "util/text.h"

namespace tp {
namespace {

using adapters::at_path;
using adapters::FieldReader;
using adapters::json;
using adapters::member;

constexpr std::string_view kPlatform = "intercom";
constexpr std::string_view kParts = "data.item.conversation_parts.conversation_parts";

Role role_of_author(const json* author) {
  const auto type = author ? adapters::string_value(member(*author, "type")) : std::nullopt;
  if (!type) return Role::None;
  if (*type == "user" || *type == "lead" || *type == "contact") return Role::User;
  if (*type == "bot") return Role::Bot;
  return Role::Agent;  // admin, team
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

class IntercomAdapter final : public Adapter {
 public:
  AdapterOutput translate(const json& p, const AdapterContext& ctx) const override {
    AdapterOutput out;
    FieldReader r(out.errors, "");
    if (!p.is_object()) {
      r.fail("", "an Intercom webhook notification must be a JSON object");
      out.rejected = 1;
      return out;
    }
    if (const auto type = r.text(member(p, "type"), "type", true); type && *type != "notification_event")
      r.fail("type", "must be notification_event");
    const auto topic = r.text(member(p, "topic"), "topic", true);
    if (r.failed()) {
      out.rejected = 1;
      return out;
    }
    // Pings (sent when the webhook is saved or tested) and non-conversation topics carry no interaction.
    if (*topic == "ping" || topic->rfind("conversation.", 0) != 0) {
      out.ignored = 1;
      return out;
    }
    const json* item = nullptr;
    if (const json* data = r.object(member(p, "data"), "data", true))
      item = r.object(member(*data, "item"), "data.item", true);
    std::optional<std::string> conv;
    if (item) conv = r.id(member(*item, "id"), "data.item.id", true);
    if (r.failed()) {
      out.rejected = 1;
      return out;
    }

    // Identity: Intercom's contact id (anonymous_id) and, when the contact is a known user of the app, the
    // app's own user id (customer_id): API 2.x item.contacts.contacts[0] {id, external_id}; 1.x item.user
    // {id, user_id}.
    Interaction base;
    base.channel = "helpdesk";
    base.session_id = *conv;
    const json* contact = nullptr;
    if (const json* list = at_path(*item, {"contacts", "contacts"});
        list && list->is_array() && !list->empty())
      contact = &(*list)[0];
    std::string identity_field = "data.item.contacts";
    if (contact) {
      base.anonymous_id = adapters::id_text(member(*contact, "id")).value_or("");
      base.customer_id = adapters::id_text(member(*contact, "external_id")).value_or("");
    } else if (const json* user = member(*item, "user")) {
      identity_field = "data.item.user";
      base.anonymous_id = adapters::id_text(member(*user, "id")).value_or("");
      base.customer_id = adapters::id_text(member(*user, "user_id")).value_or("");
    }
    if (base.anonymous_id.empty() && base.customer_id.empty()) {
      // The opening message's author is the contact when nothing else names one.
      const json* author = at_path(*item, {"source", "author"});
      if (!author) author = at_path(*item, {"conversation_message", "author"});
      if (author && role_of_author(author) == Role::User)
        base.anonymous_id = adapters::id_text(member(*author, "id")).value_or("");
    }
    const int64_t item_time = optional_time(member(*item, "updated_at"))
                                  .value_or(optional_time(member(p, "created_at")).value_or(ctx.received_ms));

    auto emit = [&](Interaction in, FieldReader& fr, std::string_view part_type) {
      json props = {{"platform", kPlatform}, {"topic", *topic}};
      if (!part_type.empty()) props["part_type"] = part_type;
      in.properties_json = adapters::properties_text(props);
      if (!adapters::finish(in, fr, identity_field)) {
        ++out.rejected;
        return;
      }
      out.interactions.push_back(std::move(in));
    };

    // The opening message, on the *.created topics only (every notification repeats it).
    if (ends_with(*topic, ".created")) {
      const char* field = member(*item, "source") ? "data.item.source" : "data.item.conversation_message";
      if (const json* source =
              member(*item, "source") ? member(*item, "source") : member(*item, "conversation_message")) {
        FieldReader fr(out.errors, std::string(field) + ".");
        if (!source->is_object()) {
          fr.fail("", "must be an object");
          ++out.rejected;
        } else {
          Interaction in = base;
          in.type = EventType::Message;
          in.role = role_of_author(member(*source, "author"));
          const auto body = fr.text(member(*source, "body"), "body");
          const auto subject = fr.text(member(*source, "subject"), "subject");
          in.text = adapters::html_to_text(body.value_or(""));
          if (in.text.empty()) in.text = subject.value_or("");
          in.timestamp_ms = optional_time(member(*item, "created_at")).value_or(item_time);
          const auto mid = adapters::id_text(member(*source, "id"));
          in.id = adapters::make_id(kPlatform, {*conv, "message", mid.value_or("source")});
          if (fr.failed())
            ++out.rejected;
          else
            emit(std::move(in), fr, "");
        }
      }
    }

    // The conversation parts in this notification (replies, assignments, closes, notes...).
    bool assigned = false, closed = false;
    const json* parts = nullptr;
    if (const json* holder = member(*item, "conversation_parts")) {
      if (holder->is_object())
        parts = r.array(member(*holder, "conversation_parts"), kParts);
      else if (holder->is_array())
        parts = holder;  // tolerate a bare list
      else
        r.fail("data.item.conversation_parts", "must be an object");
    }
    if (parts) {
      for (size_t j = 0; j < parts->size(); ++j) {
        const json& part = (*parts)[j];
        FieldReader fr(out.errors, std::string(kParts) + "[" + std::to_string(j) + "].");
        if (!part.is_object()) {
          fr.fail("", "must be an object");
          ++out.rejected;
          continue;
        }
        const auto part_id = fr.id(member(part, "id"), "id", true);
        const auto part_type = fr.text(member(part, "part_type"), "part_type", true);
        const auto body = fr.text(member(part, "body"), "body");
        const auto created = fr.time_ms(member(part, "created_at"), "created_at");
        if (fr.failed()) {
          ++out.rejected;
          continue;
        }
        Interaction in = base;
        in.timestamp_ms = created.value_or(item_time);
        in.role = role_of_author(member(part, "author"));
        in.id = adapters::make_id(kPlatform, {*conv, "part", *part_id});
        if (part_type->find("assign") != std::string::npos) {
          const auto to = adapters::string_value(at_path(part, {"assigned_to", "type"}));
          if (!to || (*to != "admin" && *to != "team")) {
            ++out.ignored;  // unassigned ("nobody_admin")
            continue;
          }
          in.type = EventType::Handoff;  // handed to a teammate: escalated
          in.escalated = true;
          in.name = *part_type;
          assigned = true;
        } else if (*part_type == "close") {
          in.type = EventType::Track;
          in.name = "conversation.closed";
          closed = true;
        } else if (part_type->find("note") != std::string::npos) {
          ++out.ignored;  // internal notes never reach the customer
          continue;
        } else {
          in.text = adapters::html_to_text(body.value_or(""));
          if (in.text.empty()) {
            ++out.ignored;  // open, snoozed, attribute updates... without a body
            continue;
          }
          in.type = EventType::Message;
        }
        emit(std::move(in), fr, *part_type);
      }
    }

    // A rating (conversation.rating.added): 1..5 and the remark.
    if (*topic == "conversation.rating.added") {
      FieldReader fr(out.errors, "data.item.conversation_rating.");
      const json* rating = fr.object(member(*item, "conversation_rating"), "", true);
      if (rating) {
        const json* value = member(*rating, "rating");
        const bool whole = value && (value->is_number_integer() ||
                                     (value->is_number_float() && std::isfinite(value->get<double>()) &&
                                      value->get<double>() == std::trunc(value->get<double>())));
        if (!whole || value->get<double>() < 1 || value->get<double>() > 5)
          fr.fail("rating", value ? "must be a whole number from 1 to 5" : "is required");
        const auto remark = fr.text(member(*rating, "remark"), "remark");
        const auto created = fr.time_ms(member(*rating, "created_at"), "created_at");
        if (fr.failed()) {
          ++out.rejected;
        } else {
          Interaction in = base;
          in.type = EventType::Feedback;
          in.role = Role::User;
          in.rating = static_cast<int>(value->get<double>());
          in.text = remark.value_or("");
          in.timestamp_ms = created.value_or(item_time);
          in.id = adapters::make_id(kPlatform, {*conv, "rating", created ? std::to_string(*created) : "0"});
          emit(std::move(in), fr, "");
        }
      } else {
        ++out.rejected;
      }
    }
    // Topics whose change may come without its part.
    if (*topic == "conversation.admin.assigned" && !assigned && !r.failed()) {
      Interaction in = base;
      in.type = EventType::Handoff;
      in.escalated = true;
      in.role = Role::Agent;
      in.name = "assignment";
      in.timestamp_ms = item_time;
      in.id = adapters::make_id(kPlatform, {*conv, "assigned", std::to_string(item_time)});
      emit(std::move(in), r, "");
    }
    if (*topic == "conversation.admin.closed" && !closed && !r.failed()) {
      Interaction in = base;
      in.type = EventType::Track;
      in.role = Role::Agent;
      in.name = "conversation.closed";
      in.timestamp_ms = item_time;
      in.id = adapters::make_id(kPlatform, {*conv, "closed", std::to_string(item_time)});
      emit(std::move(in), r, "");
    }
    if (out.interactions.empty() && out.errors.empty()) out.ignored = std::max<size_t>(out.ignored, 1);
    return out;
  }

 private:
  static std::optional<int64_t> optional_time(const json* v) {
    if (!v || !v->is_number()) return std::nullopt;
    return adapters::epoch_to_ms(v->get<double>());
  }
};

}  // namespace

std::unique_ptr<Adapter> make_intercom_adapter() {
  return std::make_unique<IntercomAdapter>();
}

}  // namespace tp
