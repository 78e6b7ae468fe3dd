#include "http/request_head.h"

#include <cstring>

#include "http/message.h"

namespace tp::http {
namespace {

// RFC 9110 token characters (method and header names).
bool is_tchar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return c != 0 && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool all_tchars(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

// Field values: visible characters, spaces and tabs, and bytes >= 0x80 (obs-text, e.g. UTF-8 in a
// filename); no control characters: a stray CR or NUL is how a header is smuggled past one parser.
bool plain_value(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }
  return true;
}

// The target: origin-form ("/path?query"), visible ASCII only.
bool plain_target(std::string_view s) {
  if (s.empty() || s[0] != '/') return false;
  for (char c : s)
    if (c <= 0x20 || c >= 0x7f) return false;
  return true;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Does a comma-separated list (Connection) hold this token?
bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    if (iequals(trim_ows(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

HeadStatus fail(HeadError& e, int status, std::string field, std::string message) {
  e = {status, std::move(field), std::move(message)};
  return HeadStatus::Invalid;
}

}  // namespace

HeadStatus read_request_head(std::string_view buf, const HeadLimits& limits, RequestHead& out,
                             HeadError& error, size_t* scanned) {
  // Find the blank line, checking every line end on the way: a bare LF is refused as soon as it is seen.
  size_t from = scanned ? *scanned : 0;
  size_t end = std::string_view::npos;
  for (size_t i = buf.find('\n', from); i != std::string_view::npos; i = buf.find('\n', i + 1)) {
    if (i == 0 || buf[i - 1] != '\r') return fail(error, 400, "request", "line ends must be CRLF");
    if (i >= 3 && buf[i - 2] == '\n' && buf[i - 3] == '\r') {
      end = i - 3;
      break;
    }
  }
  if (end == std::string_view::npos) {
    if (buf.size() >= limits.max_head_bytes)
      return fail(error, 431, "headers",
                  "the request head is larger than " + std::to_string(limits.max_head_bytes) + " bytes");
    // Resume at the last byte seen, so a CRLF split across reads is still checked whole.
    if (scanned) *scanned = buf.empty() ? 0 : buf.size() - 1;
    return HeadStatus::Incomplete;
  }
  if (end + 4 > limits.max_head_bytes)
    return fail(error, 431, "headers",
                "the request head is larger than " + std::to_string(limits.max_head_bytes) + " bytes");
  out = RequestHead{};
  out.size = end + 4;
  std::string_view head = buf.substr(0, end + 2);  // every line, each with its CRLF

  auto next_line = [&head](std::string_view& line) {
    const size_t eol = head.find("\r\n");
    line = head.substr(0, eol);
    head.remove_prefix(eol + 2);
    return line.find('\r') == std::string_view::npos;  // a lone CR inside a line
  };

  std::string_view line;
  if (!next_line(line)) return fail(error, 400, "request line", "stray CR");
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return fail(error, 400, "request line", "expected METHOD TARGET HTTP/1.1");
  out.method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!all_tchars(out.method)) return fail(error, 400, "request line", "malformed method");
  if (!plain_target(target)) return fail(error, 400, "request line", "the target must be a path (/...)");
  if (version == "HTTP/1.0") {
    out.http10 = true;
  } else if (version != "HTTP/1.1") {
    return fail(error, 505, "request line", "only HTTP/1.1 and HTTP/1.0 are served");
  }
  const size_t q = target.find('?');
  out.path = target.substr(0, q);
  if (q != std::string_view::npos) out.query = target.substr(q + 1);

  int authorizations = 0, hosts = 0, transfer_encodings = 0;
  bool keep_alive = false;
  while (!head.empty()) {
    if (!next_line(line)) return fail(error, 400, "headers", "stray CR in a header line");
    if (out.headers.size() >= limits.max_headers)
      return fail(error, 431, "headers", "more than " + std::to_string(limits.max_headers) + " header lines");
    const size_t colon = line.find(':');
    // No obsolete line folding (a line starting with a space), no space before the colon.
    if (colon == std::string_view::npos || !all_tchars(line.substr(0, colon)))
      return fail(error, 400, "headers", "malformed header line");
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim_ows(line.substr(colon + 1));
    if (!plain_value(value))
      return fail(error, 400, std::string(name), "control characters in a header value");
    out.headers.emplace_back(name, value);
    if (iequals(name, "Content-Length")) {
      if (out.content_length)
        return fail(error, 400, "Content-Length", "more than one Content-Length header");
      if (value.empty() || value.size() > 18 ||
          value.find_first_not_of("0123456789") != std::string_view::npos)
        return fail(error, 400, "Content-Length", "Content-Length must be a decimal number");
      uint64_t n = 0;
      for (char c : value) n = n * 10 + static_cast<uint64_t>(c - '0');
      out.content_length = n;
    } else if (iequals(name, "Transfer-Encoding")) {
      if (++transfer_encodings > 1)
        return fail(error, 400, "Transfer-Encoding", "more than one Transfer-Encoding header");
      if (!iequals(value, "chunked"))
        return fail(error, 400, "Transfer-Encoding", "only 'chunked' transfer encoding is accepted");
      out.chunked = true;
    } else if (iequals(name, "Authorization")) {
      if (++authorizations > 1)
        return fail(error, 400, "Authorization", "more than one Authorization header");
      out.authorization = value;
    } else if (iequals(name, "Host")) {
      if (++hosts > 1) return fail(error, 400, "Host", "more than one Host header");
    } else if (iequals(name, "Connection")) {
      if (has_token(value, "close")) out.close = true;
      if (has_token(value, "keep-alive")) keep_alive = true;
    } else if (iequals(name, "Content-Encoding")) {
      if (iequals(value, "gzip") || iequals(value, "x-gzip")) {
        out.coding = ContentCoding::Gzip;
      } else if (iequals(value, "deflate")) {
        out.coding = ContentCoding::Deflate;
      } else if (!iequals(value, "identity")) {
        return fail(error, 415, "Content-Encoding", "only gzip and deflate bodies are accepted");
      }
    } else if (iequals(name, "Expect")) {
      if (!iequals(value, "100-continue"))
        return fail(error, 417, "Expect", "only 100-continue is understood");
      out.expect_continue = true;
    }
  }
  if (out.chunked && out.content_length)
    return fail(error, 400, "Transfer-Encoding", "Content-Length and Transfer-Encoding together");
  if (out.chunked && out.http10) return fail(error, 400, "Transfer-Encoding", "chunked bodies need HTTP/1.1");
  if (out.http10 && !keep_alive) out.close = true;
  if (scanned) *scanned = 0;
  return HeadStatus::Complete;
}

}  // namespace tp::http
