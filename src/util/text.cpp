#include "util/text.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <cstring>

namespace tp {

size_t utf8_prefix_bytes(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text.size();
  // Only the character that starts at most three bytes before the cut can straddle it: look back for
  // its lead byte and cut before it when its length reaches past the cut. Never further back than that,
  // so a run of stray continuation bytes (invalid input) is cut where asked instead of emptied.
  for (size_t back = 1; back <= 3 && back <= max_bytes; ++back) {
    const auto c = static_cast<unsigned char>(text[max_bytes - back]);
    if ((c & 0xC0) == 0x80) continue;
    const size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
    return len > back ? max_bytes - back : max_bytes;
  }
  return max_bytes;
}

std::string truncate_utf8(std::string_view text, size_t max_bytes) {
  return std::string(text.substr(0, utf8_prefix_bytes(text, max_bytes)));
}

std::string one_line_excerpt(std::string_view text, size_t max_bytes) {
  std::string out = truncate_utf8(text, max_bytes);
  for (char& ch : out)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = '?';
  return out;
}

bool constant_time_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> make_b64_table() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kB64[i])] = static_cast<int8_t>(i);
  t[static_cast<unsigned char>('-')] = 62;  // URL-safe alphabet accepted as well
  t[static_cast<unsigned char>('_')] = 63;
  return t;
}
constexpr auto kB64Table = make_b64_table();
}  // namespace

std::optional<std::string> base64_decode(std::string_view in) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t buf = 0;
  int bits = 0;
  for (const char c : in) {
    const int8_t v = kB64Table[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;
    buf = (buf << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buf >> bits) & 0xFF));
    }
  }
  if (bits >= 6) return std::nullopt;  // a lone trailing sextet cannot encode a byte
  return out;
}

std::string base64_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t n = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
    out += {kB64[n >> 18], kB64[(n >> 12) & 63], kB64[(n >> 6) & 63], kB64[n & 63]};
  }
  if (i + 1 == in.size()) {
    const uint32_t n = static_cast<unsigned char>(in[i]) << 16;
    out += {kB64[n >> 18], kB64[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const uint32_t n =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {kB64[n >> 18], kB64[(n >> 12) & 63], kB64[(n >> 6) & 63], '='};
  }
  return out;
}

size_t json_nesting_depth(std::string_view json, size_t limit) {
  size_t depth = 0, deepest = 0;
  const char* p = json.data();
  const char* const end = p + json.size();
  while (p < end) {
    switch (*p++) {
      case '"':
        // Strings are most of a body's bytes: jump from quote to quote (memchr), and a quote ends the
        // string unless an odd run of backslashes stands before it.
        for (;;) {
          const char* q = static_cast<const char*>(std::memchr(p, '"', static_cast<size_t>(end - p)));
          if (!q) return deepest;  // unterminated: the parser reports it
          size_t backslashes = 0;
          for (const char* b = q; b > p && b[-1] == '\\'; --b) ++backslashes;
          p = q + 1;
          if (backslashes % 2 == 0) break;
        }
        break;
      case '[':
      case '{':
        if (++depth > deepest) {
          deepest = depth;
          if (deepest > limit) return deepest;
        }
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return deepest;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

char32_t next_code_point(std::string_view s, size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = 0;
  char32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0)
    len = 2, cp = b0 & 0x1F;
  else if ((b0 & 0xF0) == 0xE0)
    len = 3, cp = b0 & 0x0F;
  else if ((b0 & 0xF8) == 0xF0)
    len = 4, cp = b0 & 0x07;
  else {
    ++i;
    return 0xFFFD;
  }
  if (i + len > s.size()) {
    ++i;
    return 0xFFFD;
  }
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  // Overlong forms, surrogates and values beyond Unicode are invalid.
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return 0xFFFD;
  }
  i += static_cast<size_t>(len);
  return cp;
}

void append_utf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size_t{len} * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

}  // namespace tp
