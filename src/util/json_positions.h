// Where each value of a JSON document (comments allowed) starts in the text, by JSON pointer, so that
// problems found after parsing ("/rules/3/when/any/0: unknown field") can be reported as
// file:line:column with the offending line quoted, the way compilers and Falco report them.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tp {

struct TextPosition {
  size_t line = 1;    // 1-based
  size_t column = 1;  // 1-based, in bytes
  size_t offset = 0;
};

class JsonPositions {
 public:
  // Scans `text`; stops quietly at the first syntax error (the parser reports those itself).
  explicit JsonPositions(std::string_view text);

  // The start of the value at `pointer`; for an unknown pointer, its nearest known ancestor.
  TextPosition value(const std::string& pointer) const;
  // The start of the member's key (for "unknown field" problems); the value's position otherwise.
  TextPosition key(const std::string& pointer) const;
  // The line holding `pos`, and a caret line under its column: a two-line snippet (no trailing newline).
  std::string snippet(const TextPosition& pos) const;

  TextPosition position_of(size_t offset) const;
  std::string_view text() const { return text_; }

 private:
  std::string_view text_;
  std::unordered_map<std::string, size_t> values_;
  std::unordered_map<std::string, size_t> keys_;
};

// Escapes a member name as a JSON pointer token ("a/b" -> "a~1b").
std::string json_pointer_token(std::string_view name);

}  // namespace tp
