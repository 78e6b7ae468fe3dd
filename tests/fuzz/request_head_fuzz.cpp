// The HTTP layer's readers on any bytes (src/http/request_head.h, src/http/body_decoding.h): every request
// the daemon answers goes through them. Properties:
// - A Complete head is read exactly: its fields lie inside the head, hold no CR, LF or NUL, and a path
//   starts with '/'; the bytes after the head change nothing.
// - Read again in pieces, as the socket delivers it, with `scanned` carried between calls: Incomplete until
//   the blank line, then the same answer (the resume never skips or rescans into a different reading).
// - An Invalid head names a status the server can send and a field.
// - A chunked body decodes to the same bytes (or the same refusal) whether it arrives whole or a byte at a
//   time, and never grows past the limit.
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "http/body_decoding.h"
#include "http/request_head.h"

namespace {

using tp::http::HeadStatus;

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

bool same(const tp::http::RequestHead& a, const tp::http::RequestHead& b) {
  return a.method == b.method && a.path == b.path && a.query == b.query && a.size == b.size &&
         a.http10 == b.http10 && a.content_length == b.content_length && a.chunked == b.chunked &&
         a.coding == b.coding && a.expect_continue == b.expect_continue && a.close == b.close &&
         a.authorization == b.authorization && a.headers == b.headers;
}

bool sendable(int status) {
  return status == 400 || status == 413 || status == 415 || status == 417 || status == 431 || status == 505;
}

void check_chunked(std::string_view body, size_t max_body) {
  tp::http::ChunkedDecoder whole;
  size_t pos = 0;
  std::string out;
  const auto status = whole.feed(body, pos, out, max_body);
  FUZZ_CHECK(pos <= body.size());
  FUZZ_CHECK(out.size() <= max_body);

  tp::http::ChunkedDecoder trickle;
  size_t tpos = 0;
  std::string tout;
  auto tstatus = tp::http::ChunkedDecoder::Status::NeedMore;
  for (size_t end = 1; end <= body.size() && tstatus == tp::http::ChunkedDecoder::Status::NeedMore; ++end)
    tstatus = trickle.feed(body.substr(0, end), tpos, tout, max_body);
  if (body.empty()) return;
  FUZZ_CHECK(tstatus == status);
  if (status == tp::http::ChunkedDecoder::Status::Done) {
    FUZZ_CHECK(tout == out);
    FUZZ_CHECK(tpos == pos);
  }
}

void check(std::string_view buf, const tp::http::HeadLimits& limits) {
  tp::http::RequestHead head;
  tp::http::HeadError error;
  const HeadStatus status = tp::http::read_request_head(buf, limits, head, error);
  if (status == HeadStatus::Incomplete) {
    FUZZ_CHECK(buf.size() < limits.max_head_bytes);
    FUZZ_CHECK(buf.find("\r\n\r\n") == std::string_view::npos);
    return;
  }
  if (status == HeadStatus::Invalid) {
    FUZZ_CHECK(sendable(error.status));
    FUZZ_CHECK(!error.field.empty() && !error.message.empty());
    return;
  }

  FUZZ_CHECK(head.size >= 4 && head.size <= buf.size() && head.size <= limits.max_head_bytes);
  const std::string_view bytes = buf.substr(0, head.size);
  FUZZ_CHECK(bytes.substr(bytes.size() - 4) == "\r\n\r\n");
  FUZZ_CHECK(bytes.find("\r\n\r\n") == bytes.size() - 4);  // the first blank line, not a later one
  for (std::string_view field : {head.method, head.path, head.query, head.authorization}) {
    FUZZ_CHECK(inside(field, bytes));
    for (const char c : field) FUZZ_CHECK(c != '\r' && c != '\n' && c != '\0');
  }
  FUZZ_CHECK(head.headers.size() <= limits.max_headers);
  for (const auto& [name, value] : head.headers) {
    FUZZ_CHECK(inside(name, bytes) && inside(value, bytes) && !name.empty());
    for (const char c : value) FUZZ_CHECK(c != '\r' && c != '\n' && c != '\0');
  }
  FUZZ_CHECK(!head.method.empty() && !head.path.empty() && head.path[0] == '/');
  FUZZ_CHECK(head.path.find('?') == std::string_view::npos);
  FUZZ_CHECK(!(head.chunked && head.content_length));  // never both: the smuggling shape

  // The head alone, without what followed it: the same reading.
  tp::http::RequestHead alone;
  FUZZ_CHECK(tp::http::read_request_head(bytes, limits, alone, error) == HeadStatus::Complete);
  FUZZ_CHECK(same(alone, head));

  // In pieces with the resume offset, as the server reads a trickling head (some cut points; every one
  // is quadratic on long inputs).
  size_t scanned = 0;
  for (size_t cut : {size_t{1}, head.size / 3, head.size / 2, head.size - 2, head.size - 1, head.size}) {
    if (cut == 0 || cut > head.size) continue;
    tp::http::RequestHead partial;
    const HeadStatus s = tp::http::read_request_head(bytes.substr(0, cut), limits, partial, error, &scanned);
    if (cut < head.size) {
      FUZZ_CHECK(s == HeadStatus::Incomplete);
    } else {
      FUZZ_CHECK(s == HeadStatus::Complete);
      FUZZ_CHECK(same(partial, head));
    }
  }

  if (head.chunked) check_chunked(buf.substr(head.size).substr(0, 512), 64);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view buf = tp::fuzz::as_text(data, size);
  check(buf, tp::http::HeadLimits{});                                        // the server's defaults
  check(buf, tp::http::HeadLimits{.max_head_bytes = 64, .max_headers = 3});  // small, to reach the edges
  return 0;
}
