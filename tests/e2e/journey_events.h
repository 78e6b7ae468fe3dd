// A realistic, deterministic data set for the dashboard's browser test (and its README screenshot):
// customers of the demo journey's three personas moving through the stages on the website and email,
// asking the chatbot, FAQ and helpdesk questions in several languages, with fallbacks, hand-offs and
// ratings, all within the last days before `now_ms`. Every event carries preset tags and a sentiment, so
// the figures do not depend on rule packs or plugins.
#pragma once
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

namespace tp::e2e {

nlohmann::json journey_events(int64_t now_ms, size_t customers, uint32_t seed = 7);

}  // namespace tp::e2e
