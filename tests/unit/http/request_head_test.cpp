// The one head reader: plain heads are read exactly; whatever two parsers could read differently is
// refused with a status and the field at fault, never guessed. A misread head would frame the body
// differently from a proxy in front of us (request smuggling).
#include "http/request_head.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace tp::http {
namespace {

const HeadLimits kLimits{};

// `head` must outlive `out`, whose fields point into it.
HeadStatus read(const std::string& head, RequestHead& out, HeadError* error = nullptr) {
  HeadError e;
  const HeadStatus st = read_request_head(head, kLimits, out, e);
  if (error) *error = e;
  return st;
}

HeadStatus status_of(const std::string& head) {
  RequestHead out;
  return read(head, out);
}

HeadError error_of(const std::string& head) {
  RequestHead out;
  HeadError e;
  EXPECT_EQ(read(head, out, &e), HeadStatus::Invalid) << head;
  return e;
}

const std::string kPlain =
    "POST /v1/events?x=1 HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
    "Authorization: Bearer abc\r\nContent-Length: 42\r\n\r\n";

TEST(RequestHead, ReadsAPlainHead) {
  RequestHead h;
  const std::string request = kPlain + "{\"body\":1}";
  ASSERT_EQ(read(request, h), HeadStatus::Complete);
  EXPECT_EQ(h.method, "POST");
  EXPECT_EQ(h.path, "/v1/events");
  EXPECT_EQ(h.query, "x=1");
  EXPECT_EQ(h.size, kPlain.size());
  EXPECT_EQ(h.content_length, 42u);
  EXPECT_EQ(h.authorization, "Bearer abc");
  EXPECT_FALSE(h.close);
  EXPECT_FALSE(h.chunked);
  ASSERT_EQ(h.headers.size(), 4u);
  EXPECT_EQ(h.headers[1].first, "Content-Type");
  EXPECT_EQ(h.headers[1].second, "application/json");
}

TEST(RequestHead, HeaderNamesAreCaseInsensitiveAndValuesTrimmed) {
  RequestHead h;
  const std::string head =
      "POST /v1/batch HTTP/1.1\r\ncontent-length:\t7 \r\nCONNECTION: Close\r\ncontent-encoding: "
      "identity\r\n\r\n";
  ASSERT_EQ(read(head, h), HeadStatus::Complete);
  EXPECT_EQ(h.content_length, 7u);
  EXPECT_TRUE(h.close);
  EXPECT_TRUE(h.authorization.empty());
  EXPECT_TRUE(h.query.empty());
}

TEST(RequestHead, WhatRealClientsSendIsRead) {
  RequestHead h;
  const std::string gzip =
      "POST /v1/batch HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\nExpect: 100-continue\r\n"
      "Connection: keep-alive, Upgrade\r\nUpgrade: h2c\r\n\r\n";
  ASSERT_EQ(read(gzip, h), HeadStatus::Complete);
  EXPECT_EQ(h.coding, ContentCoding::Gzip);
  EXPECT_TRUE(h.expect_continue);
  EXPECT_FALSE(h.close);
  const std::string chunked = "POST /v1/events HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n";
  ASSERT_EQ(read(chunked, h), HeadStatus::Complete);
  EXPECT_TRUE(h.chunked);
  EXPECT_FALSE(h.content_length);
  const std::string get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(read(get, h), HeadStatus::Complete);
  EXPECT_FALSE(h.content_length);
  // HTTP/1.0 closes unless it asks to keep the connection.
  const std::string old = "GET /healthz HTTP/1.0\r\n\r\n";
  ASSERT_EQ(read(old, h), HeadStatus::Complete);
  EXPECT_TRUE(h.http10);
  EXPECT_TRUE(h.close);
  const std::string old_kept = "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
  ASSERT_EQ(read(old_kept, h), HeadStatus::Complete);
  EXPECT_FALSE(h.close);
  // Non-ASCII bytes in a value (obs-text) are data, not a fault.
  const std::string utf8 = "GET / HTTP/1.1\r\nX-Name: J\xc3\xa1nis\r\n\r\n";
  EXPECT_EQ(read(utf8, h), HeadStatus::Complete);
}

TEST(RequestHead, IncompleteUntilTheBlankLine) {
  for (size_t cut : {size_t{0}, size_t{1}, size_t{10}, kPlain.size() - 2, kPlain.size() - 1})
    EXPECT_EQ(status_of(kPlain.substr(0, cut)), HeadStatus::Incomplete) << cut;
}

TEST(RequestHead, ATrickledHeadIsReadWithTheScanResumed) {
  size_t scanned = 0;
  RequestHead h;
  HeadError e;
  std::string buf;
  for (size_t i = 0; i + 1 < kPlain.size(); ++i) {
    buf += kPlain[i];
    ASSERT_EQ(read_request_head(buf, kLimits, h, e, &scanned), HeadStatus::Incomplete) << i;
  }
  buf += kPlain.back();
  ASSERT_EQ(read_request_head(buf, kLimits, h, e, &scanned), HeadStatus::Complete);
  EXPECT_EQ(h.size, kPlain.size());
  // A bare LF is caught even when it arrives alone.
  std::string bad = "POST / HTTP/1.1\r\nA: b\r";
  scanned = 0;
  ASSERT_EQ(read_request_head(bad, kLimits, h, e, &scanned), HeadStatus::Incomplete);
  bad += "\nB: c\n";
  EXPECT_EQ(read_request_head(bad, kLimits, h, e, &scanned), HeadStatus::Invalid);
}

TEST(RequestHead, TooLongIs431) {
  const std::string big = "POST /v1/events HTTP/1.1\r\nX-Pad: " + std::string(kLimits.max_head_bytes, 'a');
  EXPECT_EQ(error_of(big).status, 431);  // no blank line yet, but already over the limit
  EXPECT_EQ(error_of(big + "\r\nContent-Length: 1\r\n\r\n").status, 431);
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 101; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(error_of(many + "\r\n").status, 431);
}

TEST(RequestHead, AmbiguousFramingIsRefusedNamingTheField) {
  const std::string line = "POST /v1/events HTTP/1.1\r\n";
  const std::pair<std::string, std::string> cases[] = {
      {"Content-Length: 5\r\nContent-Length: 5\r\n", "Content-Length"},
      {"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "Transfer-Encoding"},
      {"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "Transfer-Encoding"},
      {"Transfer-Encoding: gzip, chunked\r\n", "Transfer-Encoding"},
      {"Transfer-Encoding: identity\r\n", "Transfer-Encoding"},
      {"Content-Length: -5\r\n", "Content-Length"},
      {"Content-Length: 5x\r\n", "Content-Length"},
      {"Content-Length: 0x10\r\n", "Content-Length"},
      {"Content-Length: \r\n", "Content-Length"},
      {"Content-Length: 1234567890123456789\r\n", "Content-Length"},
      {"Content-Length : 5\r\n", "headers"},              // space before the colon
      {"Transfer-Encoding : chunked\r\n", "headers"},     // the smuggling shape of the hostile run
      {"Content-Length: 5\r\n folded\r\n", "headers"},    // obsolete line folding
      {"Content-Length: 5\r\nX-A: b\rc\r\n", "headers"},  // a lone CR
      {std::string("Content-Length: 5\r\nX-A: b") + '\0' + "c\r\n", "X-A"},  // a NUL
      {"Authorization: a\r\nAuthorization: b\r\n", "Authorization"},
      {"Host: a\r\nHost: b\r\n", "Host"},
  };
  for (const auto& [headers, field] : cases) {
    const HeadError e = error_of(line + headers + "\r\n");
    EXPECT_EQ(e.status, 400) << headers;
    EXPECT_EQ(e.field, field) << headers;
    EXPECT_FALSE(e.message.empty()) << headers;
  }
}

TEST(RequestHead, UnsupportedIsRefusedWithItsOwnStatus) {
  const std::string cl = "Content-Length: 5\r\n";
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\n" + cl + "Content-Encoding: br\r\n\r\n").status, 415);
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\n" + cl + "Expect: something\r\n\r\n").status, 417);
  EXPECT_EQ(error_of("POST / HTTP/2.0\r\n" + cl + "\r\n").status, 505);
  EXPECT_EQ(error_of("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n").status, 400);
  for (const std::string& line :
       {std::string("POST http://host/v1/events HTTP/1.1"), std::string("POST  /v1/events HTTP/1.1"),
        std::string("POST /v1/events HTTP/1.1 "), std::string("PO(ST /v1/events HTTP/1.1"),
        std::string("POST /v1/ev\x7f"
                    "ents HTTP/1.1")}) {
    const HeadError e = error_of(line + "\r\n" + cl + "\r\n");
    EXPECT_EQ(e.status, 400) << line;
    EXPECT_EQ(e.field, "request line") << line;
  }
}

TEST(RequestHead, BareLineFeedsAreRefusedEvenBeforeTheHeadEnds) {
  // Another parser would take "\n\n" as the end of the head: waiting for "\r\n\r\n" would hang it.
  EXPECT_EQ(status_of("POST /v1/events HTTP/1.1\nContent-Length: 5\n\n"), HeadStatus::Invalid);
  EXPECT_EQ(status_of("POST /v1/events HTTP/1.1\r\nContent-Length: 5\n\n"), HeadStatus::Invalid);
  EXPECT_EQ(status_of("POST /v1/events HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\n"), HeadStatus::Invalid);
  EXPECT_EQ(status_of("POST /v1/events HTTP/1.1\r\nHost: a\n"), HeadStatus::Invalid);
}

// Hostile bytes: whatever arrives, the reader answers without reading past the buffer, and a complete
// head lies inside it. Random mutations of a plain head, deterministic seed.
TEST(RequestHead, MutatedHeadsAreNeverMisread) {
  std::mt19937 rng(20261123);
  int complete = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string buf = kPlain;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % buf.size();
      switch (rng() % 3) {
        case 0:
          buf[at] = static_cast<char>(rng() % 256);
          break;
        case 1:
          buf.erase(at, 1 + rng() % 3);
          break;
        default:
          buf.insert(at, 1, "\r\n :\0\t0"[rng() % 7]);
          break;
      }
      if (buf.empty()) buf = "P";
    }
    RequestHead h;
    HeadError err;
    const HeadStatus st = read_request_head(buf, kLimits, h, err);
    if (st == HeadStatus::Invalid) {
      EXPECT_GE(err.status, 400) << round;
      EXPECT_FALSE(err.message.empty()) << round;
    }
    if (st != HeadStatus::Complete) continue;
    ++complete;
    ASSERT_LE(h.size, buf.size()) << round;
    EXPECT_EQ(buf.compare(h.size - 4, 4, "\r\n\r\n"), 0) << round;
    EXPECT_EQ(buf.substr(0, h.size).find('\0'), std::string::npos) << round;
    EXPECT_EQ(h.path.front(), '/') << round;
    EXPECT_FALSE(h.chunked && h.content_length) << round;
  }
  EXPECT_GT(complete, 1000) << "the mutations should leave many heads whole (e.g. a changed Host value)";
}

}  // namespace
}  // namespace tp::http
