// Strict JSON equality for tests of the fast JSON path against nlohmann (the unit tests and the differential
// fuzz target): equal as documents and in every value's type. nlohmann's own == calls 1, 1u and 1.0 equal,
// and -0.0 == 0.0, which would hide a number read as the wrong kind.
#pragma once
#include <cstring>
#include <nlohmann/json.hpp>

namespace tp::testing {

inline bool json_same(const nlohmann::json& a, const nlohmann::json& b) {
  using json = nlohmann::json;
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case json::value_t::object: {
      if (a.size() != b.size()) return false;
      for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib)
        if (ia.key() != ib.key() || !json_same(*ia, *ib)) return false;
      return true;
    }
    case json::value_t::array: {
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i)
        if (!json_same(a[i], b[i])) return false;
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

}  // namespace tp::testing
