// The one shape of load-time problems: placed at the right line and column (the value, or the member's
// name for "unknown key"), JSON syntax errors placed where the parser stopped, and printed like a compiler.
#include "util/diagnostic.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tp {
namespace {

using json = nlohmann::json;

// Line 3 holds both a bad value (column 16) and an unknown key (column 5 of line 4).
const std::string kText =
    "{\n"
    "  \"server\": {\n"
    "    \"threads\": \"many\",\n"
    "    \"bogus\": 1\n"
    "  }\n"
    "}\n";

TEST(Diagnostic, FileDiagnosticsPlaceAValueAndAnUnknownKey) {
  std::vector<Diagnostic> out;
  FileDiagnostics file("tp.json", kText, out);
  file.error("/server/threads", "must be a whole number");
  file.error("/server/bogus", "unknown key", /*at_key=*/true);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].file, "tp.json");
  EXPECT_EQ(out[0].line, 3u);
  EXPECT_EQ(out[0].column, 16u);
  EXPECT_EQ(out[0].snippet, "    \"threads\": \"many\",\n               ^");
  EXPECT_EQ(out[1].line, 4u);
  EXPECT_EQ(out[1].column, 5u);
}

TEST(Diagnostic, AMissingMemberIsPlacedAtItsNearestAncestor) {
  std::vector<Diagnostic> out;
  FileDiagnostics file("tp.json", kText, out);
  file.error("/server/listen", "is required");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].line, 2u);
  EXPECT_EQ(out[0].column, 13u);  // the "{" of "server"
}

TEST(Diagnostic, AProblemFromParsedJsonIsPlacedLater) {
  Diagnostic d = error_at("/server/bogus", "unknown key", /*at_key=*/true);
  EXPECT_EQ(d.line, 0u);
  const JsonPositions positions(kText);
  place(d, positions);
  EXPECT_EQ(d.line, 4u);
  EXPECT_EQ(d.column, 5u);
}

TEST(Diagnostic, NoTextLeavesItUnplaced) {
  Diagnostic d = error_at("", "cannot read config file 'x'");
  const JsonPositions nothing("");
  place(d, nothing);
  EXPECT_EQ(d.line, 0u);
  EXPECT_TRUE(d.snippet.empty());
}

TEST(Diagnostic, FormatIsFileLineColumnSeverityAndTheLineWithACaret) {
  std::vector<Diagnostic> out;
  FileDiagnostics file("tp.json", kText, out);
  file.error("/server/threads", "must be a whole number");
  EXPECT_EQ(format_diagnostic(out[0]),
            "tp.json:3:16: error: /server/threads: must be a whole number\n"
            "        \"threads\": \"many\",\n"
            "                   ^");
  EXPECT_EQ(format_diagnostic(out[0], /*with_snippet=*/false),
            "tp.json:3:16: error: /server/threads: must be a whole number");
  // A subject (a rule id) names the problem instead of the pointer; a warning says so.
  Diagnostic rule = out[0];
  rule.subject = "chat.refund";
  rule.severity = Diagnostic::Severity::Warning;
  EXPECT_EQ(format_diagnostic(rule, false), "tp.json:3:16: warning: [chat.refund] must be a whole number");
  // Unplaced and about the whole document: only the file.
  Diagnostic whole;
  whole.file = "tp.json";
  whole.message = "cannot read";
  EXPECT_EQ(format_diagnostic(whole), "tp.json: error: cannot read");
}

// What json_syntax_diagnostic makes of the parser's exception for `text`.
Diagnostic syntax_diagnostic_of(const std::string& text) {
  const JsonPositions positions(text);
  try {
    const json doc = json::parse(text, nullptr, true, /*ignore_comments=*/true);
    ADD_FAILURE() << "parsed: " << doc.dump();
  } catch (const json::exception& e) {
    return json_syntax_diagnostic("tp.json", positions, e);
  }
  return {};
}

TEST(Diagnostic, ASyntaxErrorIsPlacedWhereTheParserStopped) {
  const Diagnostic d = syntax_diagnostic_of("{\n  \"server\": {\n    \"listen\": ,\n  }\n}");
  EXPECT_EQ(d.file, "tp.json");
  EXPECT_EQ(d.line, 3u);
  EXPECT_EQ(d.column, 15u);  // the ","
  EXPECT_EQ(d.message.rfind("not valid JSON: ", 0), 0u) << d.message;
  EXPECT_EQ(d.message.find("line 3"), std::string::npos) << "the position is printed once: " << d.message;
}

TEST(Diagnostic, ANumberBeyondADoubleIsPlacedAtTheNumber) {
  const Diagnostic d = syntax_diagnostic_of("{\n  \"n\": 1e400\n}");
  EXPECT_EQ(d.line, 2u);
  EXPECT_EQ(d.column, 8u);
  EXPECT_NE(d.message.find("number overflow"), std::string::npos) << d.message;
}

TEST(Diagnostic, CountErrorsSkipsWarnings) {
  std::vector<Diagnostic> all(3);
  all[1].severity = Diagnostic::Severity::Warning;
  EXPECT_EQ(count_errors(all), 2u);
}

}  // namespace
}  // namespace tp
