#include "http/response_writer.h"

#include <cstdio>

#include "http/replies.h"

namespace tp::http {
namespace {

void append_clean(std::string& out, std::string_view s) {
  for (char c : s)
    if (c != '\r' && c != '\n' && c != '\0') out += c;
}

void write_head(std::string& out, const Response& res) {
  out += "HTTP/1.1 ";
  out += std::to_string(res.status);
  out += ' ';
  out += reason_phrase(res.status);
  out += "\r\n";
  if (!res.content_type.empty()) {
    out += "Content-Type: ";
    append_clean(out, res.content_type);
    out += "\r\n";
  }
  for (const auto& [name, value] : res.headers) {
    append_clean(out, name);
    out += ": ";
    append_clean(out, value);
    out += "\r\n";
  }
}

bool has_no_body(int status) {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

}  // namespace

void write_response(std::string& out, const Response& res, bool head_only, bool close) {
  out.reserve(out.size() + res.body.size() + 160);
  write_head(out, res);
  if (!has_no_body(res.status)) {
    out += "Content-Length: ";
    out += std::to_string(res.body.size());
    out += "\r\n";
  }
  out += close ? "Connection: close\r\n\r\n" : "Connection: keep-alive\r\n\r\n";
  if (!head_only && !has_no_body(res.status)) out += res.body;
}

void write_stream_head(std::string& out, const Response& res) {
  write_head(out, res);
  out += "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
}

std::string chunk_frame(std::string_view data) {
  char size[20];
  const int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string out;
  out.reserve(static_cast<size_t>(n) + data.size() + 2);
  out.append(size, static_cast<size_t>(n));
  out.append(data);
  out += "\r\n";
  return out;
}

}  // namespace tp::http
