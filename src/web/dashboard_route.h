// GET / and /dashboard: the dashboard page; GET /dashboard/<file>: its scripts and styles. Everything is
// compiled into the binary and sent with a strict Content-Security-Policy (scripts and styles from this
// origin only, no inline script, no eval), so chat text that reaches the page can never run as code.
// The page itself is public: the data it shows comes from the read API, which checks the read token.
#pragma once
#include <string_view>

#include "http/router.h"

namespace tp {

// The policy every dashboard response carries (tests compare against it).
inline constexpr std::string_view kDashboardCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

void add_dashboard_routes(http::Router& router);

}  // namespace tp
