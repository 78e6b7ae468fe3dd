// Really closes a client connection after its response. Debian's cpp-httplib 0.11 keeps a connection
// alive even when the response says "Connection: close", so the unread rest of a refused request
// (ambiguous framing, an oversized body) would be parsed as the next request: the shape of a
// request-smuggling attack. The request knows both endpoints; the socket with exactly those endpoints
// is found and shut down, after the response bytes were handed to the kernel (they are still delivered).
#pragma once
#include <string>

namespace tp {

// Returns true when a socket with these endpoints was found and shut down.
bool shutdown_connection(const std::string& local_addr, int local_port, const std::string& remote_addr,
                         int remote_port);

}  // namespace tp
