// Checks on the request head made before a body byte is read. Debian's cpp-httplib 0.11 predates
// upstream's request-smuggling fixes, so ambiguous framing is refused here: more than one
// Content-Length, Content-Length together with Transfer-Encoding, a Transfer-Encoding other than
// plain "chunked", or a Content-Length that is not a plain decimal number.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace tp {

struct GuardVerdict {
  int status = 0;  // 0: go on; otherwise the status to answer with (and close the connection)
  std::string field;
  std::string error;
};

// `headers` as httplib keeps them (case-insensitive multimap).
template <typename Headers>
GuardVerdict check_request_framing(const Headers& headers, size_t max_body_bytes);

GuardVerdict check_framing_values(size_t content_length_count, const std::string& content_length,
                                  size_t transfer_encoding_count, const std::string& transfer_encoding,
                                  size_t max_body_bytes);

template <typename Headers>
GuardVerdict check_request_framing(const Headers& headers, size_t max_body_bytes) {
  const auto cl = headers.equal_range("Content-Length");
  const auto te = headers.equal_range("Transfer-Encoding");
  size_t cl_count = 0, te_count = 0;
  std::string cl_value, te_value;
  for (auto it = cl.first; it != cl.second; ++it, ++cl_count) cl_value = it->second;
  for (auto it = te.first; it != te.second; ++it, ++te_count) te_value = it->second;
  return check_framing_values(cl_count, cl_value, te_count, te_value, max_body_bytes);
}

}  // namespace tp
