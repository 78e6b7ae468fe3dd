// The fast JSON path against nlohmann on the same bytes: what the fast path accepts, nlohmann must accept,
// giving the same document down to each number's type and bits; nesting past the limit is declined.
#include <cstring>
#include <nlohmann/json.hpp>

#include "fuzz_check.h"
#include "util/fast_json.h"

namespace {

using json = nlohmann::json;

// Equal as documents and in every value's type (nlohmann's == calls 1, 1u and 1.0 equal, and -0.0 == 0.0).
bool same(const json& a, const json& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case json::value_t::object: {
      if (a.size() != b.size()) return false;
      for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib)
        if (ia.key() != ib.key() || !same(*ia, *ib)) return false;
      return true;
    }
    case json::value_t::array: {
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i)
        if (!same(a[i], b[i])) return false;
      return true;
    }
    case json::value_t::number_float: {
      const double x = a.get<double>(), y = b.get<double>();
      return std::memcmp(&x, &y, sizeof x) == 0;
    }
    default:
      return a == b;
  }
}

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
    FUZZ_CHECK(same(fast, reference));
    FUZZ_CHECK(nesting(fast) <= 64);
  }

  // A tighter limit: declined past it, and the same document within it.
  constexpr size_t kShallow = 3;
  json shallow;
  if (tp::fast_json_parse(text, shallow, kShallow)) {
    FUZZ_CHECK(accepted);
    FUZZ_CHECK(nesting(shallow) <= kShallow);
    FUZZ_CHECK(same(shallow, fast));
  }
  return 0;
}
