#include "ingest/adapters/botframework.h"

#include "ingest/adapters/adapter_util.h"

namespace tp {
namespace {

using adapters::at_path;
using adapters::FieldReader;
using adapters::json;
using adapters::member;

constexpr std::string_view kPlatform = "botframework";

bool is_handoff_event(std::string_view name) {
  return name == "handoff" || name == "handoff.initiate";
}

class BotFrameworkAdapter final : public Adapter {
 public:
  AdapterOutput translate(const json& p, const AdapterContext& ctx) const override {
    AdapterOutput out;
    FieldReader root(out.errors, "");
    std::vector<const json*> activities;
    std::string prefix;
    bool several = true;
    if (p.is_object() && p.contains("activities")) {  // a Direct Line activity set
      const json* list = root.array(member(p, "activities"), "activities", true);
      if (!list) {
        out.rejected = 1;
        return out;
      }
      for (const auto& a : *list) activities.push_back(&a);
      prefix = "activities";
    } else if (p.is_object()) {
      activities.push_back(&p);
      several = false;
    } else if (p.is_array()) {
      for (const auto& a : p) activities.push_back(&a);
    } else {
      root.fail("", "expected a Bot Framework Activity object, an array of them, or {\"activities\": [...]}");
      out.rejected = 1;
      return out;
    }
    if (activities.empty()) {
      root.missing(prefix, "holds no activities");
      out.rejected = 1;
      return out;
    }
    for (size_t i = 0; i < activities.size(); ++i) {
      FieldReader r(out.errors, several ? prefix + "[" + std::to_string(i) + "]." : "");
      auto in = translate_one(*activities[i], r, ctx, i, activities.size(), out.ignored);
      if (in)
        out.interactions.push_back(std::move(*in));
      else if (r.failed())
        ++out.rejected;
    }
    return out;
  }

 private:
  // One activity; nullopt when it is ignored (counted) or rejected (errors added).
  static std::optional<Interaction> translate_one(const json& a, FieldReader& r, const AdapterContext& ctx,
                                                  size_t index, size_t count, size_t& ignored) {
    if (!a.is_object()) {
      r.fail("", "each activity must be a JSON object");
      return std::nullopt;
    }
    const auto type = r.text(member(a, "type"), "type", true);
    if (!type) return std::nullopt;
    std::optional<std::string> event_name;
    if (*type == "event") {
      event_name = r.text(member(a, "name"), "name");
      if (r.failed()) return std::nullopt;
      if (!event_name || !is_handoff_event(*event_name)) {
        ++ignored;  // other events, including handoff.status
        return std::nullopt;
      }
    } else if (*type != "message" && *type != "handoff") {
      ++ignored;  // typing, conversationUpdate, contactRelationUpdate, endOfConversation, trace, invoke, ...
      return std::nullopt;
    }

    Interaction in;
    in.channel = "chatbot";
    const json* conversation = r.object(member(a, "conversation"), "conversation", true);
    if (conversation) {
      if (auto id = r.id(member(*conversation, "id"), "conversation.id", true)) in.session_id = *id;
    }
    const json* from = r.object(member(a, "from"), "from");
    const json* recipient = r.object(member(a, "recipient"), "recipient");
    const auto from_role = from ? r.text(member(*from, "role"), "from.role") : std::nullopt;
    const auto reply_to = r.id(member(a, "replyToId"), "replyToId");
    const auto timestamp = r.time_ms(member(a, "timestamp"), "timestamp");
    in.timestamp_ms = timestamp.value_or(ctx.received_ms);

    // Who spoke: from.role when the channel sets it; otherwise a reply (replyToId) comes from the bot.
    const bool from_user = from_role ? *from_role == "user" : !reply_to.has_value();
    in.role = from_user ? Role::User : Role::Bot;
    // The end user: the sender of a user message, the recipient of a bot message, relatesTo.user for
    // handoffs.
    const char* user_field = from_user ? "from.id" : "recipient.id";
    std::optional<std::string> user_id;
    if (from_user && from) user_id = r.id(member(*from, "id"), "from.id");
    if (!from_user && recipient) user_id = r.id(member(*recipient, "id"), "recipient.id");
    if (!user_id) {
      if (auto related = adapters::id_text(at_path(a, {"relatesTo", "user", "id"}))) user_id = related;
    }
    if (user_id) in.customer_id = *user_id;

    if (*type == "message") {
      in.type = EventType::Message;
      in.text = r.text(member(a, "text"), "text").value_or("");
    } else {
      in.type = EventType::Handoff;
      in.name = event_name.value_or("handoff");
      in.escalated = true;
      if (!from_role) in.role = Role::Bot;
    }
    if (r.failed()) return std::nullopt;

    json props = {{"platform", kPlatform}};
    if (const auto channel = adapters::string_value(member(a, "channelId"))) props["channel"] = *channel;
    if (const auto locale = adapters::string_value(member(a, "locale"))) props["locale"] = *locale;
    in.properties_json = adapters::properties_text(props);

    // Id: the activity id; a reply without one: its replyToId and a digest of its text (or the webhook-id).
    if (auto id = r.id(member(a, "id"), "id")) {
      in.id = adapters::make_id(kPlatform, {in.session_id, *id});
    } else if (auto wid = adapters::webhook_id_key(ctx, index, count)) {
      in.id = adapters::make_id(kPlatform, {in.session_id, "wh", *wid});
    } else if (reply_to && !r.failed()) {
      const std::string digest = adapters::sha256_hex(in.text + '\n' + in.name).substr(0, 16);
      in.id = adapters::make_id(kPlatform, {in.session_id, "reply", *reply_to, digest});
    } else if (!r.failed()) {
      r.missing("id", "is required (the activity id)");
    }
    if (r.failed()) return std::nullopt;
    if (!adapters::finish(in, r, user_field)) return std::nullopt;
    return in;
  }
};

}  // namespace

std::unique_ptr<Adapter> make_botframework_adapter() {
  return std::make_unique<BotFrameworkAdapter>();
}

}  // namespace tp
