// A fast path for parsing JSON request bodies into nlohmann::json, for the ingest hot path.
//
// nlohmann's parser reads one byte at a time through an input adapter and grows every string one
// character at a time; on /v1/batch that was the front thread's largest cost. This parser copies runs of
// plain bytes at once and builds the same document. It is deliberately conservative: whatever it is not
// sure of (an integer beyond 64 bits, a float out of range, a byte order mark, nesting past the limit, any
// syntax error) it declines, and the caller parses with nlohmann, which then decides and reports the error.
// So a text it accepts is one nlohmann accepts, giving the same document (tests/unit/util/fast_json_test.cpp
// holds it to that on generated and mutated input).
#pragma once
#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <string_view>

namespace tp {

// Parses `text` into `out`; false (with `out` in an unspecified state) when it declines. Nesting deeper
// than `max_depth` is declined.
bool fast_json_parse(std::string_view text, nlohmann::json& out, size_t max_depth = 64);

}  // namespace tp
