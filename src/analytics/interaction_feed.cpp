#include "analytics/interaction_feed.h"

#include <optional>

#include "analytics/change_feed.h"
#include "analytics/conversations.h"
#include "analytics/faq.h"
#include "analytics/journey_map.h"

namespace tp {
namespace {

// The conversation an interaction belongs to: its session, else its customer.
std::string conversation_of(const Interaction& in, const std::string& customer) {
  if (!in.session_id.empty()) return "s:" + in.session_id;
  return customer.empty() ? std::string() : "c:" + customer;
}

QuestionRecord question_record(const Interaction& in, const std::string& customer, const TagSet& tags) {
  QuestionRecord q;
  q.ts_ms = in.timestamp_ms;
  q.customer = customer;
  q.persona = tags.persona;
  q.stage = tags.stage;
  q.touchpoint = tags.touchpoint;
  q.intent = in.intent;
  q.fallback = in.fallback.value_or(false);
  q.unanswered = tags.has_pain(pain::kUnanswered);
  q.escalated = tags.has_pain(pain::kEscalated);
  q.negative = tags.has_pain(pain::kNegative);
  q.rating = in.rating;
  q.text = in.text;
  q.conversation = conversation_of(in, customer);
  return q;
}

// A later turn that tells what became of the conversation's last question (see QuestionOutcome).
QuestionOutcome question_outcome(const Interaction& in, const std::string& customer, const TagSet& tags) {
  QuestionOutcome o;
  o.ts_ms = in.timestamp_ms;
  o.unanswered = tags.has_pain(pain::kUnanswered);
  o.escalated =
      in.type == EventType::Handoff || in.escalated.value_or(false) || tags.has_pain(pain::kEscalated);
  o.rating = in.rating;
  // Most interactions tell nothing about a question (page views, tracks): no key to build for them.
  if (o.unanswered || o.escalated || o.rating) o.conversation = conversation_of(in, customer);
  return o;
}

}  // namespace

bool is_customer_question(const Interaction& in) {
  if (in.text.empty() || in.type == EventType::Feedback || in.type == EventType::Handoff)
    return false;  // outcomes
  return in.role == Role::User || (in.role == Role::None && in.type == EventType::Message);
}

void feed_analytics(const AnalyticsSinks& sinks, int64_t seq, const Interaction& in,
                    const std::string& customer, const TagSet& tags) {
  sinks.map.add(
      {in.timestamp_ms, customer, tags.persona, tags.stage, tags.touchpoint, tags.sentiment, tags.pain});
  std::optional<uint32_t> cluster, question;
  if (is_customer_question(in))
    cluster = question = sinks.faq.add(question_record(in, customer, tags));
  else
    cluster = sinks.faq.outcome(question_outcome(in, customer, tags));
  sinks.conversations.add({seq, in.timestamp_ms, customer, in.session_id, tags.persona, tags.stage,
                           tags.touchpoint, tags.pain, question});
  sinks.changes.record(tags.stage, tags.touchpoint, cluster);
}

}  // namespace tp
