// The query parameters every read of the map shares: the window (from, to) and the persona.
#pragma once

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace tp {

struct Journey;
struct MapQuery;

// from/to (RFC 3339) and persona, with the defaults: the last 7 days, all personas. Answers 400 itself
// (a JSON body naming the field) and returns false when one is wrong.
bool read_window(const httplib::Request& req, httplib::Response& res, const Journey& journey, MapQuery& q);

}  // namespace tp
