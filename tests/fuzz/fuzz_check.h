// What every fuzz target shares: the libFuzzer entry point's signature, a check that stops the process
// where the fuzzer (or the regression runner) can see it, and the UTF-8 test several targets need.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

// A broken property is a crash to libFuzzer: it saves the input and stops. Not assert(): the property is
// checked in every build type, and the message says which one broke before the trap.
#define FUZZ_CHECK(cond)                                                                    \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "%s:%d: fuzz property failed: %s\n", __FILE__, __LINE__, #cond); \
      std::fflush(stderr);                                                                  \
      __builtin_trap();                                                                     \
    }                                                                                       \
  } while (0)

namespace tp::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Well-formed UTF-8 (RFC 3629 table 4: no overlong forms, no surrogates, nothing past U+10FFFF). Written
// here rather than taken from util/text.h, so that the oracle does not share the code it judges.
inline bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* const end = p + s.size();
  auto in = [&](size_t i, unsigned lo, unsigned hi) { return p + i < end && p[i] >= lo && p[i] <= hi; };
  while (p < end) {
    const unsigned c = *p;
    size_t n = 0;
    if (c < 0x80)
      n = 1;
    else if (c >= 0xC2 && c <= 0xDF)
      n = in(1, 0x80, 0xBF) ? 2 : 0;
    else if (c == 0xE0)
      n = in(1, 0xA0, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
    else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
      n = in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
    else if (c == 0xED)
      n = in(1, 0x80, 0x9F) && in(2, 0x80, 0xBF) ? 3 : 0;
    else if (c == 0xF0)
      n = in(1, 0x90, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
    else if (c >= 0xF1 && c <= 0xF3)
      n = in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
    else if (c == 0xF4)
      n = in(1, 0x80, 0x8F) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
    if (n == 0) return false;
    p += n;
  }
  return true;
}

}  // namespace tp::fuzz
