#include "app/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/webhook_sources.h"
#include "model/journey.h"

namespace tp {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

// An environment made of a map, so tests never depend on the real process environment.
EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}
const EnvLookup kNoEnv = env_of({});

// The smallest valid configuration: one source.
constexpr const char* kMinimal = R"({"sources": {"events": {"kind": "native"}}})";

ConfigLoad parse(const std::string& text, const EnvLookup& env = kNoEnv,
                 const std::string& base_dir = "/etc/tp") {
  return parse_config(text, base_dir, env);
}

std::vector<std::string> paths_of(const ConfigLoad& load) {
  std::vector<std::string> out;
  for (const auto& p : load.problems) out.push_back(p.pointer);
  return out;
}

const Diagnostic* problem_at(const ConfigLoad& load, const std::string& path) {
  auto it = std::find_if(load.problems.begin(), load.problems.end(),
                         [&](const Diagnostic& p) { return p.pointer == path; });
  return it == load.problems.end() ? nullptr : &*it;
}

std::string describe(const ConfigLoad& load) {
  std::string out;
  for (const auto& p : load.problems) out += "\n  " + p.pointer + ": " + p.message;
  return out;
}

TEST(ParseConfig, MinimalConfigGetsTheDefaults) {
  const ConfigLoad load = parse(kMinimal);
  ASSERT_TRUE(load.ok()) << describe(load);
  const Config& c = load.config;
  const Config defaults;
  EXPECT_EQ(c.server.host, defaults.server.host);
  EXPECT_EQ(c.server.port, defaults.server.port);
  EXPECT_EQ(c.server.threads, defaults.server.threads);
  EXPECT_EQ(c.server.max_body_bytes, defaults.server.max_body_bytes);
  EXPECT_EQ(c.server.read_token, "");
  EXPECT_FALSE(c.server.allow_unauthenticated);
  EXPECT_EQ(c.storage.backend, "sqlite");
  EXPECT_EQ(c.storage.sqlite_path, defaults.storage.sqlite_path);
  EXPECT_EQ(c.ingest.queue_capacity, defaults.ingest.queue_capacity);
  EXPECT_EQ(c.ingest.max_group, defaults.ingest.max_group);
  EXPECT_EQ(c.log.format, "text");
  EXPECT_EQ(c.log.level, "info");
  EXPECT_EQ(c.journey_path, "");
  ASSERT_EQ(c.sources.size(), 1u);
  EXPECT_EQ(c.sources[0].name, "events");
  EXPECT_EQ(c.sources[0].kind, "native");
  EXPECT_EQ(c.sources[0].auth, AuthType::None);
  // The defaults are the safe ones: loopback.
  EXPECT_TRUE(is_loopback_host(c.server.host));
}

TEST(ParseConfig, ReadsEverySection) {
  const ConfigLoad load = parse(R"({
    "server": {"listen": "0.0.0.0:9000", "threads": 8, "max_body_bytes": 2048, "max_event_bytes": 512,
               "read_token": "rt", "allow_unauthenticated": true, "keep_alive_timeout_s": 3,
               "keep_alive_max_requests": 50, "read_timeout_s": 4},
    "storage": {"backend": "sqlite", "sqlite": {"path": "/var/lib/tp/db.sqlite", "busy_timeout_ms": 100}},
    "ingest": {"queue_capacity": 500, "max_group": 50, "commit_timeout_ms": 2500, "retry_after_s": 3,
               "dead_letter_raw_bytes": 0},
    "log": {"format": "json", "level": "debug"},
    "sources": {
      "crm": {"kind": "native", "auth": {"type": "bearer", "tokens": ["t1", "t2"]}},
      "web": {"kind": "segment", "auth": {"type": "write_key", "keys": ["wk"]}}
    }
  })");
  ASSERT_TRUE(load.ok()) << describe(load);
  const Config& c = load.config;
  EXPECT_EQ(c.server.host, "0.0.0.0");
  EXPECT_EQ(c.server.port, 9000);
  EXPECT_EQ(c.server.threads, 8u);
  EXPECT_EQ(c.server.max_body_bytes, 2048u);
  EXPECT_EQ(c.server.max_event_bytes, 512u);
  EXPECT_EQ(c.server.read_token, "rt");
  EXPECT_TRUE(c.server.allow_unauthenticated);
  EXPECT_EQ(c.server.keep_alive_timeout_s, 3);
  EXPECT_EQ(c.server.keep_alive_max_requests, 50u);
  EXPECT_EQ(c.server.head_timeout_s, 4);  // read_timeout_s, the older name, sets both
  EXPECT_EQ(c.server.body_timeout_s, 4);
  EXPECT_EQ(c.storage.sqlite_path, "/var/lib/tp/db.sqlite");
  EXPECT_EQ(c.storage.busy_timeout_ms, 100);
  EXPECT_EQ(c.ingest.queue_capacity, 500u);
  EXPECT_EQ(c.ingest.max_group, 50u);
  EXPECT_EQ(c.ingest.commit_timeout_ms, 2500);
  EXPECT_EQ(c.ingest.retry_after_s, 3);
  EXPECT_EQ(c.ingest.dead_letter_raw_bytes, 0u);
  EXPECT_EQ(c.log.format, "json");
  EXPECT_EQ(c.log.level, "debug");
  ASSERT_EQ(c.sources.size(), 2u);
  const SourceConfig& crm = c.sources[0].name == "crm" ? c.sources[0] : c.sources[1];
  const SourceConfig& web = c.sources[0].name == "web" ? c.sources[0] : c.sources[1];
  EXPECT_EQ(crm.auth, AuthType::Bearer);
  EXPECT_EQ(crm.secrets, (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(web.kind, "segment");
  EXPECT_EQ(web.auth, AuthType::WriteKey);
  EXPECT_EQ(web.secrets, (std::vector<std::string>{"wk"}));
}

TEST(ParseConfig, UnknownKeysAreRejectedWithTheirJsonPointer) {
  const ConfigLoad load = parse(R"({
    "server": {"listen": "127.0.0.1:1", "bogus": 1},
    "storage": {"sqlite": {"pathh": "x"}},
    "sources": {"events": {"kind": "native", "auth": {"type": "none", "token": "x"}, "extra": []}},
    "a/b~c": true
  })");
  EXPECT_THAT(paths_of(load), UnorderedElementsAre("/server/bogus", "/storage/sqlite/pathh",
                                                   "/sources/events/auth/token", "/sources/events/extra",
                                                   "/a~1b~0c"));  // RFC 6901 escaping of '/' and '~'
  EXPECT_THAT(problem_at(load, "/server/bogus")->message, HasSubstr("unknown"));
}

TEST(ParseConfig, PluginsAreThreadedUnlessMarkedInline) {
  const ConfigLoad load = parse(R"({"sources": {"events": {"kind": "native"}},
    "engine": {"plugins": [{"name": "mine"}, {"name": "trusted", "inline": true}], "plugin_init_timeout_ms": 2500}})");
  ASSERT_TRUE(load.problems.empty()) << describe(load);
  ASSERT_EQ(load.config.engine.plugins.size(), 2u);
  EXPECT_FALSE(load.config.engine.plugins[0].inline_calls);
  EXPECT_TRUE(load.config.engine.plugins[1].inline_calls);
  EXPECT_EQ(load.config.engine.plugin_init_timeout_ms, 2500);
  const ConfigLoad bad = parse(R"({"sources": {"events": {"kind": "native"}},
    "engine": {"plugins": [{"name": "p", "inline": "yes"}]}})");
  EXPECT_NE(problem_at(bad, "/engine/plugins/0/inline"), nullptr) << describe(bad);
}

TEST(ParseConfig, ConnectionTimeoutsAndLimits) {
  const ConfigLoad load = parse(R"({"sources": {"events": {"kind": "native"}},
    "server": {"read_timeout_s": 7, "head_timeout_s": 2, "write_timeout_s": 3, "max_streams": 40,
               "event_loops": 0, "max_buffered_bytes": 1048576}})");
  ASSERT_TRUE(load.ok()) << describe(load);
  const ServerConfig& s = load.config.server;
  EXPECT_EQ(s.head_timeout_s, 2);  // the specific key wins over the older name
  EXPECT_EQ(s.body_timeout_s, 7);
  EXPECT_EQ(s.write_timeout_s, 3);
  EXPECT_EQ(s.max_streams, 40u);  // streams have threads of their own: no cap from server.threads
  EXPECT_EQ(s.event_loops, 1u);   // 0 (no loops) is no longer a mode: read as one loop
  EXPECT_EQ(s.max_buffered_bytes, 1048576u);
  const ConfigLoad bad = parse(R"({"sources": {"events": {"kind": "native"}},
    "server": {"body_timeout_s": 0, "max_buffered_bytes": 10}})");
  EXPECT_NE(problem_at(bad, "/server/body_timeout_s"), nullptr) << describe(bad);
  EXPECT_NE(problem_at(bad, "/server/max_buffered_bytes"), nullptr) << describe(bad);
}

TEST(ParseConfig, CommentsAreAllowed) {
  const ConfigLoad load = parse(R"(
    // line comment
    {
      /* block
         comment */
      "sources": {"events": {"kind": "native"}}  // trailing comment
    })");
  EXPECT_TRUE(load.ok()) << describe(load);
}

TEST(ParseConfig, InvalidJsonIsOneProblemWithLineAndColumn) {
  const ConfigLoad load = parse("{\n  \"server\": {\n    \"listen\": ,\n  }\n}");
  ASSERT_EQ(load.problems.size(), 1u);
  EXPECT_EQ(load.problems[0].pointer, "");
  EXPECT_THAT(load.problems[0].message, HasSubstr("not valid JSON"));
  EXPECT_EQ(load.problems[0].line, 3u);
  EXPECT_EQ(load.problems[0].column, 15u);  // the ","
}

// Every problem is placed in the file: a bad value at the value, an unknown key at its name, a missing
// variable at the string that names it; printed as file:line:column with the line and a caret.
TEST(ParseConfig, ProblemsCarryTheFileLineAndColumn) {
  const std::string text =
      "{\n"                                                     // 1
      "  // comments count as lines too\n"                      // 2
      "  \"server\": {\n"                                       // 3
      "    \"threads\": \"many\",\n"                            // 4: the value at column 16
      "    \"bogus\": 1,\n"                                     // 5: the key at column 5
      "    \"read_token\": \"${NO_SUCH_VAR}\"\n"                // 6: the value at column 19
      "  },\n"                                                  // 7
      "  \"sources\": {\"events\": {\"kind\": \"native\"}},\n"  // 8
      "  \"log\": {\"level\": \"loud\"}\n"                      // 9: the value at column 20
      "}\n";
  const ConfigLoad load = parse_config(text, "/etc/tp", kNoEnv, "/etc/tp/touchpoint.json");
  ASSERT_EQ(load.problems.size(), 4u) << describe(load);
  struct Expected {
    const char* pointer;
    size_t line, column;
  };
  for (const Expected& e : {Expected{"/server/threads", 4, 16}, Expected{"/server/bogus", 5, 5},
                            Expected{"/server/read_token", 6, 19}, Expected{"/log/level", 9, 20}}) {
    const Diagnostic* p = problem_at(load, e.pointer);
    ASSERT_NE(p, nullptr) << e.pointer << describe(load);
    EXPECT_EQ(p->file, "/etc/tp/touchpoint.json");
    EXPECT_EQ(p->line, e.line) << e.pointer;
    EXPECT_EQ(p->column, e.column) << e.pointer;
    EXPECT_EQ(p->severity, Diagnostic::Severity::Error);
  }
  EXPECT_EQ(format_diagnostic(*problem_at(load, "/server/threads")),
            "/etc/tp/touchpoint.json:4:16: error: /server/threads: must be a whole number\n"
            "        \"threads\": \"many\",\n"
            "                   ^");
}

TEST(ParseConfig, ANumberBeyondADoubleIsAProblemNotACrash) {
  const ConfigLoad load = parse(R"({"server": {"threads": 1e400}})");
  ASSERT_EQ(load.problems.size(), 1u);
  EXPECT_THAT(load.problems[0].message, HasSubstr("number overflow"));
}

TEST(ParseConfig, DocumentMustBeAnObject) {
  const ConfigLoad load = parse("[1, 2]");
  ASSERT_EQ(load.problems.size(), 1u);
  EXPECT_EQ(load.problems[0].pointer, "");
}

TEST(ParseConfig, ExpandsEnvironmentVariables) {
  const ConfigLoad load =
      parse(R"({
    "server": {"listen": "${HOST}:${PORT}", "read_token": "Bearer-${TOKEN}-end"},
    "storage": {"sqlite": {"path": "${DATA_DIR}/tp.db"}},
    "sources": {"events": {"kind": "native", "auth": {"type": "bearer", "tokens": ["${TOKEN}", "fixed"]}}}
  })",
            env_of({{"HOST", "10.0.0.5"}, {"PORT", "8443"}, {"TOKEN", "s3cr3t"}, {"DATA_DIR", "/srv/data"}}));
  ASSERT_TRUE(load.ok()) << describe(load);
  EXPECT_EQ(load.config.server.host, "10.0.0.5");
  EXPECT_EQ(load.config.server.port, 8443);
  EXPECT_EQ(load.config.server.read_token, "Bearer-s3cr3t-end");
  EXPECT_EQ(load.config.storage.sqlite_path, "/srv/data/tp.db");
  EXPECT_EQ(load.config.sources[0].secrets, (std::vector<std::string>{"s3cr3t", "fixed"}));
}

TEST(ParseConfig, DefaultsApplyWhenTheVariableIsUnsetOrEmpty) {
  const std::string text = R"({
    "server": {"listen": "${LISTEN:-127.0.0.1:7000}", "read_token": "${TOKEN:-}"},
    "storage": {"sqlite": {"path": "${DB:-data/default.db}"}},
    "sources": {"events": {"kind": "native"}}
  })";
  const ConfigLoad unset = parse(text, kNoEnv);
  ASSERT_TRUE(unset.ok()) << describe(unset);
  EXPECT_EQ(unset.config.server.port, 7000);
  EXPECT_EQ(unset.config.server.read_token, "");
  EXPECT_EQ(unset.config.storage.sqlite_path, "data/default.db");

  const ConfigLoad empty = parse(text, env_of({{"LISTEN", ""}, {"DB", ""}}));
  ASSERT_TRUE(empty.ok()) << describe(empty);
  EXPECT_EQ(empty.config.server.port, 7000);
  EXPECT_EQ(empty.config.storage.sqlite_path, "data/default.db");

  const ConfigLoad set = parse(text, env_of({{"LISTEN", "127.0.0.1:7001"}, {"TOKEN", "tok"}}));
  ASSERT_TRUE(set.ok()) << describe(set);
  EXPECT_EQ(set.config.server.port, 7001);
  EXPECT_EQ(set.config.server.read_token, "tok");
}

TEST(ParseConfig, MissingVariableIsAProblemAtItsPath) {
  const ConfigLoad load = parse(R"({
    "server": {"read_token": "${NO_SUCH_VAR}"},
    "sources": {"events": {"kind": "native", "auth": {"type": "bearer", "tokens": ["ok", "${ALSO_MISSING}"]}}}
  })");
  EXPECT_FALSE(load.ok());
  ASSERT_NE(problem_at(load, "/server/read_token"), nullptr) << describe(load);
  EXPECT_THAT(problem_at(load, "/server/read_token")->message, HasSubstr("NO_SUCH_VAR"));
  ASSERT_NE(problem_at(load, "/sources/events/auth/tokens/1"), nullptr) << describe(load);
  EXPECT_THAT(problem_at(load, "/sources/events/auth/tokens/1")->message, HasSubstr("ALSO_MISSING"));
}

TEST(ParseConfig, UnterminatedVariableIsAProblem) {
  const ConfigLoad load =
      parse(R"({"server": {"read_token": "abc${OOPS"}, "sources": {"e": {"kind": "native"}}})",
            env_of({{"OOPS", "x"}}));
  ASSERT_NE(problem_at(load, "/server/read_token"), nullptr) << describe(load);
  EXPECT_THAT(problem_at(load, "/server/read_token")->message, HasSubstr("unterminated"));
}

TEST(ParseConfig, ExpansionIsNotRecursive) {
  // A value that itself looks like ${...} is taken literally, never expanded again.
  const ConfigLoad load = parse(R"({"server": {"read_token": "${A}"}, "sources": {"e": {"kind": "native"}}})",
                                env_of({{"A", "${B}"}, {"B", "nope"}}));
  ASSERT_TRUE(load.ok()) << describe(load);
  EXPECT_EQ(load.config.server.read_token, "${B}");
}

TEST(ParseConfig, BadListenIsAProblem) {
  for (const char* listen : {"localhost", "8080", ":8080", "127.0.0.1:", "127.0.0.1:99999", "::1:8080",
                             "[::1]8080", "127.0.0.1:80a"}) {
    const ConfigLoad load = parse(std::string(R"({"server": {"listen": ")") + listen +
                                  R"("}, "sources": {"e": {"kind": "native"}}})");
    EXPECT_EQ(paths_of(load), std::vector<std::string>{"/server/listen"}) << listen;
  }
}

TEST(ParseConfig, CollectsEveryProblemAtOnce) {
  const ConfigLoad load = parse(R"({
    "server": {"listen": "nonsense", "threads": "many", "max_body_bytes": 10, "allow_unauthenticated": "yes"},
    "storage": {"backend": "oracle"},
    "ingest": {"queue_capacity": 10, "max_group": 20},
    "log": {"level": "loud", "format": 1},
    "sources": {
      "Bad Name": {"kind": "native"},
      "nokind": {},
      "tok": {"kind": "native", "auth": {"type": "bearer"}},
      "keys": {"kind": "segment", "auth": {"type": "write_key", "keys": ["", 5]}},
      "weird": {"kind": "graphql", "auth": {"type": "oauth"}}
    },
    "journey": 5,
    "mystery": null
  })");
  EXPECT_THAT(
      paths_of(load),
      UnorderedElementsAre("/server/listen", "/server/threads", "/server/max_body_bytes",
                           "/server/allow_unauthenticated", "/storage/backend", "/ingest/max_group",
                           "/log/level", "/log/format", "/sources/Bad Name", "/sources/nokind/kind",
                           "/sources/tok/auth/tokens", "/sources/keys/auth/keys/0",
                           "/sources/keys/auth/keys/1", "/sources/keys/auth/keys", "/sources/weird/kind",
                           "/sources/weird/kind", "/sources/weird/auth/type", "/journey", "/mystery"))
      << describe(load);
  EXPECT_THAT(problem_at(load, "/server/threads")->message, HasSubstr("whole number"));
  EXPECT_THAT(problem_at(load, "/server/max_body_bytes")->message, HasSubstr("from 1024"));
  EXPECT_THAT(problem_at(load, "/storage/backend")->message, HasSubstr("sqlite"));
  EXPECT_THAT(problem_at(load, "/log/level")->message, HasSubstr("info"));
}

TEST(ParseConfig, NumbersAreRangeChecked) {
  for (const char* server : {R"("threads": 0)", R"("threads": 4097)", R"("threads": 2.5)", R"("threads": -1)",
                             R"("read_timeout_s": 0)", R"("keep_alive_timeout_s": 3601)"}) {
    const ConfigLoad load =
        parse(std::string(R"({"server": {)") + server + R"(}, "sources": {"e": {"kind": "native"}}})");
    ASSERT_EQ(load.problems.size(), 1u) << server << describe(load);
    EXPECT_THAT(load.problems[0].pointer, HasSubstr("/server/")) << server;
  }
  const ConfigLoad edges =
      parse(R"({"server": {"threads": 2}, "ingest": {"queue_capacity": 1, "max_group": 1},
                                     "sources": {"e": {"kind": "native"}}})");
  EXPECT_TRUE(edges.ok()) << describe(edges);
}

TEST(ParseConfig, SectionsMustBeObjects) {
  const ConfigLoad load = parse(R"({"server": [], "log": "text", "sources": {"e": {"kind": "native"}}})");
  EXPECT_THAT(paths_of(load), UnorderedElementsAre("/server", "/log"));
}

TEST(ParseConfig, SourcesAreRequired) {
  EXPECT_EQ(paths_of(parse("{}")), std::vector<std::string>{"/sources"});
  EXPECT_EQ(paths_of(parse(R"({"sources": {}})")), std::vector<std::string>{"/sources"});
  EXPECT_THAT(paths_of(parse(R"({"sources": []})")), ::testing::Contains("/sources"));
}

TEST(ParseConfig, JourneyPathIsResolvedAgainstTheConfigFolder) {
  auto journey_of = [](const std::string& journey, const std::string& base) {
    const ConfigLoad load = parse_config(
        R"({"journey": ")" + journey + R"(", "sources": {"e": {"kind": "native"}}})", base, kNoEnv);
    EXPECT_TRUE(load.ok()) << describe(load);
    return load.config.journey_path;
  };
  EXPECT_EQ(std::filesystem::path(journey_of("journey.json", "/etc/tp")),
            std::filesystem::path("/etc/tp/journey.json"));
  EXPECT_EQ(std::filesystem::path(journey_of("maps/j.json", "conf")),
            std::filesystem::path("conf/maps/j.json"));
  EXPECT_EQ(journey_of("/abs/j.json", "/etc/tp"), "/abs/j.json");
  EXPECT_EQ(journey_of("journey.json", ""), "journey.json");
}

// Rule paths the config names must exist (a typo would otherwise start the daemon without those rules
// only to fail at the start); the default "rules" folder beside the config may be absent.
TEST(ParseConfig, NamedRulePathsMustExistTheDefaultFolderNeedNot) {
  const std::string here = std::string(TP_SOURCE_DIR) + "/config";
  const ConfigLoad named = parse_config(
      R"({"engine": {"rules": ["rules", "rules/10-website.json", "no-such-pack.json"]}, "sources": {"e": {"kind": "native"}}})",
      here, kNoEnv);
  EXPECT_EQ(paths_of(named), std::vector<std::string>{"/engine/rules/2"}) << describe(named);
  ASSERT_NE(problem_at(named, "/engine/rules/2"), nullptr);
  EXPECT_THAT(problem_at(named, "/engine/rules/2")->message, HasSubstr("no such file or folder"));
  const ConfigLoad by_default = parse(kMinimal, kNoEnv, "/nonexistent/folder");
  EXPECT_TRUE(by_default.ok()) << describe(by_default);
}

TEST(LoadConfigFile, TheShippedConfigHasNoProblems) {
  const std::string path = std::string(TP_SOURCE_DIR) + "/config/touchpoint.json";
  const ConfigLoad load = load_config_file(path, kNoEnv);
  ASSERT_TRUE(load.ok()) << describe(load);
  EXPECT_TRUE(is_loopback_host(load.config.server.host)) << "the demo listens on loopback only";
  EXPECT_TRUE(accepts_unauthenticated(load.config));
  EXPECT_FALSE(load.config.sources.empty());
  // Its journey is found next to it and loads too.
  EXPECT_EQ(std::filesystem::path(load.config.journey_path).lexically_normal(),
            (std::filesystem::path(TP_SOURCE_DIR) / "config" / "journey.json").lexically_normal());
  const JourneyLoad journey = load_journey_file(load.config.journey_path);
  EXPECT_TRUE(journey.ok());
}

TEST(LoadConfigFile, MissingFileIsAProblem) {
  const ConfigLoad load = load_config_file("/nonexistent/touchpoint.json", kNoEnv);
  ASSERT_EQ(load.problems.size(), 1u);
  EXPECT_THAT(load.problems[0].message, HasSubstr("/nonexistent/touchpoint.json"));
}

TEST(ParseListen, AcceptsHostPortAndBracketedIpv6) {
  std::string host;
  int port = 0;
  ASSERT_TRUE(parse_listen("127.0.0.1:8080", host, port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 8080);
  ASSERT_TRUE(parse_listen("[::1]:80", host, port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 80);
  ASSERT_TRUE(parse_listen("[fe80::1%eth0]:443", host, port));
  EXPECT_EQ(host, "fe80::1%eth0");
  ASSERT_TRUE(parse_listen("localhost:0", host, port));  // port 0: any free port
  EXPECT_EQ(port, 0);
  ASSERT_TRUE(parse_listen("example.com:65535", host, port));
  EXPECT_EQ(port, 65535);
}

TEST(ParseListen, RejectsMalformedAndLeavesOutputsAlone) {
  for (const char* bad : {"", "127.0.0.1", "127.0.0.1:", ":80", "127.0.0.1:65536", "127.0.0.1:123456",
                          "127.0.0.1:-1", "127.0.0.1:+80", "127.0.0.1:8o", "::1:80", "[::1]",
                          "[::1]:", "[::1]80", "[]:80", "[::1:80", "a:b:c"}) {
    std::string host = "unchanged";
    int port = 1234;
    EXPECT_FALSE(parse_listen(bad, host, port)) << "'" << bad << "'";
    EXPECT_EQ(host, "unchanged") << bad;
    EXPECT_EQ(port, 1234) << bad;
  }
}

TEST(IsLoopbackHost, OnlyLoopbackAddresses) {
  for (const char* host :
       {"127.0.0.1", "127.1.2.3", "127.255.255.254", "localhost", "::1", "0:0:0:0:0:0:0:1"})
    EXPECT_TRUE(is_loopback_host(host)) << host;
  for (const char* host : {"0.0.0.0", "::", "10.0.0.1", "192.168.1.1", "128.0.0.1", "example.com", "",
                           "1.127.0.0.1", "localhost.example.com"})
    EXPECT_FALSE(is_loopback_host(host)) << host;
}

TEST(IsLoopbackHost, NamesThatOnlyLookLikeLoopbackAreNot) {
  // A DNS name may start with "127." and still resolve to a public address.
  for (const char* host : {"127.example.com", "127.0.0.1.nip.io", "127.0.0.1x"})
    EXPECT_FALSE(is_loopback_host(host)) << host;
}

TEST(AcceptsUnauthenticated, OpenReadsOrAnOpenSource) {
  Config c;
  SourceConfig locked;
  locked.name = "crm";
  locked.kind = "native";
  locked.auth = AuthType::Bearer;
  locked.secrets = {"t"};
  c.sources = {locked};

  c.server.read_token = "";
  EXPECT_TRUE(accepts_unauthenticated(c)) << "reads are open without a read token";

  c.server.read_token = "rt";
  EXPECT_FALSE(accepts_unauthenticated(c));

  SourceConfig open;
  open.name = "demo";
  open.kind = "segment";
  open.auth = AuthType::None;
  c.sources.push_back(open);
  EXPECT_TRUE(accepts_unauthenticated(c));
}

// "$${" writes a literal "${" (a secret or a path may hold one); the rest still expands.
TEST(ConfigEnv, DoubleDollarKeepsALiteralDollarBrace) {
  const ConfigLoad load = parse(R"({"server": {"read_token": "a$${NOT_A_VAR}b-${TOKEN}"},
                                   "sources": {"events": {"kind": "native"}}})",
                                env_of({{"TOKEN", "t0k3n-0123456789abcdef"}}));
  ASSERT_TRUE(load.ok()) << load.problems.front().pointer << ": " << load.problems.front().message;
  EXPECT_EQ(load.config.server.read_token, "a${NOT_A_VAR}b-t0k3n-0123456789abcdef");
}

// Webhook sources are built when the config is checked: each problem names the field it is about.
TEST(WebhookSourceConfig, ProblemsNameTheFieldTheyAreAbout) {
  const ConfigLoad load = parse(R"({"sources": {
    "unknown": {"kind": "webhook", "adapter": "nope", "verification": "none"},
    "configured": {"kind": "webhook", "adapter": "rasa", "config": {"x": 1}, "verification": "none"},
    "generic": {"kind": "webhook", "adapter": "generic", "config": {"map": {}}, "verification": "none"},
    "ok": {"kind": "webhook", "adapter": "dialogflow-es", "verification": "none"}
  }})");
  ASSERT_TRUE(load.ok()) << load.problems.front().pointer;
  std::vector<Diagnostic> problems;
  const WebhookSources sources = build_webhook_sources(load.config, problems);
  std::vector<std::string> paths;
  for (const auto& p : problems) paths.push_back(p.pointer);
  EXPECT_THAT(paths, ::testing::Contains("/sources/unknown/adapter"));
  EXPECT_THAT(paths, ::testing::Contains("/sources/configured/config"));
  EXPECT_THAT(paths, ::testing::Contains(::testing::StartsWith("/sources/generic/config")));
  EXPECT_THAT(paths, ::testing::Not(::testing::Contains(::testing::StartsWith("/sources/ok"))));
  EXPECT_EQ(sources.count("ok"), 1u);
  EXPECT_EQ(sources.count("unknown"), 0u);
}

// The adapter's problems point inside its config, so placed in the config's text (as `config check` does)
// an unknown canonical field lands on its name.
TEST(WebhookSourceConfig, ProblemsArePlacedInTheConfigText) {
  const std::string text =
      "{\"sources\": {\n"
      "  \"bot\": {\"kind\": \"webhook\", \"adapter\": \"generic\", \"verification\": \"none\",\n"
      "    \"config\": {\"map\": {\"text\": \"/t\", \"custmer_id\": \"/u\"}}}\n"
      "}}\n";
  const ConfigLoad load = parse_config(text, "", kNoEnv, "tp.json");
  ASSERT_TRUE(load.ok()) << describe(load);
  std::vector<Diagnostic> problems, placed;
  build_webhook_sources(load.config, problems);
  FileDiagnostics in_config(load.file, load.text, placed);
  for (auto& p : problems) in_config.add(std::move(p));
  const auto it = std::find_if(placed.begin(), placed.end(), [](const Diagnostic& d) {
    return d.pointer == "/sources/bot/config/map/custmer_id";
  });
  ASSERT_NE(it, placed.end());
  EXPECT_EQ(it->file, "tp.json");
  EXPECT_EQ(it->line, 3u);
  EXPECT_EQ(it->column, 38u);
  EXPECT_THAT(it->message, HasSubstr("unknown canonical field"));
}

}  // namespace
}  // namespace tp
