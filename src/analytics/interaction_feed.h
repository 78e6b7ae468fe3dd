// What one tagged interaction tells the analytics: a cell of the journey map, a customer question for the
// FAQ (or the outcome of an earlier one), an entry of the drill-down index, and a change for live
// dashboards. The tagging pipeline calls this once per tagged interaction, in order.
#pragma once
#include <cstdint>
#include <string>

#include "model/interaction.h"
#include "model/tag_set.h"

namespace tp {

class JourneyMap;
class FaqSummary;
class ConversationIndex;
class ChangeFeed;

struct AnalyticsSinks {
  JourneyMap& map;
  FaqSummary& faq;
  ConversationIndex& conversations;
  ChangeFeed& changes;
};

void feed_analytics(const AnalyticsSinks& sinks, int64_t seq, const Interaction& in,
                    const std::string& customer, const TagSet& tags);

// A customer's question: their own words in a conversation (not a bot turn, a page view or an outcome).
bool is_customer_question(const Interaction& in);

}  // namespace tp
