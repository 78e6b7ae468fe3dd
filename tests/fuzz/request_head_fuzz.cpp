// The event-loop front's head reader on any bytes (src/ingest/request_head.h; one file, so that it follows
// the reader when it moves). A Plain head is read exactly: its fields lie inside the head and hold what
// the fast path relies on; reading it again in pieces, as the socket delivers it, gives Incomplete until
// the blank line and then the same answer; the bytes after the head change nothing.
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "ingest/request_head.h"

namespace {

// The front's default limit, and a small one so the fuzzer reaches the limit's edges too.
constexpr size_t kMaxHead = 16 * 1024;
constexpr size_t kSmallMaxHead = 64;

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

bool same(const tp::RequestHead& a, const tp::RequestHead& b) {
  return a.method == b.method && a.path == b.path && a.query == b.query && a.size == b.size &&
         a.content_length == b.content_length && a.authorization == b.authorization && a.close == b.close;
}

void check(std::string_view buf, size_t max_head) {
  tp::RequestHead head;
  const tp::HeadStatus status = tp::read_request_head(buf, max_head, head);
  if (status == tp::HeadStatus::Incomplete) {
    FUZZ_CHECK(buf.size() < max_head);
    FUZZ_CHECK(buf.find("\r\n\r\n") == std::string_view::npos);
    return;
  }
  if (status != tp::HeadStatus::Plain) return;

  FUZZ_CHECK(head.size >= 4 && head.size <= buf.size() && head.size <= max_head);
  const std::string_view bytes = buf.substr(0, head.size);
  FUZZ_CHECK(bytes.substr(bytes.size() - 4) == "\r\n\r\n");
  FUZZ_CHECK(bytes.find("\r\n\r\n") == bytes.size() - 4);  // the first blank line, not a later one
  for (std::string_view field : {head.method, head.path, head.query, head.authorization}) {
    FUZZ_CHECK(inside(field, bytes));
    for (const char c : field) FUZZ_CHECK(c != '\r' && c != '\n' && c != '\0');
  }
  FUZZ_CHECK(!head.method.empty() && !head.path.empty() && head.path[0] == '/');
  FUZZ_CHECK(head.path.find('?') == std::string_view::npos);
  FUZZ_CHECK(head.content_length < 1'000'000'000'000'000'000ULL);  // at most 18 digits

  // In pieces: every shorter prefix is Incomplete (some cut points; all of them is quadratic).
  for (size_t cut : {size_t{0}, head.size / 2, head.size - 2, head.size - 1}) {
    tp::RequestHead partial;
    FUZZ_CHECK(tp::read_request_head(bytes.substr(0, cut), max_head, partial) == tp::HeadStatus::Incomplete);
  }
  // The head alone, without what followed it: the same reading.
  tp::RequestHead alone;
  FUZZ_CHECK(tp::read_request_head(bytes, max_head, alone) == tp::HeadStatus::Plain);
  FUZZ_CHECK(same(alone, head));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view buf = tp::fuzz::as_text(data, size);
  check(buf, kMaxHead);
  check(buf, kSmallMaxHead);
  return 0;
}
