// Request bodies that are not plain bytes: chunked transfer coding (decoded as it arrives, so a body
// that trickles in is not rescanned) and gzip/deflate content coding (inflated with the limit counted on
// the inflated bytes, so a small compressed bomb cannot become a huge body).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/request_head.h"

namespace tp::http {

class ChunkedDecoder {
 public:
  enum class Status { NeedMore, Done, Invalid, TooLarge };
  // Decodes from `in` starting at `pos` (moved past what was consumed), appending data to `out`, which
  // may not grow beyond `max_body`. Call again with more input after NeedMore.
  Status feed(std::string_view in, size_t& pos, std::string& out, size_t max_body);
  const std::string& error() const { return error_; }

 private:
  enum class State { Size, Data, DataEnd, Trailer };
  Status invalid(std::string message);
  State state_ = State::Size;
  uint64_t remaining_ = 0;
  size_t trailer_bytes_ = 0;
  std::string error_;
};

struct Inflated {
  bool ok = false;
  bool too_large = false;  // more than the limit once inflated
  std::string body;
};

Inflated inflate_body(std::string_view in, ContentCoding coding, size_t max_body);

}  // namespace tp::http
