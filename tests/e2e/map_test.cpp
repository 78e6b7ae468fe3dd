// The journey model and the map over HTTP, fed by events with preset tags (no rules needed).
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "daemon_process.h"
#include "http_helpers.h"

namespace tp::e2e {
namespace {

using json = nlohmann::json;

TEST(MapApi, JourneyModelInOrder) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), test_config(dir.path()));
  const json j = json_of(client(daemon.port()).Get("/v1/journey"));
  ASSERT_EQ(j["stages"].size(), 5u);
  EXPECT_EQ(j["stages"][0]["id"], "awareness");
  EXPECT_EQ(j["stages"][4]["id"], "support");
  EXPECT_EQ(j["touchpoints"].size(), 8u);
  EXPECT_EQ(j["personas"].size(), 3u);
}

TEST(MapApi, MapFollowsTaggedEventsAndSurvivesARestart) {
  TempDir dir;
  const json config = test_config(dir.path());
  auto tagged_event = [](const std::string& id, const std::string& customer, const std::string& ts,
                         const std::string& stage, const std::string& touchpoint) {
    return json{{"id", id},
                {"type", "message"},
                {"customer_id", customer},
                {"timestamp", ts},
                {"role", "user"},
                {"text", "hello"},
                {"tags", {{"stage", stage}, {"touchpoint", touchpoint}, {"persona", "first-time-buyer"}}}};
  };
  const std::string window = "from=2026-11-01T00:00:00Z&to=2026-11-08T00:00:00Z";
  auto consideration = [](const json& m) { return m["stages"][1]; };
  {
    DaemonProcess daemon(dir.path(), config);
    auto c = client(daemon.port());
    const json events = json::array({
        tagged_event("a1", "alice", "2026-11-02T10:00:00Z", "consideration", "website"),
        tagged_event("a2", "alice", "2026-11-02T12:00:00Z", "purchase", "website"),
        tagged_event("b1", "bob", "2026-11-03T10:00:00Z", "consideration", "chatbot"),
    });
    ASSERT_EQ(c.Post("/v1/events", events.dump(), "application/json")->status, 202);
    json m;
    // Readiness: the map follows tagging, a moment after the acknowledgement.
    for (int i = 0; i < 500; ++i) {
      m = json_of(c.Get("/v1/map?" + window));
      if (m["stages"][2]["customers"] == 1 && consideration(m)["customers"] == 2) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(consideration(m)["customers"], 2);
    EXPECT_DOUBLE_EQ(consideration(m)["conversion_to_next"].get<double>(), 0.5);
    EXPECT_EQ(consideration(m)["dropoff"], 1);
    EXPECT_DOUBLE_EQ(consideration(m)["time_to_next_s"]["median"].get<double>(), 7200.0);
    EXPECT_EQ(m["from"], "2026-11-01T00:00:00.000Z");

    EXPECT_EQ(c.Get("/v1/map?from=yesterday")->status, 400);
    EXPECT_EQ(c.Get("/v1/map?persona=martian")->status, 400);
    EXPECT_EQ(c.Get("/v1/map?from=2026-11-08T00:00:00Z&to=2026-11-01T00:00:00Z")->status, 400);
    daemon.signal(SIGTERM);
    ASSERT_EQ(daemon.wait(), 0);
  }
  DaemonProcess again(dir.path(), config);
  json m;
  for (int i = 0; i < 500; ++i) {
    m = json_of(client(again.port()).Get("/v1/map?" + window));
    if (consideration(m)["customers"] == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(consideration(m)["customers"], 2);
  EXPECT_DOUBLE_EQ(consideration(m)["conversion_to_next"].get<double>(), 0.5);
}

}  // namespace
}  // namespace tp::e2e

namespace tp::e2e {
namespace {

TEST(StreamApi, SubscribersHearOfChangedStagesCellsAndClusters) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), test_config(dir.path()));
  std::string received;
  std::atomic<bool> connected{false};
  std::thread reader([&] {
    auto c = client(daemon.port());
    c.Get("/v1/stream", [&](const char* data, size_t len) {
      received.append(data, len);
      connected = true;
      // Stop once a map event and a faq event have arrived (or after a generous amount of data).
      return !(received.find("event: map") != std::string::npos &&
               received.find("event: faq") != std::string::npos) &&
             received.size() < 100000;
    });
  });
  for (int i = 0; i < 500 && !connected; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(connected.load());
  const json e = {{"id", "s1"},
                  {"type", "message"},
                  {"customer_id", "c"},
                  {"role", "user"},
                  {"text", "where is my order?"},
                  {"tags", {{"stage", "support"}, {"touchpoint", "chatbot"}}}};
  ASSERT_EQ(client(daemon.port()).Post("/v1/events", e.dump(), "application/json")->status, 202);
  reader.join();  // returns once both events arrived (the stream sends within about a second)
  EXPECT_NE(received.find(
                "event: map\ndata: "
                "{\"cells\":[{\"stage\":\"support\",\"touchpoint\":\"chatbot\"}],\"stages\":[\"support\"]}"),
            std::string::npos)
      << received;
  EXPECT_NE(received.find("event: faq\ndata: {\"clusters\":[0]}"), std::string::npos) << received;
  // The daemon still stops promptly with a stream open elsewhere.
  std::thread idle(
      [&] { client(daemon.port()).Get("/v1/stream", [](const char*, size_t) { return true; }); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let it connect (not an assertion)
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(), 0);
  idle.join();
}

TEST(MapApi, ExportsAreServed) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), test_config(dir.path()));
  auto c = client(daemon.port());
  auto mmd = c.Get("/v1/map.mmd");
  ASSERT_TRUE(mmd);
  EXPECT_EQ(mmd->status, 200);
  EXPECT_EQ(mmd->body.rfind("journey\n  title Customer journey", 0), 0u) << mmd->body;
  auto csv = c.Get("/v1/map.csv");
  ASSERT_TRUE(csv);
  EXPECT_EQ(csv->get_header_value("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(csv->body.rfind("stage,touchpoint,customers", 0), 0u);
  auto faq = c.Get("/v1/faq.csv");
  ASSERT_TRUE(faq);
  EXPECT_EQ(faq->body.rfind("id,label,intent,count", 0), 0u);
  EXPECT_EQ(c.Get("/v1/faq?limit=0")->status, 400);
  EXPECT_EQ(c.Get("/v1/faq?stage=nowhere")->status, 400);
}

// After a restart the map comes from the saved snapshot plus only what was tagged after it: the log
// says how many interactions were read back, and the figures are whole either way.
TEST(MapApi, RestartLoadsTheSnapshotAndReadsBackOnlyNewerInteractions) {
  TempDir dir;
  const json config = test_config(dir.path());
  const std::string window = "/v1/map?from=2026-11-01T00:00:00Z&to=2026-11-08T00:00:00Z";
  auto batch = [](int from, int n) {
    json events = json::array();
    for (int i = from; i < from + n; ++i)
      events.push_back({{"id", "e" + std::to_string(i)},
                        {"type", "page"},
                        {"customer_id", "c" + std::to_string(i)},
                        {"timestamp", "2026-11-02T10:00:00Z"},
                        {"tags", {{"stage", "awareness"}, {"touchpoint", "website"}}}});
    return events;
  };
  auto awareness = [&](httplib::Client& c, int expected) {
    int seen = -1;
    for (int i = 0; i < 1000 && seen != expected; ++i) {
      seen = json_of(c.Get(window))["stages"][0]["customers"].get<int>();
      if (seen != expected) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return seen;
  };
  {  // 40 interactions, a clean stop: the snapshot is saved.
    DaemonProcess daemon(dir.path(), config);
    auto c = client(daemon.port());
    ASSERT_EQ(c.Post("/v1/events", batch(0, 40).dump(), "application/json")->status, 202);
    ASSERT_EQ(awareness(c, 40), 40);
    daemon.signal(SIGTERM);
    ASSERT_EQ(daemon.wait(), 0);
    EXPECT_NE(daemon.log().find("snapshot saved"), std::string::npos) << daemon.log();
  }
  {  // Loaded from the snapshot; 7 more, then killed: no save at the end.
    DaemonProcess daemon(dir.path(), config);
    auto c = client(daemon.port());
    EXPECT_EQ(awareness(c, 40), 40);
    EXPECT_NE(daemon.log().find("snapshot loaded"), std::string::npos) << daemon.log();
    EXPECT_EQ(daemon.log().find("loaded from storage"), std::string::npos) << daemon.log();
    ASSERT_EQ(c.Post("/v1/events", batch(40, 7).dump(), "application/json")->status, 202);
    ASSERT_EQ(awareness(c, 47), 47);
    daemon.signal(SIGKILL);
    daemon.wait();
  }
  // The old snapshot plus exactly the 7 tagged after it.
  DaemonProcess daemon(dir.path(), config);
  auto c = client(daemon.port());
  EXPECT_EQ(awareness(c, 47), 47);
  for (int i = 0; i < 500 && daemon.log().find("map: 7 tagged") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_NE(daemon.log().find("snapshot loaded"), std::string::npos) << daemon.log();
  EXPECT_NE(daemon.log().find("map: 7 tagged interactions loaded from storage"), std::string::npos)
      << daemon.log();
}

// A retag changes what the saved map counted: the next start must not use it.
TEST(MapApi, ARetagMakesTheSnapshotStale) {
  TempDir dir;
  const json config = test_config(dir.path());
  {
    DaemonProcess daemon(dir.path(), config);
    auto c = client(daemon.port());
    const json e = {{"id", "r1"},         {"type", "message"},
                    {"customer_id", "c"}, {"role", "user"},
                    {"text", "hello"},    {"tags", {{"stage", "purchase"}, {"touchpoint", "chatbot"}}}};
    ASSERT_EQ(c.Post("/v1/events", e.dump(), "application/json")->status, 202);
    for (int i = 0; i < 1000; ++i) {
      const json rows = json_of(c.Get("/v1/interactions"))["interactions"];
      if (rows.size() == 1 && rows[0]["tags"].contains("version")) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    daemon.signal(SIGTERM);
    ASSERT_EQ(daemon.wait(), 0);
  }
  std::ofstream(dir.path() / "retag.json") << config.dump();
  const RunResult r = run_touchpointd({"retag", "--config", (dir.path() / "retag.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  DaemonProcess again(dir.path(), config);
  for (int i = 0; i < 500 && again.log().find("map: 1 tagged") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_NE(again.log().find("snapshot is stale"), std::string::npos) << again.log();
  EXPECT_NE(again.log().find("map: 1 tagged interactions loaded from storage"), std::string::npos)
      << again.log();
}

// A support chat as webhooks deliver it: the customer's question, then the bot's fallback turn, a hand-off
// and a feedback rating as separate events of the same session. The FAQ counts them on the question.
TEST(FaqApi, LaterTurnsOfTheConversationTellWhatBecameOfTheQuestion) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), test_config(dir.path()));
  auto c = client(daemon.port());
  auto turn = [](const std::string& id, const std::string& session, const std::string& ts, json fields) {
    json e = {{"id", id}, {"customer_id", "cust-" + session}, {"session_id", session}, {"timestamp", ts}};
    e.update(fields);
    return e;
  };
  const json events = json::array({
      turn("q1", "s1", "2026-11-02T10:00:00Z",
           {{"type", "message"}, {"role", "user"}, {"text", "Can I pay by invoice?"}}),
      turn(
          "b1", "s1", "2026-11-02T10:00:02Z",
          {{"type", "message"}, {"role", "bot"}, {"text", "Sorry, I did not get that."}, {"fallback", true}}),
      turn("h1", "s1", "2026-11-02T10:00:30Z", {{"type", "handoff"}}),
      turn("f1", "s1", "2026-11-02T10:05:00Z",
           {{"type", "feedback"}, {"role", "user"}, {"rating", 1}, {"text", "useless"}}),
      // The same question in another session, answered well.
      turn("q2", "s2", "2026-11-02T11:00:00Z",
           {{"type", "message"}, {"role", "user"}, {"text", "Can I pay by invoice?"}}),
      turn("b2", "s2", "2026-11-02T11:00:01Z",
           {{"type", "message"}, {"role", "bot"}, {"text", "Yes, choose invoice at checkout."}}),
      turn("f2", "s2", "2026-11-02T11:02:00Z", {{"type", "feedback"}, {"rating", 5}}),
  });
  ASSERT_EQ(c.Post("/v1/events", events.dump(), "application/json")->status, 202);
  const std::string url = "/v1/faq?from=2026-11-01T00:00:00Z&to=2026-11-08T00:00:00Z";
  json faq;
  for (int i = 0; i < 500; ++i) {
    faq = json_of(c.Get(url));
    if (!faq["clusters"].empty() && faq["clusters"][0]["avg_rating"] == 3.0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(faq["clusters"].size(), 1u) << faq.dump(1);  // feedback comments are not questions
  const json& q = faq["clusters"][0];
  EXPECT_EQ(q["label"], "Can I pay by invoice?");
  EXPECT_EQ(q["count"], 2);
  EXPECT_DOUBLE_EQ(q["unanswered_rate"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(q["escalation_rate"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(q["avg_rating"].get<double>(), 3.0);
}

}  // namespace
}  // namespace tp::e2e
