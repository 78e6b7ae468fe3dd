// Log lines carry received text (paths, ids, error messages quoting a body). Whatever it holds, a log
// line stays one line, a JSON line stays valid JSON (valid UTF-8 included) that reads back as the text,
// and nothing reaches a terminal as a control sequence.
#include "app/logging.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace tp {
namespace {

// What one message becomes in the given format (the whole line, its newline included).
std::string formatted(const std::string& format, const std::string& message) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger logger("test", sink);
  logger.set_formatter(make_log_formatter(format));
  logger.warn("{}", message);
  logger.flush();
  return out.str();
}

size_t count(const std::string& s, char c) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), c));
}

const std::string kHostile =
    "he said \"hi\" \\ back\nforged line\r\t\x01\x1b[31mred\x7f"  // C0 controls, quote, backslash
    " \xC2\x9B"
    "31m"  // U+009B, the one-character CSI of some terminals
    " Gr\xC3\xBC\xC3\x9F"
    "e \xF0\x9F\x99\x82";  // valid UTF-8 stays as it is

TEST(Logging, AJsonLineIsValidJsonThatReadsBackAsTheMessage) {
  const std::string line = formatted("json", kHostile);
  ASSERT_EQ(count(line, '\n'), 1u) << line;
  ASSERT_EQ(line.back(), '\n');
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j.at("level"), "warning");
  EXPECT_EQ(j.at("msg"), kHostile);
  EXPECT_EQ(line.find('\x1b'), std::string::npos);
  EXPECT_EQ(line.find("\xC2\x9B"), std::string::npos);  // escaped as \u009b
  EXPECT_NE(line.find("\\u009b"), std::string::npos);
}

TEST(Logging, BytesThatAreNotUtf8BecomeReplacementCharactersInJson) {
  // A stray byte, a truncated sequence, an overlong form, a surrogate, and a sequence cut at the end.
  const std::string message =
      "a\xFF"
      "b\xC3 c\xC0\xAF"
      "d\xED\xA0\x80"
      "e\xE2\x82";
  const std::string line = formatted("json", message);
  nlohmann::json j;
  ASSERT_NO_THROW(j = nlohmann::json::parse(line)) << line;
  const std::string msg = j.at("msg");
  EXPECT_EQ(msg.rfind("a\xEF\xBF\xBD"
                      "b\xEF\xBF\xBD c",
                      0),
            0u)
      << msg;
  EXPECT_EQ(msg.find('\xFF'), std::string::npos);
  EXPECT_EQ(msg.find("\xC0\xAF"), std::string::npos);
  EXPECT_EQ(msg.find("\xED\xA0\x80"), std::string::npos);
  EXPECT_NE(msg.find("d\xEF\xBF\xBD"), std::string::npos);
}

TEST(Logging, ATextLineShowsControlsAndStrayBytesAsEscapes) {
  const std::string line = formatted("text", kHostile + " \xFF");
  ASSERT_EQ(count(line, '\n'), 1u) << line;
  EXPECT_NE(line.find("back\\x0aforged line\\x0d\\x09\\x01\\x1b[31mred\\x7f"), std::string::npos) << line;
  EXPECT_NE(line.find(" \\u009b31m"), std::string::npos) << line;
  EXPECT_NE(line.find("he said \"hi\" \\ back"), std::string::npos) << line;  // printable text as it is
  EXPECT_NE(line.find(" Gr\xC3\xBC\xC3\x9F"
                      "e \xF0\x9F\x99\x82 \\xff"),
            std::string::npos)
      << line;
  for (const char c : line.substr(0, line.size() - 1)) {
    const auto b = static_cast<unsigned char>(c);
    EXPECT_FALSE(b < 0x20 || b == 0x7f) << "raw control byte " << int(b) << " in " << line;
  }
}

}  // namespace
}  // namespace tp
