// One problem found while loading a file (the config, the journey, a rule pack, a webhook source's
// settings): where it is (file, line, column, JSON pointer), what is wrong, and how bad. Every load-time
// check reports this one shape, so the CLI, the logs and the admin API print them all the same way:
// "file:line:column: error: message" and the offending line with a caret, like a compiler.
// (Problems with one field of one ingested event are FieldError: a different contract, docs/DECISIONS.md.)
#pragma once
#include <cstddef>
#include <exception>
#include <string>
#include <vector>

#include "util/json_positions.h"

namespace tp {

struct Diagnostic {
  enum class Severity { Error, Warning };
  Severity severity = Severity::Error;
  std::string file;             // "" while the checker does not know it (the loader fills it in)
  size_t line = 0, column = 0;  // 1-based; 0 when the whole file is meant or its text is not at hand
  std::string pointer;          // JSON pointer inside the document ("" for the document itself)
  std::string subject;          // what the problem is about in words (a rule id, a list name); may be ""
  std::string message;          // what is wrong, in words
  std::string snippet;          // the offending line and a caret under the column
  // The member's name is what is wrong ("unknown key"), not its value: placed at the name. Set by the
  // checker, which knows; read by place(), which may run later, where the text is.
  bool at_key = false;
};

// An error about the value at `pointer`, not yet placed in a file: what checkers that see only parsed
// JSON (signatures, adapters, webhook sources) report; the loader that has the text places it.
Diagnostic error_at(std::string pointer, std::string message, bool at_key = false);

// Sets d.line, d.column and d.snippet from d.pointer: the start of its value, or of its member name when
// d.at_key. An unknown pointer (a missing required field) takes its nearest ancestor.
void place(Diagnostic& d, const JsonPositions& positions);

// A failure of nlohmann::json::parse on the text `positions` was built from, placed where the parser
// stopped. `e` is a json::parse_error (it carries the byte) or json::out_of_range (a number beyond a
// double: no byte, so the number's first occurrence is shown).
Diagnostic json_syntax_diagnostic(const std::string& file, const JsonPositions& positions,
                                  const std::exception& e);

// "file:line:column: error: [subject] message" ("pointer: message" when there is no subject; the line
// and column only when known), then (with_snippet) the quoted line and a caret, indented.
std::string format_diagnostic(const Diagnostic& d, bool with_snippet = true);

size_t count_errors(const std::vector<Diagnostic>& diagnostics);

// Collects the diagnostics of one JSON file, each placed at its line and column as it is reported.
class FileDiagnostics {
 public:
  // `text` must outlive this object (the positions refer into it).
  FileDiagnostics(std::string file, std::string_view text, std::vector<Diagnostic>& out);

  void error(std::string pointer, std::string message, bool at_key = false);
  // Adds `d` (an error_at() from a checker of parsed JSON) with this file and its position.
  void add(Diagnostic d);
  void syntax_error(const std::exception& e) { out_.push_back(json_syntax_diagnostic(file_, positions_, e)); }

 private:
  std::string file_;
  JsonPositions positions_;
  std::vector<Diagnostic>& out_;
};

}  // namespace tp
