#include "util/time.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace tp {
namespace {

using namespace std::chrono;

// An independent oracle: the standard library's calendar (C++20), not the code under test.
int64_t utc_ms(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0, int ms = 0) {
  const sys_days date = year{y} / month{mo} / day{d};
  return duration_cast<milliseconds>(date.time_since_epoch()).count() + ((h * 60 + mi) * 60 + s) * 1000LL +
         ms;
}

TEST(ParseRfc3339, UtcWithZ) {
  EXPECT_EQ(parse_rfc3339_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-23T09:15:00Z"), utc_ms(2026, 11, 23, 9, 15));
  EXPECT_EQ(parse_rfc3339_ms("1999-12-31T23:59:59Z"), utc_ms(1999, 12, 31, 23, 59, 59));
}

TEST(ParseRfc3339, BeforeTheEpochIsNegative) {
  EXPECT_EQ(parse_rfc3339_ms("1969-12-31T23:59:59Z"), -1000);
  EXPECT_EQ(parse_rfc3339_ms("1900-03-01T00:00:00Z"), utc_ms(1900, 3, 1));
}

TEST(ParseRfc3339, OffsetsAreConvertedToUtc) {
  const int64_t utc = utc_ms(2026, 11, 23, 9, 15);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-23T11:15:00+02:00"), utc);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-23T03:45:00-05:30"), utc);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-23T09:15:00+00:00"), utc);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-23T09:15:00-00:00"), utc);
  // The offset can move the instant across a day (and year) boundary.
  EXPECT_EQ(parse_rfc3339_ms("2027-01-01T01:00:00+03:00"), utc_ms(2026, 12, 31, 22));
}

TEST(ParseRfc3339, FractionsAreMillisecondsTruncated) {
  const int64_t base = utc_ms(2026, 11, 23, 9, 15);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-23T09:15:00.1Z"), base + 100);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-23T09:15:00.12Z"), base + 120);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-23T09:15:00.123Z"), base + 123);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-23T09:15:00.123999999Z"), base + 123);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-23T09:15:00.000Z"), base);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-23T11:15:00.5+02:00"), base + 500);
}

TEST(ParseRfc3339, SpaceSeparatorAndLowerCaseLetters) {
  const int64_t expected = utc_ms(2026, 11, 23, 9, 15, 7);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-23 09:15:07Z"), expected);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-23t09:15:07z"), expected);
}

TEST(ParseRfc3339, LeapYears) {
  EXPECT_EQ(parse_rfc3339_ms("2024-02-29T00:00:00Z"), utc_ms(2024, 2, 29));
  EXPECT_EQ(parse_rfc3339_ms("2000-02-29T00:00:00Z"), utc_ms(2000, 2, 29));
  EXPECT_FALSE(parse_rfc3339_ms("2025-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339_ms("2100-02-29T00:00:00Z"));  // divisible by 100, not by 400
}

TEST(ParseRfc3339, LeapSecondFoldsIntoTheNextMinute) {
  EXPECT_EQ(parse_rfc3339_ms("2016-12-31T23:59:60Z"), parse_rfc3339_ms("2017-01-01T00:00:00Z"));
}

TEST(ParseRfc3339, RejectsImpossibleDatesAndTimes) {
  for (const char* text : {
           "2026-02-30T00:00:00Z",  // Feb 30
           "2026-04-31T00:00:00Z",  // April has 30 days
           "2026-00-10T00:00:00Z",  // month 0
           "2026-13-10T00:00:00Z",  // month 13
           "2026-01-00T00:00:00Z",  // day 0
           "2026-01-32T00:00:00Z",  // day 32
           "2026-01-01T24:00:00Z",  // hour 24
           "2026-01-01T23:60:00Z",  // minute 60
           "2026-01-01T23:59:61Z",  // second 61
           "2026-01-01T00:00:00+24:00",
           "2026-01-01T00:00:00+01:60",
       }) {
    EXPECT_FALSE(parse_rfc3339_ms(text)) << text;
  }
}

TEST(ParseRfc3339, RejectsMalformedText) {
  for (const char* text : {
           "",
           "2026-11-23",                // date only
           "2026-11-23T09:15:00",       // no zone
           "2026-11-23T09:15Z",         // no seconds
           "2026-1-23T09:15:00Z",       // one-digit month
           "26-11-23T09:15:00Z",        // two-digit year
           "2026/11/23T09:15:00Z",      // wrong separators
           "2026-11-23X09:15:00Z",      // wrong date/time separator
           "2026-11-23T09:15:00.Z",     // a dot without digits
           "2026-11-23T09:15:00+0200",  // offset without colon
           "2026-11-23T09:15:00+2:00",  // one-digit offset hour
           "2026-11-23T09:15:00Zjunk",  // trailing text
           "2026-11-23T09:15:00Z ",     // trailing space
           " 2026-11-23T09:15:00Z",     // leading space
           "2026-11-23T09:15:0aZ",      // letter in a number
           "1700000000000",             // a number, not a date
       }) {
    EXPECT_FALSE(parse_rfc3339_ms(text)) << "'" << text << "'";
  }
}

TEST(FormatRfc3339, AlwaysUtcWithMilliseconds) {
  EXPECT_EQ(format_rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339_ms(utc_ms(2026, 11, 23, 9, 15, 0, 123)), "2026-11-23T09:15:00.123Z");
  EXPECT_EQ(format_rfc3339_ms(utc_ms(2024, 2, 29, 23, 59, 59, 999)), "2024-02-29T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339_ms(utc_ms(2026, 1, 2, 3, 4, 5, 7)), "2026-01-02T03:04:05.007Z");
}

TEST(FormatRfc3339, NegativeTimesCountBackFromTheEpoch) {
  EXPECT_EQ(format_rfc3339_ms(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339_ms(-1000), "1969-12-31T23:59:59.000Z");
  EXPECT_EQ(format_rfc3339_ms(-86400000), "1969-12-31T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339_ms(utc_ms(1900, 3, 1, 12)), "1900-03-01T12:00:00.000Z");
}

TEST(FormatRfc3339, RoundTripsThroughParse) {
  const int64_t samples[] = {0,
                             1,
                             -1,
                             999,
                             -999,
                             86399999,
                             utc_ms(2000, 2, 29, 12, 0, 0, 1),
                             utc_ms(2026, 11, 23, 9, 15, 0, 123),
                             utc_ms(1601, 1, 1),
                             utc_ms(9999, 12, 31, 23, 59, 59, 999)};
  for (const int64_t ms : samples) {
    const std::string text = format_rfc3339_ms(ms);
    EXPECT_EQ(parse_rfc3339_ms(text), ms) << text;
  }
  // A sweep over ~100 years in irregular steps, crossing month ends, leap days and the epoch.
  for (int64_t ms = utc_ms(1950, 1, 1); ms < utc_ms(2050, 1, 1);
       ms += 86400000LL * 37 + 3600000LL * 5 + 12345) {
    const std::string text = format_rfc3339_ms(ms);
    ASSERT_EQ(parse_rfc3339_ms(text), ms) << text;
  }
}

TEST(NowUnixMs, AgreesWithTheSystemClock) {
  const auto before = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  const int64_t now = now_unix_ms();
  const auto after = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  EXPECT_LE(before, now);
  EXPECT_LE(now, after);
}

}  // namespace
}  // namespace tp
