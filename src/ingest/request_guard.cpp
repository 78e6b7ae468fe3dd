#include "ingest/request_guard.h"

#include "util/text.h"

namespace tp {

GuardVerdict check_framing_values(size_t cl_count, const std::string& cl_value, size_t te_count,
                                  const std::string& te_value, size_t max_body_bytes) {
  if (cl_count > 1) return {400, "Content-Length", "more than one Content-Length header"};
  if (te_count > 1) return {400, "Transfer-Encoding", "more than one Transfer-Encoding header"};
  if (cl_count && te_count)
    return {400, "Transfer-Encoding", "Content-Length and Transfer-Encoding together"};
  if (te_count && ascii_lower(te_value) != "chunked")
    return {400, "Transfer-Encoding", "only 'chunked' transfer encoding is accepted"};
  if (cl_count) {
    if (cl_value.empty() || cl_value.size() > 19 ||
        cl_value.find_first_not_of("0123456789") != std::string::npos)
      return {400, "Content-Length", "Content-Length must be a decimal number"};
    if (std::stoull(cl_value) > max_body_bytes)
      return {413, "body", "body is larger than " + std::to_string(max_body_bytes) + " bytes"};
  }
  return {};
}

}  // namespace tp
