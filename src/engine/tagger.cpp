#include "engine/tagger.h"

#include <algorithm>

#include "engine/text_fold.h"

namespace tp {

std::vector<std::string> question_tokens(std::string_view text) {
  const std::string folded = TextFolder::instance().fold(text);
  std::vector<std::string> out;
  size_t start = 1;
  while (start < folded.size()) {
    const size_t end = folded.find(' ', start);
    if (end == std::string::npos || end == start) break;
    out.emplace_back(folded.substr(start, end - start));
    start = end + 1;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

double jaccard(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.empty() && b.empty()) return 1.0;
  size_t common = 0, i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j])
      ++common, ++i, ++j;
    else if (a[i] < b[j])
      ++i;
    else
      ++j;
  }
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

Tagger::Tagger(std::shared_ptr<const RuleSet> rules, const Journey& journey, SignalOptions signals,
               PluginHook plugins)
    : rules_(std::move(rules)), journey_(journey), signals_(signals), plugins_(std::move(plugins)) {
  version_ = rules_ ? rules_->version() : std::string("none");
}

TagSet Tagger::tag(const Interaction& in, std::string_view source, JourneyMemory& memory,
                   std::vector<RuleExplanation>* explain, bool* customer_changed) const {
  const bool linked = memory.link(in);  // may merge a visitor's memory into the customer's
  const std::string customer_key = memory.customer_key(in);
  // A reference into an unordered_map stays valid while other keys come and go; only erasing this one
  // (link, above) would end it.
  CustomerView& after = memory.customer(customer_key);
  const CustomerView before = after;  // rules see the state before this interaction

  TagSet tags;
  const Tags& preset = in.preset_tags;
  auto preset_tag = [](const std::string& value, std::string& tag, TagOrigin& origin) {
    if (value.empty()) return;
    tag = value;
    origin = TagOrigin::Preset;
  };
  preset_tag(preset.persona, tags.persona, tags.persona_origin);
  preset_tag(preset.stage, tags.stage, tags.stage_origin);
  preset_tag(preset.touchpoint, tags.touchpoint, tags.touchpoint_origin);
  // A persona a preset tag or a rule gave sticks; a plugin's guess (e.g. from traits) is only a
  // fallback, so a later guess from better traits can replace it.
  if (tags.persona.empty() && !before.persona.empty() && !before.persona_from_plugin) {
    tags.persona = before.persona;
    tags.persona_origin = TagOrigin::Sticky;
  }
  if (in.sentiment) {
    tags.sentiment = in.sentiment;
    tags.sentiment_origin = TagOrigin::Preset;
  }

  const TagInput input{in, source, customer_key};
  if (plugins_) plugins_(input, tags);
  if (rules_) rules_->apply(input, before, tags, explain);
  signals(in, memory, tags);
  if (tags.persona.empty() && !before.persona.empty()) {
    tags.persona = before.persona;  // the earlier plugin guess
    tags.persona_origin = TagOrigin::Plugin;
  }

  if (tags.touchpoint.empty()) {
    for (const auto& t : journey_.touchpoints)
      if (!in.channel.empty() && t.channel == in.channel) {
        tags.touchpoint = t.id;
        break;
      }
  }

  if (!tags.persona.empty()) {
    after.persona = tags.persona;
    after.persona_from_plugin = tags.persona_origin == TagOrigin::Plugin;
  }
  if (const int stage = journey_.stage_index(tags.stage); stage >= 0 && stage < 64)
    after.stages_reached |= uint64_t{1} << stage;
  if (customer_changed) *customer_changed = linked || !(after == before);
  return tags;
}

void Tagger::signals(const Interaction& in, JourneyMemory& memory, TagSet& tags) const {
  if (in.fallback.value_or(false) ||
      (in.confidence && !in.intent.empty() && *in.confidence < signals_.unanswered_confidence))
    tags.add_pain(pain::kUnanswered);
  if (in.escalated.value_or(false) || in.type == EventType::Handoff) tags.add_pain(pain::kEscalated);
  if (in.rating && *in.rating <= 2) tags.add_pain(pain::kLowRating);
  if (tags.sentiment && *tags.sentiment <= signals_.negative_sentiment) tags.add_pain(pain::kNegative);

  if (in.session_id.empty()) return;
  SessionMemory& session = memory.session(in.session_id);
  const bool customer_turn =
      in.role == Role::User || (in.role == Role::None && in.type == EventType::Message);
  if (customer_turn && !in.text.empty()) {
    auto tokens = question_tokens(in.text);
    if (!tokens.empty()) {
      for (const auto& previous : session.questions) {
        if (jaccard(previous, tokens) >= signals_.repeated_similarity) {
          tags.add_pain(pain::kRepeatedQuestion);
          break;
        }
      }
      session.questions.push_back(std::move(tokens));
      if (session.questions.size() > signals_.remembered_questions)
        session.questions.erase(session.questions.begin());
    }
    if (session.last_customer_turn_ms == 0) session.last_customer_turn_ms = in.timestamp_ms;
  } else if ((in.role == Role::Bot || in.role == Role::Agent) && session.last_customer_turn_ms != 0) {
    if (in.timestamp_ms - session.last_customer_turn_ms > signals_.slow_response_ms)
      tags.add_pain(pain::kSlowResponse);
    session.last_customer_turn_ms = 0;
  }
}

}  // namespace tp
