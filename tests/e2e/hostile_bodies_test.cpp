// Hostile and broken bodies against the real daemon: well-formed requests mutated byte by byte (brackets,
// quotes, escapes, control and non-ASCII bytes, numbers past a double, lone surrogates) on every ingest
// route. Each must be answered 202 or 400, never 5xx, never a dropped connection, and the daemon must still
// serve at the end. (A number beyond a double once ended the process.)
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "daemon_process.h"
#include "daemon_test.h"
#include "http_helpers.h"

namespace tp::e2e {
namespace {

using json = nlohmann::json;

class HostileBodies : public DaemonTest {};

TEST_F(HostileBodies, MutatedRequestsAreAnswered202Or400AndTheDaemonKeepsServing) {
  start();
  const std::vector<std::pair<std::string, std::string>> bases = {
      {"/v1/events", json{{"id", "e1"},
                          {"type", "message"},
                          {"customer_id", "c"},
                          {"session_id", "s"},
                          {"channel", "chatbot"},
                          {"role", "user"},
                          {"text", "hi 1e5 @x"},
                          {"intent", "a"},
                          {"confidence", 0.5},
                          {"fallback", true},
                          {"rating", 3},
                          {"properties", {{"a", json::array({1, 2, {{"b", nullptr}}})}}},
                          {"tags", {{"persona", "p"}}},
                          {"timestamp", "2026-11-23T10:00:00Z"},
                          {"sentiment", -0.5}}
                         .dump()},
      {"/v1/batch",
       json{{"batch",
             json::array({{{"type", "track"},
                           {"messageId", "m1"},
                           {"userId", "u"},
                           {"anonymousId", "a"},
                           {"event", "E"},
                           {"properties", {{"url", "http://u"}, {"x", 1}}},
                           {"context", {{"page", {{"url", "http://p"}}}, {"sessionId", "s"}}},
                           {"originalTimestamp", "2026-11-23T10:00:00Z"},
                           {"sentAt", "2026-11-23T10:00:01Z"}},
                          {{"type", "alias"}, {"previousId", "a"}, {"userId", "u"}, {"messageId", "m2"}},
                          {{"type", "identify"},
                           {"userId", "u"},
                           {"traits", {{"email", "x@y.z"}}},
                           {"messageId", "m3"}}})}}
           .dump()},
      {"/v1/track",
       json{{"messageId", "m9"}, {"userId", "u"}, {"event", "E"}, {"properties", {{"n", 1}}}}.dump()},
  };
  const std::vector<std::string> pieces = {"{",
                                           "}",
                                           "[",
                                           "]",
                                           "\"",
                                           ":",
                                           ",",
                                           "\\",
                                           " ",
                                           "0",
                                           "9",
                                           "-",
                                           "+",
                                           ".",
                                           "e",
                                           "E",
                                           "t",
                                           "n",
                                           "\x01",
                                           "\x7f",
                                           "\xC3\xA9",
                                           "\xC3",
                                           "\xED\xA0\x80",
                                           "\xF4\x90\x80\x80",
                                           "1e400",
                                           "-1e999",
                                           "99999999999999999999999",
                                           "null",
                                           "true",
                                           "\"x\"",
                                           "{}",
                                           "[]",
                                           "\\u0000",
                                           "\\ud800",
                                           "\\uZZZZ"};
  std::mt19937 rng(20261206);
  auto c = client(port());
  int accepted = 0, refused = 0;
  for (int i = 0; i < 600; ++i) {
    const auto& [path, base] = bases[rng() % bases.size()];
    std::string body = base;
    for (int edits = 1 + static_cast<int>(rng() % 5); edits > 0; --edits) {
      const size_t at = rng() % (body.size() + 1);
      switch (rng() % 3) {
        case 0:
          body.insert(at, pieces[rng() % pieces.size()]);
          break;
        case 1:
          if (at < body.size()) body.erase(at, 1 + rng() % 3);
          break;
        default:
          if (at < body.size()) body.replace(at, 1, pieces[rng() % pieces.size()]);
          break;
      }
    }
    auto r = c.Post(path, body, "application/json");
    ASSERT_TRUE(r) << "no answer on " << path << " to: " << body;
    ASSERT_TRUE(r->status == 202 || r->status == 400) << r->status << " on " << path << " to: " << body;
    (r->status == 202 ? accepted : refused) += 1;
  }
  // Both sides were exercised: some mutations leave valid requests, most do not.
  EXPECT_GT(accepted, 20);
  EXPECT_GT(refused, 300);
  EXPECT_EQ(c.Get("/healthz")->status, 200);
  EXPECT_EQ(c.Get("/readyz")->status, 200);
}

}  // namespace
}  // namespace tp::e2e
