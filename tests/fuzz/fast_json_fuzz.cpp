// The fast JSON path against nlohmann on the same bytes: what the fast path accepts, nlohmann must accept,
// giving the same document down to each number's type and bits; nesting past the limit is declined.
#include <cstring>
#include <nlohmann/json.hpp>

#include "fuzz_check.h"
#include "support/json_same.h"
#include "util/fast_json.h"

namespace {

using json = nlohmann::json;

// Containers nested in `v` (a scalar: 0), counted the way max_depth is.
size_t nesting(const json& v) {
  if (!v.is_structured()) return 0;
  size_t deepest = 0;
  for (const auto& child : v) deepest = std::max(deepest, nesting(child));
  return deepest + 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = tp::fuzz::as_text(data, size);
  json fast;
  const bool accepted = tp::fast_json_parse(text, fast);

  json reference;
  bool reference_ok = true;
  try {
    reference = json::parse(text);
  } catch (const json::exception&) {  // parse_error, and out_of_range for a number past a double
    reference_ok = false;
  }
  if (accepted) {
    FUZZ_CHECK(reference_ok);
    FUZZ_CHECK(tp::testing::json_same(fast, reference));
    FUZZ_CHECK(nesting(fast) <= 64);
  }

  // A tighter limit: declined past it, and the same document within it.
  constexpr size_t kShallow = 3;
  json shallow;
  if (tp::fast_json_parse(text, shallow, kShallow)) {
    FUZZ_CHECK(accepted);
    FUZZ_CHECK(nesting(shallow) <= kShallow);
    FUZZ_CHECK(tp::testing::json_same(shallow, fast));
  }
  return 0;
}
