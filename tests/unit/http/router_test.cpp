// Routes by method and pattern: placeholders take one non-empty segment, HEAD finds GET, and a path that
// exists under another method is told apart from one that does not (405 with Allow vs 404).
#include "http/router.h"

#include <gtest/gtest.h>

namespace tp::http {
namespace {

TEST(Router, ExactAndPatternedRoutes) {
  Router r;
  r.get("/v1/map", [](const Request&, Response&) {});
  r.post("/v1/map", [](const Request&, Response&) {});
  r.post_async("/v1/webhooks/{source}", [](Request&, Reply) {});
  r.del("/v1/customers/{id}", [](const Request&, Response&) {});

  auto m = r.find("GET", "/v1/map");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->method, "GET");
  EXPECT_EQ(r.find("HEAD", "/v1/map").route, m.route);

  m = r.find("POST", "/v1/webhooks/dialogflow");
  ASSERT_NE(m.route, nullptr);
  EXPECT_TRUE(m.route->async);
  ASSERT_EQ(m.captures.size(), 1u);
  EXPECT_EQ(m.captures[0], "dialogflow");

  m = r.find("DELETE", "/v1/customers/anna@example.com");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.captures[0], "anna@example.com");
}

TEST(Router, UnknownPathsAndMethods) {
  Router r;
  r.get("/v1/map", [](const Request&, Response&) {});
  r.post_async("/v1/webhooks/{source}", [](Request&, Reply) {});
  EXPECT_EQ(r.find("GET", "/v1/nope").route, nullptr);
  EXPECT_FALSE(r.find("GET", "/v1/nope").other_method);
  EXPECT_EQ(r.find("POST", "/v1/webhooks/").route, nullptr);     // an empty segment is no name
  EXPECT_EQ(r.find("POST", "/v1/webhooks/a/b").route, nullptr);  // nor are two
  EXPECT_EQ(r.find("POST", "/v1/webhooks/" + std::string(600, 'a')).route, nullptr);
  const auto m = r.find("DELETE", "/v1/map");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.other_method);
  EXPECT_EQ(m.allow, "GET");
  EXPECT_TRUE(r.find("GET", "/v1/webhooks/x").other_method);
}

TEST(Request, QueryParametersAreDecoded) {
  Request req;
  req.query = "stage=con%73ideration&persona=&q=a+b%20c&stage=second&flag";
  EXPECT_EQ(req.param_value("stage"), "consideration");  // the first of a repeated name
  EXPECT_TRUE(req.has_param("persona"));
  EXPECT_EQ(req.param_value("persona"), "");
  EXPECT_EQ(req.param_value("q"), "a b c");
  EXPECT_TRUE(req.has_param("flag"));
  EXPECT_FALSE(req.has_param("missing"));
  EXPECT_EQ(percent_decode("%zz%4", false), "%zz%4");  // invalid escapes stay as typed
}

TEST(Request, HeadersIgnoreCase) {
  Request req;
  req.headers = {{"Content-Type", "application/json"}, {"X-A", "1"}, {"x-a", "2"}};
  EXPECT_EQ(req.header_value("content-type"), "application/json");
  EXPECT_EQ(req.header_value("X-A"), "1");
  EXPECT_FALSE(req.has_header("Authorization"));
}

}  // namespace
}  // namespace tp::http
