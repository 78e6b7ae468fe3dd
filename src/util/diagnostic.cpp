#include "util/diagnostic.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace tp {

Diagnostic error_at(std::string pointer, std::string message, bool at_key) {
  Diagnostic d;
  d.pointer = std::move(pointer);
  d.message = std::move(message);
  d.at_key = at_key;
  return d;
}

void place(Diagnostic& d, const JsonPositions& positions) {
  if (positions.text().empty()) return;  // nothing to point into (an unreadable file)
  const TextPosition p = d.at_key ? positions.key(d.pointer) : positions.value(d.pointer);
  d.line = p.line;
  d.column = p.column;
  d.snippet = positions.snippet(p);
}

Diagnostic json_syntax_diagnostic(const std::string& file, const JsonPositions& positions,
                                  const std::exception& e) {
  Diagnostic d;
  d.file = file;
  const std::string what = e.what();
  size_t at = 0;
  std::string reason;
  if (const auto* parse = dynamic_cast<const nlohmann::json::parse_error*>(&e)) {
    // e.byte is 1-based: the character the parser stopped at.
    at = parse->byte > 0 ? parse->byte - 1 : 0;
    // "[json.exception.parse_error.101] parse error at line 3, column 5: syntax error ...": the position
    // is ours to print, so only the reason after the last ": " is kept.
    const size_t colon = what.rfind(": ");
    reason = colon == std::string::npos ? what : what.substr(colon + 2);
  } else {
    // out_of_range: "number overflow parsing '1e400'" and no byte offset: show the number's first occurrence.
    const size_t open = what.find("parsing '");
    const size_t close = open == std::string::npos ? open : what.find('\'', open + 9);
    if (close != std::string::npos) {
      const size_t found = positions.text().find(what.substr(open + 9, close - open - 9));
      if (found != std::string_view::npos) at = found;
    }
    const size_t bracket = what.rfind("] ");
    reason = bracket == std::string::npos ? what : what.substr(bracket + 2);
  }
  d.message = "not valid JSON: " + reason;
  if (!positions.text().empty()) {
    const TextPosition p = positions.position_of(at);
    d.line = p.line;
    d.column = p.column;
    d.snippet = positions.snippet(p);
  }
  return d;
}

std::string format_diagnostic(const Diagnostic& d, bool with_snippet) {
  std::string out = d.file;
  if (d.line) out += ":" + std::to_string(d.line) + ":" + std::to_string(d.column);
  out += d.severity == Diagnostic::Severity::Error ? ": error: " : ": warning: ";
  // The subject names what is wrong in words; without one, the pointer does (config messages such as
  // "must be a whole number" are written to follow the field's name, and log lines have no snippet).
  if (!d.subject.empty())
    out += "[" + d.subject + "] ";
  else if (!d.pointer.empty())
    out += d.pointer + ": ";
  out += d.message;
  if (with_snippet && !d.snippet.empty()) {
    out += "\n";
    size_t start = 0;
    while (start <= d.snippet.size()) {
      const size_t nl = d.snippet.find('\n', start);
      out += "    " + d.snippet.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      if (nl == std::string::npos) break;
      out += "\n";
      start = nl + 1;
    }
  }
  return out;
}

size_t count_errors(const std::vector<Diagnostic>& diagnostics) {
  return static_cast<size_t>(std::count_if(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& d) {
    return d.severity == Diagnostic::Severity::Error;
  }));
}

FileDiagnostics::FileDiagnostics(std::string file, std::string_view text, std::vector<Diagnostic>& out)
    : file_(std::move(file)), positions_(text), out_(out) {}

void FileDiagnostics::error(std::string pointer, std::string message, bool at_key) {
  add(error_at(std::move(pointer), std::move(message), at_key));
}

void FileDiagnostics::add(Diagnostic d) {
  d.file = file_;
  place(d, positions_);
  out_.push_back(std::move(d));
}

}  // namespace tp
