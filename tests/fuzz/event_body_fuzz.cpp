// A request body as the native and Segment routes read it: parse_event_body (depth pre-scan, fast path,
// nlohmann) finds the events, then each goes through the canonical reader and the Segment adapter for every
// Segment route. Nothing throws; an event is an interaction or errors, never both nor neither; what comes
// out is storable (interaction_checks.h).
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "fuzz_check.h"
#include "ingest/event_body.h"
#include "ingest/segment_adapter.h"
#include "interaction_checks.h"
#include "model/interaction_json.h"

namespace {

// Enough events to reach every branch; a big batch only repeats them.
constexpr size_t kMaxEvents = 64;
constexpr int64_t kReceivedMs = 1'800'000'000'000;

void check_result(const std::optional<tp::Interaction>& in, const tp::FieldErrors& errors) {
  FUZZ_CHECK(in.has_value() != !errors.empty());
  if (in) tp::fuzz::check_interaction(*in);
  tp::fuzz::check_errors(errors);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const tp::EventBody body = tp::parse_event_body(tp::fuzz::as_text(data, size));
  if (!body.ok()) {
    FUZZ_CHECK(!body.field.empty() && tp::fuzz::valid_utf8(body.error));
    return 0;
  }
  FUZZ_CHECK(!body.events.empty());
  for (size_t i = 0; i < body.events.size() && i < kMaxEvents; ++i) {
    const nlohmann::json& event = *body.events[i];
    {
      tp::FieldErrors errors;
      const auto in = tp::interaction_from_json(event, kReceivedMs, errors);
      check_result(in, errors);
    }
    // "" is /v1/batch, where each message names its own type.
    for (std::string_view route : {"", "track", "page", "screen", "identify", "alias"}) {
      tp::FieldErrors errors;
      const auto in = tp::segment_to_interaction(event, route, kReceivedMs, errors);
      check_result(in, errors);
    }
  }
  return 0;
}
