#include "util/json_positions.h"

#include <algorithm>
#include <optional>

#include "util/text.h"

namespace tp {
namespace {

class Scanner {
 public:
  Scanner(std::string_view text, std::unordered_map<std::string, size_t>& values,
          std::unordered_map<std::string, size_t>& keys)
      : t_(text), values_(values), keys_(keys) {}

  void run() {
    skip();
    value("", 0);
  }

 private:
  bool at_end() const { return i_ >= t_.size(); }

  void skip() {
    while (!at_end()) {
      const char c = t_[i_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++i_;
      } else if (c == '/' && i_ + 1 < t_.size() && t_[i_ + 1] == '/') {
        while (!at_end() && t_[i_] != '\n') ++i_;
      } else if (c == '/' && i_ + 1 < t_.size() && t_[i_ + 1] == '*') {
        const size_t end = t_.find("*/", i_ + 2);
        i_ = end == std::string_view::npos ? t_.size() : end + 2;
      } else {
        return;
      }
    }
  }

  // Four hex digits at i_ (not consumed); nullopt when they are not. Read by hand: std::stoul would throw
  // on "\uZZZZ" (the parser reports that itself).
  std::optional<unsigned> hex4() const {
    if (i_ + 4 > t_.size()) return std::nullopt;
    unsigned v = 0;
    for (size_t k = 0; k < 4; ++k) {
      const int d = hex_value(t_[i_ + k]);
      if (d < 0) return std::nullopt;
      v = v * 16 + static_cast<unsigned>(d);
    }
    return v;
  }

  // Reads a string token at i_ (which is '"'), returning its decoded text as the parser decodes it (UTF-8,
  // surrogate pairs joined), so that a member name with escapes gets the pointer the parser's problems use.
  bool string(std::string* out) {
    ++i_;
    while (!at_end()) {
      const char c = t_[i_++];
      if (c == '"') return true;
      if (c == '\\') {
        if (at_end()) return false;
        const char e = t_[i_++];
        if (!out) {
          if (e == 'u') i_ += 4;
          continue;
        }
        switch (e) {
          case 'n':
            out->push_back('\n');
            break;
          case 't':
            out->push_back('\t');
            break;
          case 'r':
            out->push_back('\r');
            break;
          case 'b':
            out->push_back('\b');
            break;
          case 'f':
            out->push_back('\f');
            break;
          case 'u': {
            const auto high = hex4();
            if (!high) return false;
            i_ += 4;
            char32_t cp = *high;
            // A high surrogate followed by \uDC00-\uDFFF is one character beyond the BMP.
            if (cp >= 0xD800 && cp <= 0xDBFF && i_ + 2 <= t_.size() && t_[i_] == '\\' && t_[i_ + 1] == 'u') {
              i_ += 2;
              const auto low = hex4();
              if (!low) return false;
              if (*low >= 0xDC00 && *low <= 0xDFFF) {
                i_ += 4;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (*low - 0xDC00);
              } else {
                i_ -= 2;  // not a pair: the second escape is read on its own
              }
            }
            append_utf8(cp, *out);
            break;
          }
          default:
            out->push_back(e);
            break;
        }
      } else if (out) {
        out->push_back(c);
      }
    }
    return false;
  }

  bool value(const std::string& pointer, int depth) {
    if (at_end() || depth > 256) return false;
    values_.emplace(pointer, i_);
    const char c = t_[i_];
    if (c == '{') {
      ++i_;
      skip();
      if (!at_end() && t_[i_] == '}') return ++i_, true;
      while (!at_end()) {
        skip();
        if (at_end() || t_[i_] != '"') return false;
        const size_t key_at = i_;
        std::string name;
        if (!string(&name)) return false;
        const std::string child = pointer + "/" + json_pointer_token(name);
        keys_.emplace(child, key_at);
        skip();
        if (at_end() || t_[i_] != ':') return false;
        ++i_;
        skip();
        if (!value(child, depth + 1)) return false;
        skip();
        if (at_end()) return false;
        if (t_[i_] == ',') {
          ++i_;
          continue;
        }
        if (t_[i_] == '}') return ++i_, true;
        return false;
      }
      return false;
    }
    if (c == '[') {
      ++i_;
      skip();
      if (!at_end() && t_[i_] == ']') return ++i_, true;
      for (size_t index = 0; !at_end(); ++index) {
        skip();
        if (!value(pointer + "/" + std::to_string(index), depth + 1)) return false;
        skip();
        if (at_end()) return false;
        if (t_[i_] == ',') {
          ++i_;
          continue;
        }
        if (t_[i_] == ']') return ++i_, true;
        return false;
      }
      return false;
    }
    if (c == '"') return string(nullptr);
    // Literals and numbers: up to the next structural character.
    while (!at_end() && std::string_view(",]} \t\r\n/").find(t_[i_]) == std::string_view::npos) ++i_;
    return true;
  }

  std::string_view t_;
  size_t i_ = 0;
  std::unordered_map<std::string, size_t>& values_;
  std::unordered_map<std::string, size_t>& keys_;
};

std::string parent_of(const std::string& pointer) {
  const size_t slash = pointer.rfind('/');
  return slash == std::string::npos ? std::string() : pointer.substr(0, slash);
}

}  // namespace

std::string json_pointer_token(std::string_view name) {
  std::string out;
  for (const char c : name) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out.push_back(c);
  }
  return out;
}

JsonPositions::JsonPositions(std::string_view text) : text_(text) {
  Scanner(text, values_, keys_).run();
}

TextPosition JsonPositions::position_of(size_t offset) const {
  TextPosition p;
  p.offset = std::min(offset, text_.size());
  for (size_t i = 0; i < p.offset; ++i) {
    if (text_[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else {
      ++p.column;
    }
  }
  return p;
}

TextPosition JsonPositions::value(const std::string& pointer) const {
  for (std::string p = pointer;; p = parent_of(p)) {
    if (auto it = values_.find(p); it != values_.end()) return position_of(it->second);
    if (p.empty()) return position_of(0);
  }
}

TextPosition JsonPositions::key(const std::string& pointer) const {
  if (auto it = keys_.find(pointer); it != keys_.end()) return position_of(it->second);
  return value(pointer);
}

std::string JsonPositions::snippet(const TextPosition& pos) const {
  size_t start = 0;
  if (pos.offset > 0) {
    const size_t newline = text_.rfind('\n', pos.offset - 1);
    if (newline != std::string_view::npos) start = newline + 1;
  }
  const size_t end = text_.find('\n', pos.offset);
  std::string line(text_.substr(start, (end == std::string_view::npos ? text_.size() : end) - start));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  constexpr size_t kMaxLine = 160;
  if (line.size() > kMaxLine) line = truncate_utf8(line, kMaxLine) + "...";
  std::string caret(pos.column > 1 ? std::min(pos.column - 1, kMaxLine) : 0, ' ');
  for (size_t i = 0; i < caret.size() && i < line.size(); ++i)
    if (line[i] == '\t') caret[i] = '\t';  // keep the caret under the column when tabs indent the line
  return line + "\n" + caret + "^";
}

}  // namespace tp
