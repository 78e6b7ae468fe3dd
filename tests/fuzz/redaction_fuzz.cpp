// redact() on any bytes: valid UTF-8 stays valid, text with nothing replaced is returned unchanged, a second
// pass changes nothing (stored text is redacted again when an event is re-sent or re-tagged), and the
// no-digit-no-'@' shortcut decides exactly as the full scan.
#include <string>

#include "fuzz_check.h"
#include "model/privacy/redaction.h"

namespace {

// A string field is at most 16 KiB (InteractionLimits); twice that covers a field and its neighbours.
constexpr size_t kMaxBytes = 32 * 1024;

void check(std::string_view text, const tp::RedactionOptions& options) {
  tp::RedactionCounts counts;
  const std::string once = tp::redact(text, options, &counts);
  if (tp::fuzz::valid_utf8(text)) FUZZ_CHECK(tp::fuzz::valid_utf8(once));
  if (counts.total() == 0) FUZZ_CHECK(once == text);
  FUZZ_CHECK(tp::redact_scan(text, options) == once);
  // Idempotence (src/model/redaction.h). Inputs that break it go to tests/fuzz/corpus/redaction/.
  FUZZ_CHECK(tp::redact(once, options) == once);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxBytes) return 0;
  const std::string_view text = tp::fuzz::as_text(data, size);
  check(text, {});  // every kind, the default
  // And one other combination of kinds, picked by the input's length so that a saved input replays it.
  const unsigned mask = size % 16;
  if (mask != 15) check(text, {(mask & 1) != 0, (mask & 2) != 0, (mask & 4) != 0, (mask & 8) != 0});
  return 0;
}
