#include "util/binary_io.h"

#include <gtest/gtest.h>

#include <limits>

namespace tp {
namespace {

TEST(BinaryIo, ValuesRoundTripAtTheirLimits) {
  BinaryWriter w;
  const uint64_t big = std::numeric_limits<uint64_t>::max();
  const int64_t low = std::numeric_limits<int64_t>::min(), high = std::numeric_limits<int64_t>::max();
  w.u64(0);
  w.u64(127);
  w.u64(128);
  w.u64(big);
  w.i64(-1);
  w.i64(low);
  w.i64(high);
  w.f64(-0.125);
  w.str("");
  w.str(std::string("a\0b", 3));
  w.boolean(true);
  BinaryReader r(w.buffer());
  EXPECT_EQ(r.u64(), 0u);
  EXPECT_EQ(r.u64(), 127u);
  EXPECT_EQ(r.u64(), 128u);
  EXPECT_EQ(r.u64(), big);
  EXPECT_EQ(r.i64(), -1);
  EXPECT_EQ(r.i64(), low);
  EXPECT_EQ(r.i64(), high);
  EXPECT_EQ(r.f64(), -0.125);
  EXPECT_EQ(r.str(), "");
  EXPECT_EQ(r.str(), std::string("a\0b", 3));
  EXPECT_TRUE(r.boolean());
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.at_end());
}

TEST(BinaryIo, SmallNumbersTakeOneByte) {
  BinaryWriter w;
  w.u64(5);
  w.i64(-3);
  EXPECT_EQ(w.buffer().size(), 2u);
}

TEST(BinaryIo, TruncatedInputFailsInsteadOfReadingPastTheEnd) {
  BinaryWriter w;
  w.str("hello");
  w.u64(uint64_t{1} << 40);
  w.f64(1.5);
  const std::string all = w.buffer();
  for (size_t cut = 0; cut < all.size(); ++cut) {
    BinaryReader r(std::string_view(all).substr(0, cut));
    (void)r.str();
    (void)r.u64();
    (void)r.f64();
    EXPECT_FALSE(r.ok()) << cut;
  }
}

TEST(BinaryIo, AHugeLengthOrCountIsRefusedWithoutAllocating) {
  BinaryWriter w;
  w.u64(uint64_t{1} << 60);  // a string "length" no input can hold
  BinaryReader strings(w.buffer());
  EXPECT_EQ(strings.str(), "");
  EXPECT_FALSE(strings.ok());
  BinaryReader counts(w.buffer());
  EXPECT_EQ(counts.count(8), 0u);
  EXPECT_FALSE(counts.ok());
  // An endless varint (every byte says "more") stops after 64 bits.
  const std::string ff(20, '\xff');
  BinaryReader endless(ff);
  (void)endless.u64();
  EXPECT_FALSE(endless.ok());
}

}  // namespace
}  // namespace tp
