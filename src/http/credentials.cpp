#include "http/credentials.h"

#include "http/replies.h"
#include "util/text.h"

namespace tp {

Credentials parse_authorization(std::string_view header) {
  Credentials c;
  if (header.empty()) return c;
  c.present = true;
  const size_t space = header.find(' ');
  if (space == std::string_view::npos) return c;
  const std::string scheme = ascii_lower(header.substr(0, space));
  std::string_view rest = header.substr(space + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (scheme == "bearer") {
    c.bearer = std::string(rest);
  } else if (scheme == "basic") {
    if (auto decoded = base64_decode(rest)) {
      c.basic = true;
      c.basic_user = decoded->substr(0, decoded->find(':'));
    }
  }
  return c;
}

namespace http {

bool check_read_token(const std::string& token, const Request& req, Response& res) {
  if (token.empty()) return true;
  const Credentials c = parse_authorization(req.header("Authorization").value_or(""));
  if (!c.bearer.empty() && constant_time_equals(c.bearer, token)) return true;
  res.set_header("WWW-Authenticate", "Bearer");
  send_error(res, 401, "Authorization", c.present ? "wrong bearer token" : "bearer token required");
  return false;
}

}  // namespace http
}  // namespace tp
