// The drill-down through HTTP: GET /v1/conversations on the real daemon, from a cell, a pain reason and a
// FAQ cluster to the conversations and their turns, the exact total, the cursor, errors and the read token.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "daemon_process.h"
#include "daemon_test.h"
#include "http_helpers.h"

namespace tp::e2e {
namespace {

using json = nlohmann::json;

class Conversations : public DaemonTest {};

constexpr const char* kWindow = "from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z";

json turn(const std::string& id, const std::string& session, const std::string& ts, const std::string& role,
          const std::string& text, const std::string& stage, const std::string& touchpoint) {
  json e = event(id, "cust-" + session);
  e["session_id"] = session;
  e["timestamp"] = ts;
  e["role"] = role;
  e["text"] = text;
  e["tags"] = {{"stage", stage}, {"touchpoint", touchpoint}};
  return e;
}

// Tagging runs after the acknowledgement: wait until the drill-down sees every conversation.
json wait_for_total(httplib::Client& c, const std::string& query, uint64_t total) {
  json out;
  for (int i = 0; i < 2000; ++i) {
    out = json_of(c.Get("/v1/conversations?" + query));
    if (out.value("total", uint64_t{0}) >= total) return out;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return out;
}

TEST_F(Conversations, FromACellAPainReasonAndAFaqRowToTheTranscripts) {
  start();
  auto c = client(daemon_->port());
  json events = json::array();
  // 60 conversations asking about a late refund at support x chatbot; the bot falls back on every one.
  for (int i = 0; i < 60; ++i) {
    const std::string s = "refund-" + std::to_string(i);
    const std::string minute = (i % 60 < 10 ? "0" : "") + std::to_string(i % 60);
    events.push_back(turn(s + "-q", s, "2026-11-20T10:" + minute + ":00Z", "user",
                          i % 2 ? "Where is my refund?" : "refund not received yet", "support", "chatbot"));
    json answer = turn(s + "-a", s, "2026-11-20T10:" + minute + ":05Z", "bot", "Sorry, I did not get that.",
                       "support", "chatbot");
    answer["fallback"] = true;
    events.push_back(answer);
  }
  // 5 conversations on the website at consideration only.
  for (int i = 0; i < 5; ++i)
    events.push_back(turn("web-" + std::to_string(i), "web-" + std::to_string(i),
                          "2026-11-21T09:00:0" + std::to_string(i) + "Z", "user", "", "consideration",
                          "website"));
  events.push_back(turn("hostile", "refund-0", "2026-11-20T10:00:09Z", "user", "<img src=x onerror=alert(1)>",
                        "support", "chatbot"));
  ASSERT_EQ(c.Post("/v1/events", events.dump(), "application/json")->status, 202);

  const json all = wait_for_total(c, kWindow, 65);
  EXPECT_EQ(all["total"], 65);

  const json cell =
      json_of(c.Get(std::string("/v1/conversations?stage=support&touchpoint=chatbot&") + kWindow));
  EXPECT_EQ(cell["total"], 60);
  ASSERT_EQ(cell["conversations"].size(), 50u);  // the default page
  const json& newest = cell["conversations"][0];
  EXPECT_EQ(newest["id"], "refund-59");
  EXPECT_EQ(newest["customer_id"], "cust-refund-59");
  EXPECT_EQ(newest["stages"], json::array({"support"}));
  EXPECT_EQ(newest["touchpoints"], json::array({"chatbot"}));
  ASSERT_EQ(newest["turns"].size(), 2u);
  EXPECT_EQ(newest["turns"][0]["role"], "user");
  EXPECT_EQ(newest["turns"][1]["role"], "bot");
  EXPECT_EQ(newest["turns"][1]["fallback"], true);
  EXPECT_EQ(newest["turns"][0]["tags"]["stage"], "support");
  EXPECT_TRUE(newest["pain"].is_array());

  // The cursor walks every match once.
  std::set<std::string> seen;
  json page = cell;
  for (;;) {
    for (const auto& conv : page["conversations"]) EXPECT_TRUE(seen.insert(conv["id"]).second) << conv["id"];
    if (page["next_cursor"].is_null()) break;
    page = json_of(c.Get("/v1/conversations?stage=support&touchpoint=chatbot&limit=50&cursor=" +
                         page["next_cursor"].get<std::string>() + "&" + kWindow));
    EXPECT_EQ(page["total"], 60);
  }
  EXPECT_EQ(seen.size(), 60u);

  const json website = json_of(c.Get(std::string("/v1/conversations?stage=consideration&") + kWindow));
  EXPECT_EQ(website["total"], 5);
  EXPECT_EQ(json_of(c.Get(std::string("/v1/conversations?stage=consideration&touchpoint=chatbot&") +
                          kWindow))["total"],
            0);

  // The pain reason the fallbacks carry, and the FAQ cluster of the refund questions.
  const json pained = json_of(c.Get(std::string("/v1/conversations?pain=unanswered&") + kWindow));
  EXPECT_EQ(pained["total"], 60);
  const json faq = json_of(c.Get(std::string("/v1/faq?") + kWindow));
  ASSERT_FALSE(faq["clusters"].empty());
  const json& top = faq["clusters"][0];
  const json by_cluster = json_of(
      c.Get("/v1/conversations?cluster=" + std::to_string(top["id"].get<int>()) + "&limit=200&" + kWindow));
  EXPECT_GT(by_cluster["total"].get<int>(), 0);
  for (const auto& conv : by_cluster["conversations"]) {
    const auto ids = conv["cluster_ids"];
    EXPECT_NE(std::find(ids.begin(), ids.end(), top["id"]), ids.end());
  }

  // Chat text comes back as stored: a JSON string, not markup.
  const json hostile = json_of(c.Get(std::string("/v1/conversations?limit=200&") + kWindow));
  bool found = false;
  for (const auto& conv : hostile["conversations"])
    for (const auto& t : conv["turns"]) found |= t["text"] == "<img src=x onerror=alert(1)>";
  EXPECT_TRUE(found);
}

TEST_F(Conversations, BadParametersNameTheFieldAndTheReadTokenApplies) {
  start({{"server", {{"read_token", "rt-secret"}}}});
  auto c = client(daemon_->port());
  EXPECT_EQ(c.Get("/v1/conversations")->status, 401);
  const httplib::Headers auth{{"Authorization", "Bearer rt-secret"}};
  EXPECT_EQ(c.Get("/v1/conversations", auth)->status, 200);
  const std::pair<const char*, const char*> bad[] = {{"stage=nowhere", "stage"},
                                                     {"touchpoint=x", "touchpoint"},
                                                     {"persona=x", "persona"},
                                                     {"cluster=abc", "cluster"},
                                                     {"limit=0", "limit"},
                                                     {"limit=201", "limit"},
                                                     {"cursor=bm90IGEgY3Vyc29y", "cursor"},
                                                     {"cursor=OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk6eA", "cursor"},
                                                     {"cursor=LTp4", "cursor"},
                                                     {"from=yesterday", "from"},
                                                     {"pain=", "pain"}};
  for (const auto& [query, field] : bad) {
    auto r = c.Get(std::string("/v1/conversations?") + query, auth);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << query;
    EXPECT_EQ(json::parse(r->body)["field"], field) << query;
  }
}

// A runaway session (a bot answering itself in a loop) does not make a page unbounded: its first 1,000
// turns are shown and `turns_omitted` counts the rest.
TEST_F(Conversations, ARunawayConversationShowsItsFirstThousandTurns) {
  start();
  auto c = client(daemon_->port());
  for (int part = 0; part < 3; ++part) {
    json events = json::array();
    for (int i = part * 400; i < (part + 1) * 400; ++i) {
      const int minute = i / 60, second = i % 60;
      char ts[32];
      std::snprintf(ts, sizeof ts, "2026-11-20T%02d:%02d:%02dZ", 10 + minute / 60, minute % 60, second);
      events.push_back(turn("loop-" + std::to_string(i), "loop", ts, i % 2 ? "bot" : "user", "again?",
                            "support", "chatbot"));
    }
    ASSERT_EQ(c.Post("/v1/events", events.dump(), "application/json")->status, 202);
  }
  wait_for_total(c, kWindow, 1);
  for (int i = 0; i < 2000; ++i) {  // tagging runs after the acknowledgement: wait for all 1,200
    const json p = json_of(c.Get(std::string("/v1/conversations?") + kWindow));
    if (p["conversations"].size() == 1 && p["conversations"][0].value("turns_omitted", 0) == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const json p = json_of(c.Get(std::string("/v1/conversations?") + kWindow));
  ASSERT_EQ(p["conversations"].size(), 1u);
  EXPECT_EQ(p["conversations"][0]["turns"].size(), 1000u);
  EXPECT_EQ(p["conversations"][0]["turns_omitted"], 200);
  EXPECT_EQ(p["conversations"][0]["turns"][0]["id"], "loop-0");
}

}  // namespace
}  // namespace tp::e2e
