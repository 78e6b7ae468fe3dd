// Positions of JSON values and member names, for file:line:column reports of problems found after
// parsing: they must agree with the pointers nlohmann's parser gives the same document, comments and
// escapes included.
#include "util/json_positions.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace tp {
namespace {

using json = nlohmann::json;

TEST(JsonPositions, ValuesAndKeysAfterLineAndBlockComments) {
  const std::string text =
      "{\n"
      "  // a line comment\n"
      "  /* a block comment\n"
      "     over two lines */ \"rules\": [\n"
      "    {\"id\": \"r\", \"then\": {\"stage\": \"mars\"}}\n"
      "  ]\n"
      "}\n";
  ASSERT_FALSE(json::parse(text, nullptr, false, true).is_discarded());
  const JsonPositions p(text);
  const TextPosition key = p.key("/rules");
  EXPECT_EQ(key.line, 4u);
  EXPECT_EQ(key.column, 24u);
  const TextPosition stage = p.value("/rules/0/then/stage");
  EXPECT_EQ(stage.line, 5u);
  EXPECT_EQ(stage.column, 35u);
  EXPECT_EQ(p.snippet(stage),
            "    {\"id\": \"r\", \"then\": {\"stage\": \"mars\"}}\n" + std::string(34, ' ') + "^");
  // An unknown pointer falls back to its nearest known ancestor.
  EXPECT_EQ(p.value("/rules/0/then/nothing/here").offset, p.value("/rules/0/then").offset);
}

// Member names with escapes get the pointer the parser's document has: \n, \u00e9, a surrogate pair, and
// '/' and '~' escaped as JSON Pointer tokens.
TEST(JsonPositions, EscapedMemberNamesMatchTheParsersPointers) {
  const std::string text = R"({"caf\u00e9": 1, "line\nbreak": 2, "smile \ud83d\ude00": 3, "a/b~c": 4})";
  const json doc = json::parse(text);
  const JsonPositions p(text);
  for (const auto& [name, value] : doc.items()) {
    const std::string pointer = "/" + json_pointer_token(name);
    ASSERT_EQ(json::json_pointer(pointer).to_string(), pointer);
    const TextPosition at = p.value(pointer);
    EXPECT_NE(at.offset, 0u) << "no position for " << pointer;
    EXPECT_EQ(text.substr(at.offset, 1), value.dump()) << pointer;
  }
  EXPECT_EQ(json_pointer_token("a/b~c"), "a~1b~0c");
}

TEST(JsonPositions, StopsQuietlyAtASyntaxError) {
  const std::string text = "{\"a\": [1, 2 3], \"b\": 1}";
  const JsonPositions p(text);
  EXPECT_EQ(p.value("/a/1").offset, text.find('2'));
  EXPECT_EQ(p.value("/b").offset, p.value("").offset);  // never reached: the document's start
}

}  // namespace
}  // namespace tp
