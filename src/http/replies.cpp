#include "http/replies.h"

namespace tp {

nlohmann::json error_body(const std::string& field, const std::string& error) {
  return nlohmann::json{{"error", error}, {"field", field}};
}

namespace http {

void send_json(Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

void send_json(Response& res, int status, const nlohmann::json& body) {
  // Received text may hold invalid UTF-8: replaced, never thrown on.
  send_json(res, status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void send_error(Response& res, int status, const std::string& field, const std::string& message) {
  send_json(res, status, error_body(field, message));
}

const char* reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return status < 400 ? "OK" : "Error";
  }
}

}  // namespace http
}  // namespace tp
