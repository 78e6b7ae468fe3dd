// The fast path's head reader: plain heads are read exactly; everything else is `Other` (the full
// server decides), never misread. A misread head would frame the body differently from the full server.
#include "ingest/request_head.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace tp {
namespace {

constexpr size_t kMaxHead = 16 * 1024;

// `head` must outlive `out`, whose fields point into it.
HeadStatus read(const std::string& head, RequestHead& out) {
  return read_request_head(head, kMaxHead, out);
}

HeadStatus status_of(const std::string& head) {
  RequestHead out;
  return read(head, out);
}

const std::string kPlain =
    "POST /v1/events?x=1 HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
    "Authorization: Bearer abc\r\nContent-Length: 42\r\n\r\n";

TEST(RequestHead, ReadsAPlainHead) {
  RequestHead h;
  const std::string request = kPlain + "{\"body\":1}";
  ASSERT_EQ(read(request, h), HeadStatus::Plain);
  EXPECT_EQ(h.method, "POST");
  EXPECT_EQ(h.path, "/v1/events");
  EXPECT_EQ(h.query, "x=1");
  EXPECT_EQ(h.size, kPlain.size());
  EXPECT_EQ(h.content_length, 42u);
  EXPECT_EQ(h.authorization, "Bearer abc");
  EXPECT_FALSE(h.close);
}

TEST(RequestHead, HeaderNamesAreCaseInsensitiveAndValuesTrimmed) {
  RequestHead h;
  const std::string head =
      "POST /v1/batch HTTP/1.1\r\ncontent-length:\t7 \r\nCONNECTION: Close\r\ncontent-encoding: "
      "identity\r\n\r\n";
  ASSERT_EQ(read(head, h), HeadStatus::Plain);
  EXPECT_EQ(h.content_length, 7u);
  EXPECT_TRUE(h.close);
  EXPECT_TRUE(h.authorization.empty());
  EXPECT_TRUE(h.query.empty());
}

TEST(RequestHead, IncompleteUntilTheBlankLine) {
  for (size_t cut : {size_t{0}, size_t{1}, size_t{10}, kPlain.size() - 2, kPlain.size() - 1})
    EXPECT_EQ(status_of(kPlain.substr(0, cut)), HeadStatus::Incomplete) << cut;
}

TEST(RequestHead, TooLongIsOther) {
  const std::string big = "POST /v1/events HTTP/1.1\r\nX-Pad: " + std::string(kMaxHead, 'a');
  EXPECT_EQ(status_of(big), HeadStatus::Other);  // no blank line yet, but already over the limit
  EXPECT_EQ(status_of(big + "\r\nContent-Length: 1\r\n\r\n"), HeadStatus::Other);
}

TEST(RequestHead, AmbiguousFramingIsOther) {
  const std::string line = "POST /v1/events HTTP/1.1\r\n";
  for (const std::string& headers : {
           std::string(""),                                            // no Content-Length
           std::string("Content-Length: 5\r\nContent-Length: 5\r\n"),  // two
           std::string("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"),
           std::string("Transfer-Encoding: chunked\r\n"), std::string("Content-Length: -5\r\n"),
           std::string("Content-Length: 5x\r\n"), std::string("Content-Length: 0x10\r\n"),
           std::string("Content-Length: \r\n"),
           std::string("Content-Length: 1234567890123456789\r\n"),       // 19 digits: left to the full server
           std::string("Content-Length : 5\r\n"),                        // space before the colon
           std::string("Content-Length: 5\r\n folded\r\n"),              // obsolete line folding
           std::string("Content-Length: 5\r\nX-A: b\rc\r\n"),            // a lone CR
           std::string("Content-Length: 5\r\nX-A: b") + '\0' + "c\r\n",  // a NUL
       })
    EXPECT_EQ(status_of(line + headers + "\r\n"), HeadStatus::Other) << headers;
}

TEST(RequestHead, WhatTheFullServerHandlesIsOther) {
  const std::string cl = "Content-Length: 5\r\n";
  EXPECT_EQ(status_of("POST /v1/events HTTP/1.1\r\n" + cl + "Content-Encoding: gzip\r\n\r\n"),
            HeadStatus::Other);
  EXPECT_EQ(status_of("POST /v1/events HTTP/1.1\r\n" + cl + "Expect: 100-continue\r\n\r\n"),
            HeadStatus::Other);
  EXPECT_EQ(status_of("POST /v1/events HTTP/1.1\r\n" + cl + "Upgrade: h2c\r\n\r\n"), HeadStatus::Other);
  EXPECT_EQ(status_of("POST /v1/events HTTP/1.1\r\n" + cl + "Connection: keep-alive, Upgrade\r\n\r\n"),
            HeadStatus::Other);
  EXPECT_EQ(status_of("POST /v1/events HTTP/1.1\r\n" + cl + "Authorization: a\r\nAuthorization: b\r\n\r\n"),
            HeadStatus::Other);
  EXPECT_EQ(status_of("POST /v1/events HTTP/1.0\r\n" + cl + "\r\n"), HeadStatus::Other);
  EXPECT_EQ(status_of("POST http://host/v1/events HTTP/1.1\r\n" + cl + "\r\n"), HeadStatus::Other);
  EXPECT_EQ(status_of("POST  /v1/events HTTP/1.1\r\n" + cl + "\r\n"), HeadStatus::Other);
  EXPECT_EQ(status_of("POST /v1/events HTTP/1.1 \r\n" + cl + "\r\n"), HeadStatus::Other);
  EXPECT_EQ(status_of("PO(ST /v1/events HTTP/1.1\r\n" + cl + "\r\n"), HeadStatus::Other);
  EXPECT_EQ(status_of("POST /v1/ev\x7f"
                      "ents HTTP/1.1\r\n" +
                      cl + "\r\n"),
            HeadStatus::Other);
}

TEST(RequestHead, BareLineFeedsAreOtherEvenBeforeTheHeadEnds) {
  // Another parser would take "\n\n" as the end of the head: waiting for "\r\n\r\n" would hang it.
  EXPECT_EQ(status_of("POST /v1/events HTTP/1.1\nContent-Length: 5\n\n"), HeadStatus::Other);
  EXPECT_EQ(status_of("POST /v1/events HTTP/1.1\r\nContent-Length: 5\n\n"), HeadStatus::Other);
  EXPECT_EQ(status_of("POST /v1/events HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\n"), HeadStatus::Other);
}

TEST(RequestHead, OtherMethodsAreStillPlainHeads) {
  // The front decides by method and route; the reader only judges the shape.
  RequestHead h;
  const std::string head = "GET /healthz HTTP/1.1\r\nContent-Length: 0\r\n\r\n";
  ASSERT_EQ(read(head, h), HeadStatus::Plain);
  EXPECT_EQ(h.method, "GET");
  EXPECT_EQ(h.content_length, 0u);
}

// Hostile bytes: whatever arrives, the reader answers without reading past the buffer, and a Plain head
// lies inside it with its body length as sent. Random mutations of a plain head, deterministic seed.
TEST(RequestHead, MutatedHeadsAreNeverMisread) {
  std::mt19937 rng(20261123);
  const std::string base = kPlain;
  int plain = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string buf = base;
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
    const HeadStatus st = read_request_head(buf, kMaxHead, h);
    if (st != HeadStatus::Plain) continue;
    ++plain;
    ASSERT_LE(h.size, buf.size()) << round;
    EXPECT_EQ(buf.compare(h.size - 4, 4, "\r\n\r\n"), 0) << round;
    // Plain means exactly one all-digit Content-Length and no line the strict grammar rejects.
    EXPECT_EQ(buf.substr(0, h.size).find('\0'), std::string::npos) << round;
    EXPECT_EQ(h.path.front(), '/') << round;
  }
  EXPECT_GT(plain, 1000) << "the mutations should leave many heads plain (e.g. a changed Host value)";
}

}  // namespace
}  // namespace tp
