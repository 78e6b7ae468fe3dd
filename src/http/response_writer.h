// Responses as bytes on the wire. Header values a handler set are written without CR or LF whatever
// they hold, so no received text can split a response.
#pragma once
#include <string>
#include <string_view>

#include "http/message.h"

namespace tp::http {

// Appends the status line, headers and (unless `head_only`) the body.
void write_response(std::string& out, const Response& res, bool head_only, bool close);
// The head of a streamed response (chunked; the connection closes when the stream ends).
void write_stream_head(std::string& out, const Response& res);
// One chunk of a chunked body.
std::string chunk_frame(std::string_view data);

}  // namespace tp::http
