// Query parameters the read routes share: the window (from, to), the persona and a page's limit.
#pragma once
#include <cstddef>

#include "http/message.h"

namespace tp {

struct Journey;
struct MapQuery;

// from/to (RFC 3339) and persona, with the defaults: the last 7 days, all personas. Answers 400 itself
// (a JSON body naming the field) and returns false when one is wrong.
bool read_window(const http::Request& req, http::Response& res, const Journey& journey, MapQuery& q);

// `limit`, a whole number from 1 to `max`; absent: `limit` keeps its default. Answers 400 itself.
bool read_limit(const http::Request& req, http::Response& res, size_t max, size_t& limit);

}  // namespace tp
