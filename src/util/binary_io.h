// A compact binary encoding for state the daemon saves and loads itself (analytics snapshots): varints,
// zigzag integers, doubles, length-prefixed strings. The reader never trusts its input: every read is
// bounds-checked and a malformed or truncated buffer makes it fail (ok() false), never crash or allocate
// without bound, so a damaged snapshot is simply discarded.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace tp {

class BinaryWriter {
 public:
  void u64(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void i64(int64_t v) { u64((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void f64(double v) {
    char b[8];
    std::memcpy(b, &v, 8);
    out_.append(b, 8);
  }
  void str(std::string_view s) {
    u64(s.size());
    out_.append(s);
  }
  void boolean(bool b) { out_.push_back(b ? 1 : 0); }

  std::string& buffer() { return out_; }

 private:
  std::string out_;
};

class BinaryReader {
 public:
  explicit BinaryReader(std::string_view in) : in_(in) {}

  uint64_t u64() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return fail();
      const auto b = static_cast<unsigned char>(in_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    return fail();
  }
  int64_t i64() {
    const uint64_t z = u64();
    return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
  }
  double f64() {
    if (in_.size() - pos_ < 8) return static_cast<double>(fail());
    double v;
    std::memcpy(&v, in_.data() + pos_, 8);
    pos_ += 8;
    return v;
  }
  std::string str() {
    const uint64_t n = u64();
    if (n > in_.size() - pos_) return fail(), std::string();
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  bool boolean() { return u64() != 0; }
  // A count of items about to be read, each at least `min_bytes` long: fails when the rest of the
  // input cannot hold that many, so a corrupt count cannot make the caller reserve gigabytes.
  size_t count(size_t min_bytes = 1) {
    const uint64_t n = u64();
    if (min_bytes && n > (in_.size() - pos_) / min_bytes) return fail();
    return static_cast<size_t>(n);
  }

  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == in_.size(); }

 private:
  uint64_t fail() {
    ok_ = false;
    pos_ = in_.size();
    return 0;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace tp
