// The JSON shapes every route answers with: an error is {"error": ..., "field": ...} whatever its status,
// so a client always learns what was wrong and where.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "http/message.h"

namespace tp {

nlohmann::json error_body(const std::string& field, const std::string& error);

namespace http {

// Sets the status and a JSON body.
void send_json(Response& res, int status, const std::string& body);
void send_json(Response& res, int status, const nlohmann::json& body);
inline void send_json(Response& res, int status, const char* body) {
  send_json(res, status, std::string(body));
}
// An error reply: `status` with error_body(field, message).
void send_error(Response& res, int status, const std::string& field, const std::string& message);

const char* reason_phrase(int status);

}  // namespace http
}  // namespace tp
