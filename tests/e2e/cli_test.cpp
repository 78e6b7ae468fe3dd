// The command line as an operator uses it: --version, config check, and the refusal to listen
// unauthenticated on a non-loopback address.
#include <gtest/gtest.h>
#include <touchpoint/version.h>

#include <fstream>

#include "daemon_process.h"
#include "http_helpers.h"

namespace tp::e2e {
namespace {

using json = nlohmann::json;

TEST(Cli, VersionPrintsTheVersion) {
  const RunResult r = run_touchpointd({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find(TOUCHPOINT_VERSION_STRING), std::string::npos) << r.output;
}

TEST(Cli, ConfigCheckAcceptsTheShippedConfig) {
  const RunResult r =
      run_touchpointd({"config", "check", std::string(TP_SOURCE_DIR) + "/config/touchpoint.json"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("ok"), std::string::npos);
}

TEST(Cli, ConfigCheckPrintsEveryProblemWithItsPath) {
  TempDir dir;
  const auto path = dir.path() / "bad.json";
  std::ofstream(path) << R"({
    // comments are fine
    "server": { "listen": "nowhere", "bogus": 1 },
    "storage": { "backend": "sqlite", "sqlite": { "path": "${TP_E2E_SURELY_UNSET_VAR}" } },
    "sources": { "events": { "kind": "carrier-pigeon" } }
  })";
  const RunResult r = run_touchpointd({"config", "check", path.string()});
  EXPECT_EQ(r.exit_code, 1);
  // file:line:column: error: pointer: message, then the line and a caret under the column.
  const std::string file = path.string();
  EXPECT_NE(r.output.find(file + ":3:27: error: /server/listen: must be HOST:PORT"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(file + ":3:38: error: /server/bogus: unknown key"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(file + ":4:59: error: /storage/sqlite/path: environment variable"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(file + ":5:38: error: /sources/events/kind"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\n        \"server\": { \"listen\": \"nowhere\", \"bogus\": 1 },\n"
                          "                              ^\n"),
            std::string::npos)
      << r.output;

  const RunResult j = run_touchpointd({"config", "check", path.string(), "--json"});
  EXPECT_EQ(j.exit_code, 1);
  const json out = json::parse(j.output);
  EXPECT_FALSE(out["ok"].get<bool>());
  EXPECT_GE(out["problems"].size(), 4u);
  const json& listen = out["problems"][0];  // in the file's order
  EXPECT_EQ(listen["path"], "/server/listen");
  EXPECT_EQ(listen["line"], 3);
  EXPECT_EQ(listen["column"], 27);
  EXPECT_EQ(listen["severity"], "error");

  // serve refuses the same file with the same lines, on stderr, and exits 1.
  const RunResult s = run_touchpointd({"serve", "--config", path.string()});
  EXPECT_EQ(s.exit_code, 1);
  EXPECT_NE(s.output.find(file + ":3:27: error: /server/listen"), std::string::npos) << s.output;
}

TEST(Cli, RefusesToListenUnauthenticatedOnANonLoopbackAddress) {
  TempDir dir;
  const auto path = dir.path() / "open.json";
  std::ofstream(path) << test_config(dir.path(), {{"server", {{"listen", "0.0.0.0:0"}}}}).dump();
  const RunResult r = run_touchpointd({"serve", "--config", path.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("refusing"), std::string::npos) << r.output;
}

TEST(Cli, FlagsOverrideTheFile) {
  TempDir dir;
  const auto db = dir.path() / "from-flag.db";
  DaemonProcess daemon(dir.path(), test_config(dir.path(), {{"server", {{"listen", "127.0.0.1:1"}}}}),
                       {"--listen", "127.0.0.1:0", "--db", db.string(), "--log-format", "json"});
  EXPECT_EQ(client(daemon.port()).Post("/v1/events", event("f-1").dump(), "application/json")->status, 202);
  EXPECT_TRUE(std::filesystem::exists(db));
  // JSON log lines.
  const std::string log = daemon.log();
  const std::string first_line = log.substr(0, log.find('\n'));
  EXPECT_TRUE(json::accept(first_line)) << first_line;
}

TEST(Cli, BrokenConfigRefusesToStart) {
  TempDir dir;
  const auto path = dir.path() / "broken.json";
  std::ofstream(path) << R"({"server": {"listen": 8080}})";
  const RunResult r = run_touchpointd({"--config", path.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("/server/listen"), std::string::npos) << r.output;
}

// A rule pack with an error stops the start before storage is touched, and says where the error is.
TEST(Cli, BrokenRulePackRefusesToStart) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "rules");
  std::ofstream(dir.path() / "rules" / "bad.json")
      << R"({"rules": [{"id": "r", "description": "d", "when": {"field": "text", "regex": "("}, "then": {"stage": "support"}}]})";
  const auto path = dir.path() / "touchpoint.json";
  std::ofstream(path)
      << test_config(dir.path(), {{"engine", {{"rules", {(dir.path() / "rules").string()}}}}}).dump();
  const RunResult r = run_touchpointd({"serve", "--config", path.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("bad.json:1:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("bad regular expression"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("the rule packs have 1 error "), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "touchpoint.db"));
}

}  // namespace
}  // namespace tp::e2e
