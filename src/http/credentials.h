// What a request's Authorization header presents, and the bearer-token checks of the read and admin
// routes. Which *source* a credential names is ingest's business (ingest/source_auth.h).
#pragma once
#include <string>
#include <string_view>

#include "http/message.h"

namespace tp {

struct Credentials {
  bool present = false;    // an Authorization header was sent
  std::string bearer;      // "Bearer <token>"
  std::string basic_user;  // "Basic base64(user:password)": Segment puts the write key here
  bool basic = false;
};

Credentials parse_authorization(std::string_view header);

namespace http {

// Bearer-token check for read routes; an empty token means open. Answers 401 itself (with
// WWW-Authenticate) and returns false when the token is wrong or missing.
bool check_read_token(const std::string& token, const Request& req, Response& res);

}  // namespace http
}  // namespace tp
