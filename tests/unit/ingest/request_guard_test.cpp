#include "ingest/request_guard.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <string>

namespace tp {
namespace {

using ::testing::HasSubstr;

constexpr size_t kMax = 1024 * 1024;

TEST(CheckFramingValues, PlainRequestsGoOn) {
  EXPECT_EQ(check_framing_values(0, "", 0, "", kMax).status, 0);   // no body
  EXPECT_EQ(check_framing_values(1, "0", 0, "", kMax).status, 0);  // empty body
  EXPECT_EQ(check_framing_values(1, "512", 0, "", kMax).status, 0);
  EXPECT_EQ(check_framing_values(1, std::to_string(kMax), 0, "", kMax).status, 0);  // exactly the limit
  EXPECT_EQ(check_framing_values(0, "", 1, "chunked", kMax).status, 0);
  EXPECT_EQ(check_framing_values(0, "", 1, "Chunked", kMax).status, 0);  // case-insensitive
  const GuardVerdict fine = check_framing_values(1, "10", 0, "", kMax);
  EXPECT_TRUE(fine.field.empty());
  EXPECT_TRUE(fine.error.empty());
}

TEST(CheckFramingValues, DuplicateContentLengthIsRefused) {
  const GuardVerdict v = check_framing_values(2, "10", 0, "", kMax);
  EXPECT_EQ(v.status, 400);
  EXPECT_EQ(v.field, "Content-Length");
  EXPECT_FALSE(v.error.empty());
}

TEST(CheckFramingValues, DuplicateTransferEncodingIsRefused) {
  const GuardVerdict v = check_framing_values(0, "", 2, "chunked", kMax);
  EXPECT_EQ(v.status, 400);
  EXPECT_EQ(v.field, "Transfer-Encoding");
}

TEST(CheckFramingValues, ContentLengthWithTransferEncodingIsRefused) {
  const GuardVerdict v = check_framing_values(1, "10", 1, "chunked", kMax);
  EXPECT_EQ(v.status, 400);
  EXPECT_EQ(v.field, "Transfer-Encoding");
  EXPECT_THAT(v.error, HasSubstr("together"));
}

TEST(CheckFramingValues, OnlyPlainChunkedTransferEncoding) {
  for (const char* te : {"gzip", "gzip, chunked", "chunked, gzip", "identity", " chunked", "chunked ", ""}) {
    const GuardVerdict v = check_framing_values(0, "", 1, te, kMax);
    EXPECT_EQ(v.status, 400) << "'" << te << "'";
    EXPECT_EQ(v.field, "Transfer-Encoding") << "'" << te << "'";
  }
}

TEST(CheckFramingValues, ContentLengthMustBeDecimal) {
  for (const char* cl : {"", "-1", "+5", "1e3", "0x10", " 10", "10 ", "1,0", "ten", "12345678901234567890"}) {
    const GuardVerdict v = check_framing_values(1, cl, 0, "", kMax);
    EXPECT_EQ(v.status, 400) << "'" << cl << "'";
    EXPECT_EQ(v.field, "Content-Length") << "'" << cl << "'";
  }
}

TEST(CheckFramingValues, ContentLengthOverTheLimitIs413) {
  const GuardVerdict v = check_framing_values(1, std::to_string(kMax + 1), 0, "", kMax);
  EXPECT_EQ(v.status, 413);
  EXPECT_EQ(v.field, "body");
  EXPECT_THAT(v.error, HasSubstr(std::to_string(kMax)));
  // The largest value that still fits the digit limit does not overflow into a small number.
  EXPECT_EQ(check_framing_values(1, "9999999999999999999", 0, "", kMax).status, 413);
  EXPECT_EQ(check_framing_values(1, "0000000000000000001", 0, "", kMax).status, 0);
}

TEST(CheckRequestFraming, ReadsHttplibHeadersCaseInsensitively) {
  httplib::Headers ok{{"content-length", "10"}, {"Host", "x"}};
  EXPECT_EQ(check_request_framing(ok, kMax).status, 0);

  httplib::Headers twice{{"Content-Length", "10"}, {"content-length", "12"}};
  EXPECT_EQ(check_request_framing(twice, kMax).status, 400);

  httplib::Headers both{{"CONTENT-LENGTH", "10"}, {"transfer-encoding", "chunked"}};
  const GuardVerdict v = check_request_framing(both, kMax);
  EXPECT_EQ(v.status, 400);
  EXPECT_EQ(v.field, "Transfer-Encoding");

  httplib::Headers big{{"Content-Length", "2048"}};
  EXPECT_EQ(check_request_framing(big, 1024).status, 413);

  httplib::Headers none{{"Host", "x"}};
  EXPECT_EQ(check_request_framing(none, kMax).status, 0);
}

}  // namespace
}  // namespace tp
