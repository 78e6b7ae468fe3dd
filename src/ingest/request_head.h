// A strict reader of HTTP/1.1 request heads, for the event-loop front's fast path. It recognises only
// the plain shape every SDK and webhook sender uses (a request line, "Name: value" lines, CRLF line
// ends, one Content-Length) and calls everything else `Other`: the front then hands the connection to
// the full server, which has its own checks and answers (smuggling guards, 413, chunked bodies, gzip,
// Expect: 100-continue). So the fast path never has to decide an ambiguous case.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tp {

struct RequestHead {
  std::string_view method;
  std::string_view path;   // the target up to '?'
  std::string_view query;  // after '?', without it
  size_t size = 0;         // bytes of the head, through the blank line
  uint64_t content_length = 0;
  std::string_view authorization;  // empty when absent
  bool close = false;              // "Connection: close": answer, then close
};

enum class HeadStatus {
  Incomplete,  // no blank line yet, and fewer than the allowed bytes: read more
  Plain,       // a request the fast path may serve (it still checks route, method and length)
  Other,       // anything else: the full server decides
};

// `buf` starts at the request line. The head (with its blank line) must fit in `max_head_bytes`.
HeadStatus read_request_head(std::string_view buf, size_t max_head_bytes, RequestHead& out);

}  // namespace tp
