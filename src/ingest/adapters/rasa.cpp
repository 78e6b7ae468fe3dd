#include "ingest/adapters/rasa.h"

#include <cmath>
#include <map>

#include "ingest/adapters/adapter_util.h"

namespace tp {
namespace {

using adapters::at_path;
using adapters::FieldReader;
using adapters::json;
using adapters::member;

constexpr std::string_view kPlatform = "rasa";

bool is_fallback_action(std::string_view name) {
  return name == "action_default_fallback" || name == "action_two_stage_fallback";
}

// Custom handoff actions have no fixed name in Rasa: action_handoff, action_human_handoff,
// action_handover_to_agent, action_transfer_to_live_agent... (utter_* responses are bot messages, not
// actions).
bool is_handoff_action(std::string_view name) {
  if (name.substr(0, 6) == "utter_") return false;
  return adapters::contains_ci(name, "handoff") || adapters::contains_ci(name, "handover") ||
         adapters::contains_ci(name, "human_agent") || adapters::contains_ci(name, "live_agent");
}

// Rasa timestamps are Unix seconds with microseconds; the id uses the microseconds as an integer.
std::string timestamp_key(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 1e12) return "";
  return std::to_string(static_cast<long long>(std::llround(seconds * 1e6)));
}

class RasaAdapter final : public Adapter {
 public:
  AdapterOutput translate(const json& p, const AdapterContext& ctx) const override {
    AdapterOutput out;
    FieldReader root(out.errors, "");
    // The three accepted shapes.
    std::vector<const json*> events;
    std::optional<std::string> tracker_sender;
    std::string prefix;  // "events[i]." or "[i]." per event; "" for a single event
    if (p.is_object() && p.contains("events")) {
      tracker_sender = root.id(member(p, "sender_id"), "sender_id", true);
      const json* list = root.array(member(p, "events"), "events", true);
      if (!tracker_sender || !list) {
        out.rejected = 1;
        return out;
      }
      for (const auto& e : *list) events.push_back(&e);
      prefix = "events";
    } else if (p.is_object()) {
      events.push_back(&p);
    } else if (p.is_array()) {
      for (const auto& e : p) events.push_back(&e);
      prefix = "";
    } else {
      root.fail("",
                "expected a Rasa event object, an array of events, or a tracker {\"sender_id\", \"events\"}");
      out.rejected = 1;
      return out;
    }
    const bool several = p.is_array() || tracker_sender.has_value();
    if (events.empty()) {
      root.missing(several && tracker_sender ? "events" : "", "holds no events");
      out.rejected = 1;
      return out;
    }

    std::map<std::string, size_t> last_user_turn;  // sender -> index in out.interactions, within this payload
    std::map<std::string, int> seen_keys;          // disambiguates events with identical keys
    for (size_t i = 0; i < events.size(); ++i) {
      const json& e = *events[i];
      FieldReader r(out.errors, several ? prefix + "[" + std::to_string(i) + "]." : "");
      if (!e.is_object()) {
        r.fail("", "each event must be a JSON object");
        ++out.rejected;
        continue;
      }
      const auto type = r.text(member(e, "event"), "event", true);
      auto sender = r.id(member(e, "sender_id"), "sender_id");
      if (!sender && !r.failed()) {
        if (tracker_sender)
          sender = tracker_sender;
        else
          r.missing("sender_id");
      }
      std::optional<double> ts;
      if (const json* t = member(e, "timestamp")) {
        if (t->is_number() && adapters::epoch_to_ms(t->get<double>()))
          ts = t->get<double>();
        else
          r.fail("timestamp", "must be a Unix time in seconds");
      }
      if (r.failed()) {
        ++out.rejected;
        continue;
      }

      Interaction in;
      in.channel = "chatbot";
      in.session_id = *sender;
      in.anonymous_id = *sender;
      in.timestamp_ms = ts ? *adapters::epoch_to_ms(*ts) : ctx.received_ms;
      json props = {{"platform", kPlatform}};
      if (const json* metadata = member(e, "metadata")) {
        if (auto id = adapters::first_id(*metadata, {{"user_id"}, {"userId"}, {"customer_id"}}))
          in.customer_id = *id;
      }

      if (*type == "user") {
        in.type = EventType::Message;
        in.role = Role::User;
        in.text = r.text(member(e, "text"), "text").value_or("");
        const json* parse = r.object(member(e, "parse_data"), "parse_data");
        if (const json* intent = parse ? r.object(member(*parse, "intent"), "parse_data.intent") : nullptr) {
          in.intent = r.text(member(*intent, "name"), "parse_data.intent.name").value_or("");
          in.confidence = r.number(member(*intent, "confidence"), "parse_data.intent.confidence", 0, 1);
        }
        if (in.intent == "nlu_fallback") in.fallback = true;
        if (adapters::contains_ci(in.intent, "handoff")) in.escalated = true;
        if (const auto channel = adapters::string_value(member(e, "input_channel")))
          props["input_channel"] = *channel;
      } else if (*type == "bot") {
        in.type = EventType::Message;
        in.role = Role::Bot;
        in.text = r.text(member(e, "text"), "text").value_or("");
        if (const auto utter = adapters::string_value(at_path(e, {"metadata", "utter_action"})))
          in.name = *utter;
      } else if (*type == "action") {
        const auto name = r.text(member(e, "name"), "name", true);
        if (r.failed()) {
          ++out.rejected;
          continue;
        }
        if (is_fallback_action(*name)) {
          // The bot did not understand the preceding user turn: mark it when it is in this payload.
          if (const auto it = last_user_turn.find(*sender); it != last_user_turn.end()) {
            out.interactions[it->second].fallback = true;
            last_user_turn.erase(it);
            ++out.ignored;
            continue;
          }
          in.type = EventType::Track;  // the user turn came in an earlier request: a fallback marker
          in.role = Role::Bot;
          in.name = *name;
          in.fallback = true;
        } else if (is_handoff_action(*name)) {
          in.type = EventType::Handoff;
          in.role = Role::Bot;
          in.name = *name;
          in.escalated = true;
        } else {
          ++out.ignored;  // action_listen, action_session_start, utter_* (their text comes as a bot event)...
          continue;
        }
      } else if (*type == "handoff") {
        in.type = EventType::Handoff;
        in.role = Role::Bot;
        in.name = "handoff";
        in.escalated = true;
      } else {
        ++out.ignored;  // slot, session_started, restart, active_loop, followup, pause, resume, ...
        continue;
      }
      if (r.failed()) {
        ++out.rejected;
        continue;
      }

      // Id: the message_id of a user event when Rasa has one, else the event type and its timestamp in
      // microseconds; repeated keys inside one payload get "#2", "#3"...
      std::string key;
      if (*type == "user") {
        if (auto mid = adapters::id_text(member(e, "message_id"))) key = "msg:" + *mid;
      }
      if (key.empty()) {
        const std::string tkey = ts ? timestamp_key(*ts) : "";
        if (!tkey.empty())
          key = *type + ":" + tkey;
        else if (auto wid = adapters::webhook_id_key(ctx, i, events.size()))
          key = "wh:" + *wid;
        else
          key = *type + ":i" + std::to_string(i);
      }
      const int n = ++seen_keys[*sender + '\n' + key];
      if (n > 1) key += "#" + std::to_string(n);
      in.id = adapters::make_id(kPlatform, {*sender, key});
      in.properties_json = adapters::properties_text(props);
      if (!adapters::finish(in, r, "sender_id")) {
        ++out.rejected;
        continue;
      }
      if (in.type == EventType::Message && in.role == Role::User)
        last_user_turn[*sender] = out.interactions.size();
      else if (in.type == EventType::Message && in.role == Role::Bot)
        last_user_turn.erase(*sender);
      out.interactions.push_back(std::move(in));
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Adapter> make_rasa_adapter() {
  return std::make_unique<RasaAdapter>();
}

}  // namespace tp
