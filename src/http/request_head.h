// The one reader of HTTP/1.1 request heads, for every request the daemon answers. Strict by design:
// whatever two parsers could read differently (the shape of request smuggling) is refused, not guessed:
// bare LF line ends, obsolete line folding, a space before a colon, control characters in a value,
// repeated or malformed Content-Length, Transfer-Encoding other than plain "chunked" or together with
// Content-Length, too many header lines. Only the head is read here; the body is the server's.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tp::http {

struct HeadLimits {
  size_t max_head_bytes = size_t{16} * 1024;  // request line and headers, through the blank line
  size_t max_headers = 100;
};

enum class ContentCoding { Identity, Gzip, Deflate };

struct RequestHead {
  std::string_view method;
  std::string_view path;   // the target up to '?', as sent (not decoded)
  std::string_view query;  // after '?', without it
  bool http10 = false;
  size_t size = 0;  // bytes of the head, through the blank line
  std::optional<uint64_t> content_length;
  bool chunked = false;
  ContentCoding coding = ContentCoding::Identity;
  bool expect_continue = false;
  bool close = false;  // "Connection: close", or HTTP/1.0 without keep-alive
  std::string_view authorization;
  std::vector<std::pair<std::string_view, std::string_view>> headers;  // values without surrounding spaces
};

enum class HeadStatus {
  Incomplete,  // no blank line yet and nothing wrong so far: read more
  Complete,
  Invalid,  // answer `error` and close the connection
};

struct HeadError {
  int status = 400;
  std::string field;  // the header (or "request line") at fault
  std::string message;
};

// `buf` starts at the request line. `scanned` carries how far an earlier call on the same (growing)
// buffer looked, so a head that trickles in byte by byte is not rescanned from its start each time.
HeadStatus read_request_head(std::string_view buf, const HeadLimits& limits, RequestHead& out,
                             HeadError& error, size_t* scanned = nullptr);

}  // namespace tp::http
