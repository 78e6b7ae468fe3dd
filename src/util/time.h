// RFC 3339 timestamps <-> Unix milliseconds, without locale or time-zone database dependencies.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tp {

// Parses "2026-11-23T09:15:00Z", "2026-11-23T09:15:00.123+02:00", a space instead of 'T', lower-case 't'/'z'.
// Fractions beyond milliseconds are truncated. Returns nullopt for anything that is not a valid date-time.
std::optional<int64_t> parse_rfc3339_ms(std::string_view text);

// Formats as "2026-11-23T09:15:00.123Z" (always UTC, always milliseconds).
std::string format_rfc3339_ms(int64_t unix_ms);

int64_t now_unix_ms();

}  // namespace tp
