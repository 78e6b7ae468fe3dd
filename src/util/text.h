// Small, allocation-light helpers for untrusted text: bounded copies, safe comparisons, encodings.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tp {

// At most max_bytes of text, cut on a UTF-8 character boundary so the result stays valid UTF-8
// (when the input was). Appends nothing; callers add their own "truncated" marker where useful. Every cut
// of received text that is shown or stored (error messages, dead letters, logs, labels) goes through it:
// a character cut in half makes a strict JSON dump throw.
std::string truncate_utf8(std::string_view text, size_t max_bytes);
// The length of that prefix, for callers that cut in place or keep a view. Invalid input is cut where
// asked (or before a lead byte whose sequence the cut would split), never emptied.
size_t utf8_prefix_bytes(std::string_view text, size_t max_bytes);
// truncate_utf8, then every ASCII control character as '?': text from outside (an exception's message
// may quote a request) made safe for one line of a log, whatever the log's sink does.
std::string one_line_excerpt(std::string_view text, size_t max_bytes);

// Compares secrets in time that depends only on the lengths, never on where they first differ.
bool constant_time_equals(std::string_view a, std::string_view b);

std::optional<std::string> base64_decode(std::string_view in);
std::string base64_encode(std::string_view in);

// Deepest nesting of arrays/objects in a JSON text, scanning bytes only (strings are skipped), stopping
// early once `limit` is exceeded. Lets a request be refused before a recursive parse or destruction.
size_t json_nesting_depth(std::string_view json, size_t limit);
// The deepest JSON accepted from a client (and parsed for a dead letter): deeper bodies are refused before
// any recursive parse.
inline constexpr size_t kMaxJsonDepth = 64;

// Decodes one UTF-8 character at `i` (advancing it); returns U+FFFD for an invalid sequence (and
// advances one byte). Overlong forms, surrogates and values beyond U+10FFFF are invalid.
char32_t next_code_point(std::string_view s, size_t& i);
void append_utf8(char32_t cp, std::string& out);

// The value of one hex digit (either case), or -1.
int hex_value(char c);

// Lower-case hex of the SHA-256 of `data` (64 characters).
std::string sha256_hex(std::string_view data);

// Lower-cases ASCII letters only (header names, scheme words).
std::string ascii_lower(std::string_view s);

}  // namespace tp
