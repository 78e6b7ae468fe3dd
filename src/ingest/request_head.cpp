#include "ingest/request_head.h"

#include <cstring>

namespace tp {
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

// Field values: visible characters, spaces and tabs; no control characters (a stray CR or NUL is how
// a header is smuggled past one parser and not another).
bool plain_value(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }
  return true;
}

// The target: origin-form, visible ASCII only.
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

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

}  // namespace

HeadStatus read_request_head(std::string_view buf, size_t max_head_bytes, RequestHead& out) {
  const size_t end = buf.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    // A bare LF anywhere, or a head that outgrew the limit, is not plain; let the full server answer.
    if (buf.size() >= max_head_bytes) return HeadStatus::Other;
    for (size_t i = buf.find('\n'); i != std::string_view::npos; i = buf.find('\n', i + 1))
      if (i == 0 || buf[i - 1] != '\r') return HeadStatus::Other;
    return HeadStatus::Incomplete;
  }
  if (end + 4 > max_head_bytes) return HeadStatus::Other;
  out = RequestHead{};
  out.size = end + 4;
  std::string_view head = buf.substr(0, end + 2);  // every line, each with its CRLF

  auto next_line = [&head](std::string_view& line) {
    const size_t eol = head.find("\r\n");
    line = head.substr(0, eol);
    head.remove_prefix(eol + 2);
    // A lone CR or LF inside a line means the line ends differ from what another parser would see.
    return line.find_first_of("\r\n") == std::string_view::npos;
  };

  std::string_view line;
  if (!next_line(line)) return HeadStatus::Other;
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return HeadStatus::Other;
  out.method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (!all_tchars(out.method) || !plain_target(target) || line.substr(sp2 + 1) != "HTTP/1.1")
    return HeadStatus::Other;
  const size_t q = target.find('?');
  out.path = target.substr(0, q);
  if (q != std::string_view::npos) out.query = target.substr(q + 1);

  int content_lengths = 0, authorizations = 0;
  while (!head.empty()) {
    if (!next_line(line)) return HeadStatus::Other;
    const size_t colon = line.find(':');
    // No obsolete line folding (a line starting with a space), no space before the colon.
    if (colon == std::string_view::npos || !all_tchars(line.substr(0, colon))) return HeadStatus::Other;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim_ows(line.substr(colon + 1));
    if (!plain_value(value)) return HeadStatus::Other;
    if (iequals(name, "Content-Length")) {
      if (++content_lengths > 1 || value.empty() || value.size() > 18 ||
          value.find_first_not_of("0123456789") != std::string_view::npos)
        return HeadStatus::Other;
      out.content_length = 0;
      for (char c : value) out.content_length = out.content_length * 10 + static_cast<uint64_t>(c - '0');
    } else if (iequals(name, "Authorization")) {
      if (++authorizations > 1) return HeadStatus::Other;
      out.authorization = value;
    } else if (iequals(name, "Connection")) {
      // One token: "close" or "keep-alive". Lists and "upgrade" go to the full server.
      if (iequals(value, "close")) {
        out.close = true;
      } else if (!iequals(value, "keep-alive")) {
        return HeadStatus::Other;
      }
    } else if (iequals(name, "Content-Encoding")) {
      if (!iequals(value, "identity")) return HeadStatus::Other;  // gzip is inflated by the full server
    } else if (iequals(name, "Transfer-Encoding") || iequals(name, "Expect") || iequals(name, "Upgrade")) {
      return HeadStatus::Other;
    }
  }
  if (content_lengths != 1) return HeadStatus::Other;
  return HeadStatus::Plain;
}

}  // namespace tp
