// A request as the handlers see it (head parsed, body whole: de-chunked and inflated) and the response
// they fill in. Plain values: no sockets, no threads. The server (http/server.h) owns the wire.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tp::http {

// Header lines in the order received (names as sent; lookups ignore case).
using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET", "POST", ... (HEAD is served by the GET route)
  std::string path;    // percent-decoded, without the query
  std::string query;   // raw, after '?'
  Headers headers;
  std::string body;
  std::vector<std::string> captures;  // the route's {placeholders}, in order, percent-decoded
  int64_t received_ms = 0;            // wall clock when the head was complete

  // The first header of that name, or nullopt.
  std::optional<std::string_view> header(std::string_view name) const;
  std::string header_value(std::string_view name) const { return std::string(header(name).value_or("")); }
  bool has_header(std::string_view name) const { return header(name).has_value(); }
  // Query parameters, percent- and '+'-decoded; the first of a repeated name.
  std::optional<std::string> param(std::string_view name) const;
  std::string param_value(std::string_view name) const { return param(name).value_or(""); }
  bool has_param(std::string_view name) const { return param(name).has_value(); }
};

// Writes one chunk of a streamed body (Server-Sent Events). False once the client has gone: stop then.
// Thread-safe; may block briefly.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  virtual bool write(std::string_view data) = 0;
  virtual bool open() const = 0;
};

// Runs on a thread of its own for as long as the stream lasts; returning ends the body.
using StreamProducer = std::function<void(StreamSink&)>;

struct Response {
  int status = 200;
  Headers headers;  // besides Content-Type/Content-Length/Connection, which the server writes
  std::string body;
  std::string content_type;
  bool close = false;                   // close the connection after this response
  StreamProducer stream;                // set: the body is produced over time (chunked), not `body`
  std::function<void()> on_stream_end;  // called once the stream is over (whatever ended it)

  void set_header(std::string name, std::string value);
  void set_content(std::string content, std::string type);
};

// Percent-decoding; '+' is a space when `plus_is_space` (query strings). Invalid escapes stay as typed.
std::string percent_decode(std::string_view s, bool plus_is_space);

// The parameters of an application/x-www-form-urlencoded body (or a query string), in order, names and
// values decoded ('+' is a space, %XX a byte). A pair without '=' has an empty value; empty pairs are
// skipped.
std::vector<std::pair<std::string, std::string>> parse_form(std::string_view body);

// Whether a Content-Type names `media_type` (case-insensitively, parameters such as charset ignored).
bool is_media_type(std::string_view content_type, std::string_view media_type);

bool iequals(std::string_view a, std::string_view b);

}  // namespace tp::http
