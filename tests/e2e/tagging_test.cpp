// Tagging through the real daemon: a rule pack plus events over HTTP give the expected tags in
// GET /v1/interactions; reloads (admin API, SIGHUP) swap rules or refuse them; the rules CLI.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <thread>

#include "daemon_process.h"
#include "http_helpers.h"

namespace tp::e2e {
namespace {

using json = nlohmann::json;

const char* kAdmin = "admin-token-0123456789";

// The interaction `id` once the daemon's pipeline tagged it (readiness wait, bounded).
json tagged_interaction(const DaemonProcess& daemon, const std::string& id) {
  auto c = client(daemon.port());
  for (int i = 0; i < 1000; ++i) {
    auto r = c.Get("/v1/interactions?limit=1000");
    if (r && r->status == 200) {
      const json doc = json::parse(r->body);
      for (const auto& row : doc["interactions"])
        if (row["id"] == id && row["tags"].contains("version")) return row;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ADD_FAILURE() << id << " was never tagged; daemon log:\n" << daemon.log();
  return json::object();
}

const char* kPack = R"({
  "lists": { "refund_words": ["refund*", "atmaks*", "возврат*", "refusjon*", "hyvity*"] },
  "rules": [
    { "id": "refund", "description": "refund questions", "priority": 10,
      "when": { "all": [ {"field": "role", "eq": "user"}, {"field": "text", "keywords": ["@refund_words"]} ] },
      "then": { "stage": "support", "pain": ["refund_request"] } },
    { "id": "checkout", "description": "checkout pages",
      "when": { "field": "path", "glob": "/checkout*" }, "then": { "stage": "purchase", "touchpoint": "website" } }
  ]
})";

class Tagging : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path() / "rules");
    write_pack(kPack);
    daemon_ = std::make_unique<DaemonProcess>(
        dir_.path(), test_config(dir_.path(), {{"server", {{"admin_token", kAdmin}}},
                                               {"engine", {{"rules", {(dir_.path() / "rules").string()}}}}}));
  }
  void write_pack(const std::string& text) { std::ofstream(dir_.path() / "rules" / "pack.json") << text; }

  json tagged(const std::string& id) { return tagged_interaction(*daemon_, id); }

  httplib::Result reload() {
    auto c = client(daemon_->port());
    return c.Post("/v1/admin/reload", {{"Authorization", std::string("Bearer ") + kAdmin}}, "",
                  "application/json");
  }

  TempDir dir_;
  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(Tagging, EventsOverHttpGetTheRulesTags) {
  auto c = client(daemon_->port());
  const json events = json::array({
      {{"id", "lv"},
       {"type", "message"},
       {"customer_id", "c1"},
       {"channel", "chatbot"},
       {"role", "user"},
       {"text", "Kur ir mana ATMAKSA?"},
       {"fallback", true}},
      {{"id", "ru"},
       {"type", "message"},
       {"customer_id", "c2"},
       {"channel", "chatbot"},
       {"role", "user"},
       {"text", "Где мой возврат?"}},
      {{"id", "bot"},
       {"type", "message"},
       {"customer_id", "c1"},
       {"channel", "chatbot"},
       {"role", "bot"},
       {"text", "Your refund is on its way"}},
      {{"id", "page"},
       {"type", "page"},
       {"anonymous_id", "v1"},
       {"url", "https://shop.example/checkout/pay"}},
      {{"id", "preset"},
       {"type", "message"},
       {"customer_id", "c3"},
       {"role", "user"},
       {"text", "refund!"},
       {"tags", {{"stage", "onboarding"}}}},
  });
  ASSERT_EQ(c.Post("/v1/events", events.dump(), "application/json")->status, 202);

  const json lv = tagged("lv");
  EXPECT_EQ(lv["tags"]["stage"], "support");
  EXPECT_EQ(lv["tags"]["touchpoint"], "chatbot");
  EXPECT_EQ(lv["tags"]["pain"], json({"refund_request", "unanswered"}));
  EXPECT_EQ(lv["tags"]["rules"], json({"refund"}));
  EXPECT_EQ(tagged("ru")["tags"]["stage"], "support");
  EXPECT_TRUE(tagged("bot")["tags"]["stage"].is_null());  // the rule is for customers' words
  const json page = tagged("page");
  EXPECT_EQ(page["tags"]["stage"], "purchase");
  EXPECT_EQ(page["tags"]["touchpoint"], "website");
  const json preset = tagged("preset");
  EXPECT_EQ(preset["tags"]["stage"], "onboarding");  // the sender's preset tag wins
  EXPECT_EQ(preset["preset_tags"]["stage"], "onboarding");
}

TEST_F(Tagging, UnknownPresetTagIdsAreRejected) {
  auto c = client(daemon_->port());
  const json e = {{"id", "x"}, {"type", "message"}, {"customer_id", "c"}, {"tags", {{"stage", "nirvana"}}}};
  auto r = c.Post("/v1/events", e.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(json::parse(r->body)["errors"][0]["field"], "tags.stage");

  // Every tag is checked, each error named; the valid events of the same request are stored.
  const json batch = json::array(
      {{{"id", "p"}, {"type", "message"}, {"customer_id", "c"}, {"tags", {{"persona", "martian"}}}},
       {{"id", "t"}, {"type", "message"}, {"customer_id", "c"}, {"tags", {{"touchpoint", "carrier-pigeon"}}}},
       {{"id", "ok"}, {"type", "message"}, {"customer_id", "c"}, {"tags", {{"touchpoint", "chatbot"}}}}});
  auto mixed = c.Post("/v1/events", batch.dump(), "application/json");
  ASSERT_TRUE(mixed);
  EXPECT_EQ(mixed->status, 202);
  const json body = json::parse(mixed->body);
  EXPECT_EQ(body["accepted"], 1);
  EXPECT_EQ(body["rejected"], 2);
  ASSERT_EQ(body["errors"].size(), 2u) << body.dump();
  EXPECT_EQ(body["errors"][0]["index"], 0);
  EXPECT_EQ(body["errors"][0]["field"], "tags.persona");
  EXPECT_EQ(body["errors"][1]["index"], 1);
  EXPECT_EQ(body["errors"][1]["field"], "tags.touchpoint");
}

// A customer's message "refund" under `id`; returns the status.
int post_refund(httplib::Client& c, const std::string& id) {
  const json e = {
      {"id", id}, {"type", "message"}, {"customer_id", "c"}, {"role", "user"}, {"text", "refund"}};
  auto r = c.Post("/v1/events", e.dump(), "application/json");
  return r ? r->status : 0;
}

TEST_F(Tagging, AdminReloadRefusesBrokenRulesAndAppliesGoodOnes) {
  auto c = client(daemon_->port());
  ASSERT_EQ(post_refund(c, "before"), 202);
  const std::string version_before = tagged("before")["tags"]["version"];

  EXPECT_EQ(c.Post("/v1/admin/reload", "", "application/json")->status, 401);
  EXPECT_EQ(c.Post("/v1/admin/reload", {{"Authorization", "Bearer wrong-token-wrong-token"}}, "",
                   "application/json")
                ->status,
            401);

  write_pack(
      R"({"rules": [{"id": "bad", "description": "d", "when": {"field": "text", "regex": "(oops"}, "then": {"stage": "support"}}]})");
  auto refused = reload();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 422);
  const json body = json::parse(refused->body);
  EXPECT_FALSE(body["reloaded"].get<bool>());
  ASSERT_FALSE(body["diagnostics"].empty());
  EXPECT_EQ(body["diagnostics"][0]["rule"], "bad");
  EXPECT_EQ(body["diagnostics"][0]["line"], 1);
  // The old rules keep running.
  ASSERT_EQ(post_refund(c, "during"), 202);
  EXPECT_EQ(tagged("during")["tags"]["version"], version_before);
  EXPECT_EQ(tagged("during")["tags"]["stage"], "support");

  write_pack(
      R"({"rules": [{"id": "new", "description": "d", "when": {"field": "text", "keywords": ["refund"]}, "then": {"stage": "consideration"}}]})");
  auto applied = reload();
  ASSERT_TRUE(applied);
  EXPECT_EQ(applied->status, 200);
  const std::string version_after = json::parse(applied->body)["version"];
  EXPECT_NE(version_after, version_before);
  ASSERT_EQ(post_refund(c, "after"), 202);
  EXPECT_EQ(tagged("after")["tags"]["stage"], "consideration");
  EXPECT_EQ(tagged("after")["tags"]["version"], version_after);
}

TEST_F(Tagging, SighupReloadsTheRules) {
  write_pack(
      R"({"rules": [{"id": "hup", "description": "d", "when": {"field": "text", "keywords": ["refund"]}, "then": {"stage": "awareness"}}]})");
  daemon_->signal(SIGHUP);
  for (int i = 0; i < 1000 && daemon_->log().find("rules reloaded") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto c = client(daemon_->port());
  ASSERT_EQ(
      c.Post(
           "/v1/events",
           json(
               {{"id", "h"}, {"type", "message"}, {"customer_id", "c"}, {"role", "user"}, {"text", "refund"}})
               .dump(),
           "application/json")
          ->status,
      202);
  EXPECT_EQ(tagged("h")["tags"]["stage"], "awareness");
}

// The shipped plugins in a running daemon, one inline on the tagging thread and one on a worker of its
// own: their tags reach the stored interactions, and /metrics counts the worker's calls.
TEST(Plugins, ShippedPluginsTagInTheDaemonInlineAndOnAWorker) {
  TempDir dir;
  const std::string source_dir = TP_SOURCE_DIR;
  const json plugins = json::array(
      {{{"name", "lexicon_sentiment"},
        {"inline", true},
        {"config", {{"lexicon_dir", source_dir + "/config/lexicons"}, {"languages", {"en"}}}}},
       {{"name", "persona_traits"},
        {"config",
         {{"rules",
           json::array({{{"trait", "plan"}, {"equals", "business"}, {"persona", "business-account"}}})}}}}});
  DaemonProcess daemon(dir.path(), test_config(dir.path(), {{"engine",
                                                             {{"rules", {source_dir + "/config/rules"}},
                                                              {"plugin_dirs", {"${TOUCHPOINT_PLUGIN_DIR}"}},
                                                              {"plugins", plugins},
                                                              {"plugin_timeout_ms", 2000}}}}));
  auto c = client(daemon.port());
  const json events = json::array(
      {{{"id", "who"}, {"type", "identify"}, {"customer_id", "biz"}, {"traits", {{"plan", "business"}}}},
       {{"id", "said"},
        {"type", "message"},
        {"customer_id", "biz"},
        {"role", "user"},
        {"channel", "chatbot"},
        {"text", "this is terrible, awful service, I am very angry"}}});
  ASSERT_EQ(c.Post("/v1/events", events.dump(), "application/json")->status, 202);
  auto tagged = [&](const std::string& id) { return tagged_interaction(daemon, id); };
  EXPECT_EQ(tagged("who")["tags"]["persona"], "business-account");  // persona_traits, on its worker
  const json said = tagged("said");
  ASSERT_TRUE(said["tags"]["sentiment"].is_number()) << said.dump();  // lexicon_sentiment, inline
  EXPECT_LT(said["tags"]["sentiment"].get<double>(), 0.0);
  EXPECT_EQ(said["tags"]["persona"], "business-account");  // sticky for the customer
  const std::string metrics = c.Get("/metrics")->body;
  EXPECT_GE(metric_value(metrics, R"(touchpoint_plugin_calls_total{plugin="persona_traits"})"), 2) << metrics;
  EXPECT_EQ(metric_value(metrics, R"(touchpoint_plugin_failures_total{plugin="persona_traits"})"), 0);
  EXPECT_EQ(metric_value(metrics, R"(touchpoint_plugin_timeouts_total{plugin="persona_traits"})"), 0);
}

TEST(RulesCli, CheckPrintsEveryProblemWithPositionAndExitsNonZero) {
  TempDir dir;
  const auto file = dir.path() / "bad.json";
  std::ofstream(file) << "{\n  \"rules\": [\n    {\"id\": \"r\", \"description\": \"d\", \"when\": "
                         "{\"field\": \"text\", \"regex\": \"(\"},\n"
                         "     \"then\": {\"stage\": \"mars\"}}\n  ]\n}\n";
  const std::string config = std::string(TP_SOURCE_DIR) + "/config/touchpoint.json";
  const RunResult text = run_touchpointd({"rules", "check", "--config", config, file.string()});
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_NE(text.output.find(file.string() + ":3:"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("bad regular expression"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find(file.string() + ":4:"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("unknown stage id 'mars'"), std::string::npos) << text.output;

  const RunResult js = run_touchpointd({"rules", "check", "--config", config, "--json", file.string()});
  EXPECT_EQ(js.exit_code, 1);
  const json out = json::parse(js.output);
  EXPECT_EQ(out["errors"], 2);
  EXPECT_EQ(out["diagnostics"][0]["rule"], "r");

  const RunResult shipped = run_touchpointd({"rules", "check", "--config", config});
  EXPECT_EQ(shipped.exit_code, 0) << shipped.output;
}

TEST(RulesCli, TestExplainsWhichRulesMatchedAndWhy) {
  TempDir dir;
  const auto event = dir.path() / "event.json";
  std::ofstream(event)
      << R"({"id": "e", "type": "message", "customer_id": "c", "channel": "chatbot", "role": "user",
                              "text": "Kur ir mana atmaksa?"})";
  const std::string config = std::string(TP_SOURCE_DIR) + "/config/touchpoint.json";
  const RunResult r = run_touchpointd({"rules", "test", "--config", config, "--event", event.string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("stage:      support"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("rule chat.refund"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("text contains a keyword of"), std::string::npos) << r.output;
  const RunResult j =
      run_touchpointd({"rules", "test", "--config", config, "--event", event.string(), "--json"});
  EXPECT_EQ(json::parse(j.output)["events"][0]["tags"]["pain"], json({"refund_request"}));
}

TEST(RulesCli, CheckInJsonSaysOkWithTheRuleCountAndVersion) {
  const std::string config = std::string(TP_SOURCE_DIR) + "/config/touchpoint.json";
  const RunResult r = run_touchpointd({"rules", "check", "--config", config, "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const json out = json::parse(r.output);
  EXPECT_TRUE(out["ok"].get<bool>());
  EXPECT_EQ(out["errors"], 0);
  EXPECT_GT(out["rules"].get<int>(), 0);
  EXPECT_FALSE(out["version"].get<std::string>().empty());
}

// What an engineer gets wrong first: the path, the JSON, an event the daemon would refuse.
TEST(RulesCli, TestAndRetagSayWhatIsWrongWithTheirInput) {
  TempDir dir;
  const std::string config = std::string(TP_SOURCE_DIR) + "/config/touchpoint.json";
  const auto missing = dir.path() / "missing.json";
  const RunResult unread =
      run_touchpointd({"rules", "test", "--config", config, "--event", missing.string()});
  EXPECT_EQ(unread.exit_code, 1);
  EXPECT_NE(unread.output.find("cannot read " + missing.string()), std::string::npos) << unread.output;

  const auto broken = dir.path() / "broken.json";
  std::ofstream(broken) << R"({"id": "e", "text": )";
  const RunResult bad = run_touchpointd({"rules", "test", "--config", config, "--event", broken.string()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find(broken.string() + " is not valid JSON"), std::string::npos) << bad.output;

  // An invalid event is reported by index and field; the valid ones are still explained.
  const auto mixed = dir.path() / "mixed.json";
  std::ofstream(mixed)
      << R"([{"id": "ok", "type": "message", "customer_id": "c", "channel": "chatbot", "role": "user",
                                "text": "where is my refund?"},
                              {"type": "message", "customer_id": "c", "text": "no id"}])";
  const RunResult m =
      run_touchpointd({"rules", "test", "--config", config, "--event", mixed.string(), "--json"});
  EXPECT_EQ(m.exit_code, 1);
  EXPECT_NE(m.output.find(mixed.string() + ": event 1: id: "), std::string::npos) << m.output;
  EXPECT_NE(m.output.find("\"support\""), std::string::npos) << m.output;

  const RunResult since = run_touchpointd({"retag", "--config", config, "--since", "yesterday"});
  EXPECT_EQ(since.exit_code, 1);
  EXPECT_NE(since.output.find("--since must be an RFC 3339 time"), std::string::npos) << since.output;
}

}  // namespace
}  // namespace tp::e2e

namespace tp::e2e {
namespace {

// One rule pack in dir/rules: "refund" puts an interaction at `stage`.
void write_refund_pack(const std::filesystem::path& dir, const std::string& stage) {
  std::filesystem::create_directories(dir / "rules");
  std::ofstream(dir / "rules" / "pack.json")
      << R"({"rules": [{"id": "r", "description": "d", "when": {"field": "text", "keywords": ["refund"]}, "then": {"stage": ")" +
             stage + R"("}}]})";
}

TEST(Retag, ReappliesTheCurrentRulesToStoredInteractionsSinceATime) {
  TempDir dir;
  auto write_pack = [&](const std::string& stage) { write_refund_pack(dir.path(), stage); };
  write_pack("support");
  const json config = test_config(dir.path(), {{"engine", {{"rules", {(dir.path() / "rules").string()}}}}});
  std::string version_before;
  {
    DaemonProcess daemon(dir.path(), config);
    auto c = client(daemon.port());
    const json events = json::array({
        {{"id", "old"},
         {"type", "message"},
         {"customer_id", "c"},
         {"text", "refund"},
         {"timestamp", "2026-10-01T10:00:00Z"}},
        {{"id", "new"},
         {"type", "message"},
         {"customer_id", "c"},
         {"text", "refund"},
         {"timestamp", "2026-11-20T10:00:00Z"}},
    });
    ASSERT_EQ(c.Post("/v1/events", events.dump(), "application/json")->status, 202);
    // Readiness: both tagged before the daemon stops (it would tag them at the next start otherwise).
    for (int i = 0; i < 1000; ++i) {
      const json rows = json::parse(c.Get("/v1/interactions")->body)["interactions"];
      if (rows.size() == 2 && rows[0]["tags"].contains("version") && rows[1]["tags"].contains("version")) {
        version_before = rows[0]["tags"]["version"];
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    daemon.signal(SIGTERM);
    ASSERT_EQ(daemon.wait(), 0);
  }
  ASSERT_FALSE(version_before.empty());
  write_pack("onboarding");
  std::ofstream(dir.path() / "retag.json") << config.dump();
  const RunResult r = run_touchpointd(
      {"retag", "--config", (dir.path() / "retag.json").string(), "--since", "2026-11-01T00:00:00Z"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("retagged 1 interactions"), std::string::npos) << r.output;

  DaemonProcess again(dir.path(), config);
  const json rows = json::parse(client(again.port()).Get("/v1/interactions")->body)["interactions"];
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& row : rows) {
    if (row["id"] == "new") {
      EXPECT_EQ(row["tags"]["stage"], "onboarding");
      EXPECT_NE(row["tags"]["version"], version_before);
    } else {
      EXPECT_EQ(row["tags"]["stage"], "support");  // before --since: untouched
      EXPECT_EQ(row["tags"]["version"], version_before);
    }
  }
}

// A retag run against the database of a running daemon: the daemon sees the storage generation move on
// and rebuilds its map from the new tags by itself.
TEST(Retag, WhileTheDaemonRunsItsMapFollows) {
  TempDir dir;
  auto write_pack = [&](const std::string& stage) { write_refund_pack(dir.path(), stage); };
  write_pack("support");
  const json config = test_config(dir.path(), {{"engine", {{"rules", {(dir.path() / "rules").string()}}}}});
  DaemonProcess daemon(dir.path(), config);
  auto c = client(daemon.port());
  const json e = {{"id", "x"},      {"type", "message"},       {"customer_id", "c"},
                  {"role", "user"}, {"text", "refund please"}, {"timestamp", "2026-11-20T10:00:00Z"}};
  ASSERT_EQ(c.Post("/v1/events", e.dump(), "application/json")->status, 202);
  const std::string window = "/v1/map?from=2026-11-19T00:00:00Z&to=2026-11-21T00:00:00Z";
  auto customers_at = [&](size_t stage) {
    return json_of(c.Get(window))["stages"][stage]["customers"].get<int>();
  };
  for (int i = 0; i < 1000 && customers_at(4) != 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(customers_at(4), 1);  // support

  write_pack("onboarding");
  std::ofstream(dir.path() / "retag.json") << config.dump();
  const RunResult r = run_touchpointd({"retag", "--config", (dir.path() / "retag.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Readiness: the daemon checks every few seconds.
  for (int i = 0; i < 1500 && customers_at(3) != 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(customers_at(3), 1) << daemon.log();  // onboarding
  EXPECT_EQ(customers_at(4), 0);
}

}  // namespace
}  // namespace tp::e2e
