#include "util/fast_json.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "util/text.h"

namespace tp {
namespace {

using json = nlohmann::json;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Length of the well-formed UTF-8 sequence at `p` (RFC 3629: no overlong forms, no surrogates, nothing
// past U+10FFFF), or 0. The same table nlohmann's lexer checks strings against.
size_t utf8_sequence(const unsigned char* p, const unsigned char* end) {
  const unsigned char c = p[0];
  auto in = [&](size_t i, unsigned char lo, unsigned char hi) {
    return p + i < end && p[i] >= lo && p[i] <= hi;
  };
  if (c >= 0xC2 && c <= 0xDF) return in(1, 0x80, 0xBF) ? 2 : 0;
  if (c == 0xE0) return in(1, 0xA0, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
    return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
  if (c == 0xED) return in(1, 0x80, 0x9F) && in(2, 0x80, 0xBF) ? 3 : 0;
  if (c == 0xF0) return in(1, 0x90, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  if (c == 0xF4) return in(1, 0x80, 0x8F) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  return 0;
}

class Parser {
 public:
  Parser(std::string_view text, size_t max_depth)
      : p_(reinterpret_cast<const unsigned char*>(text.data())),
        end_(p_ + text.size()),
        max_depth_(max_depth) {}

  bool document(json& out) {
    skip_space();
    if (!value(out, 0)) return false;
    skip_space();
    return p_ == end_;
  }

 private:
  void skip_space() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool literal(const char* word, size_t n) {
    if (static_cast<size_t>(end_ - p_) < n || std::memcmp(p_, word, n) != 0) return false;
    p_ += n;
    return true;
  }

  bool value(json& out, size_t depth) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        return object(out, depth + 1);
      case '[':
        return array(out, depth + 1);
      case '"': {
        std::string s;
        if (!string(s)) return false;
        out = std::move(s);
        return true;
      }
      case 't':
        if (!literal("true", 4)) return false;
        out = true;
        return true;
      case 'f':
        if (!literal("false", 5)) return false;
        out = false;
        return true;
      case 'n':
        if (!literal("null", 4)) return false;
        out = nullptr;
        return true;
      default:
        return number(out);
    }
  }

  // Members or elements up to `close`, comma-separated; `item` reads one.
  template <class Item>
  bool sequence(unsigned char close, const Item& item) {
    skip_space();
    if (p_ < end_ && *p_ == close) {
      ++p_;
      return true;
    }
    for (;;) {
      if (!item()) return false;
      skip_space();
      if (p_ == end_) return false;
      if (*p_ == close) {
        ++p_;
        return true;
      }
      if (*p_ != ',') return false;
      ++p_;
      skip_space();
    }
  }

  bool object(json& out, size_t depth) {
    if (depth > max_depth_) return false;
    ++p_;  // '{'
    out = json::object();
    auto& members = out.get_ref<json::object_t&>();
    return sequence('}', [&] {
      if (p_ == end_ || *p_ != '"') return false;
      std::string key;
      if (!string(key)) return false;
      skip_space();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      skip_space();
      // A repeated key keeps its last value, as nlohmann's own parser does.
      return value(members[std::move(key)], depth);
    });
  }

  bool array(json& out, size_t depth) {
    if (depth > max_depth_) return false;
    ++p_;  // '['
    out = json::array();
    auto& items = out.get_ref<json::array_t&>();
    return sequence(']', [&] {
      items.emplace_back();
      return value(items.back(), depth);
    });
  }

  // At the opening quote. Runs of bytes that need no work are appended at once.
  bool string(std::string& out) {
    ++p_;
    const unsigned char* run = p_;
    while (p_ < end_) {
      const unsigned char c = *p_;
      if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
        ++p_;
        continue;
      }
      if (c >= 0x80) {
        const size_t n = utf8_sequence(p_, end_);
        if (n == 0) return false;
        p_ += n;
        continue;
      }
      out.append(reinterpret_cast<const char*>(run), static_cast<size_t>(p_ - run));
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c != '\\' || !escape(out)) return false;  // a control character, or a bad escape
      run = p_;
    }
    return false;  // unterminated
  }

  // At the backslash.
  bool escape(std::string& out) {
    if (end_ - p_ < 2) return false;
    const unsigned char c = p_[1];
    p_ += 2;
    switch (c) {
      case '"':
        out += '"';
        return true;
      case '\\':
        out += '\\';
        return true;
      case '/':
        out += '/';
        return true;
      case 'b':
        out += '\b';
        return true;
      case 'f':
        out += '\f';
        return true;
      case 'n':
        out += '\n';
        return true;
      case 'r':
        out += '\r';
        return true;
      case 't':
        out += '\t';
        return true;
      case 'u':
        break;
      default:
        return false;
    }
    uint32_t cp = 0;
    if (!hex4(cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a low surrogate with no high one before it
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      uint32_t low = 0;
      if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
      p_ += 2;
      if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(static_cast<char32_t>(cp), out);
    return true;
  }

  bool hex4(uint32_t& out) {
    if (end_ - p_ < 4) return false;
    for (int i = 0; i < 4; ++i) {
      const int d = hex_value(static_cast<char>(*p_++));
      if (d < 0) return false;
      out = out * 16 + static_cast<uint32_t>(d);
    }
    return true;
  }

  // RFC 8259's number grammar. Integers become number_unsigned (non-negative) or number_integer, floats
  // number_float, as with nlohmann; an integer past 64 bits or a float out of range is declined.
  bool number(json& out) {
    const char* const start = reinterpret_cast<const char*>(p_);
    const char* p = start;
    const char* const end = reinterpret_cast<const char*>(end_);
    const bool negative = p < end && *p == '-';
    if (negative) ++p;
    if (p == end) return false;
    if (*p == '0') {
      ++p;
    } else if (*p >= '1' && *p <= '9') {
      while (p < end && is_digit(*p)) ++p;
    } else {
      return false;
    }
    bool is_float = false;
    if (p < end && *p == '.') {
      ++p;
      if (p == end || !is_digit(*p)) return false;
      while (p < end && is_digit(*p)) ++p;
      is_float = true;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
      ++p;
      if (p < end && (*p == '+' || *p == '-')) ++p;
      if (p == end || !is_digit(*p)) return false;
      while (p < end && is_digit(*p)) ++p;
      is_float = true;
    }
    p_ = reinterpret_cast<const unsigned char*>(p);
    if (is_float) {
      double d = 0;
      const auto r = std::from_chars(start, p, d);
      if (r.ec != std::errc() || r.ptr != p || !std::isfinite(d)) return false;
      out = d;
    } else if (negative) {
      int64_t i = 0;
      const auto r = std::from_chars(start, p, i);
      if (r.ec != std::errc() || r.ptr != p) return false;
      out = i;
    } else {
      uint64_t u = 0;
      const auto r = std::from_chars(start, p, u);
      if (r.ec != std::errc() || r.ptr != p) return false;
      out = u;
    }
    return true;
  }

  const unsigned char* p_;
  const unsigned char* const end_;
  const size_t max_depth_;
};

}  // namespace

bool fast_json_parse(std::string_view text, nlohmann::json& out, size_t max_depth) {
  return Parser(text, max_depth).document(out);
}

}  // namespace tp
