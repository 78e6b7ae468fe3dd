// touchpointd: the command line. `serve` is the default subcommand.
#include <spdlog/spdlog.h>
#include <touchpoint/version.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/config.h"
#include "app/daemon.h"
#include "app/logging.h"
#include "app/webhook_sources.h"
#include "model/journey.h"
#include "web/admin_routes.h"

namespace {

struct ServeFlags {
  std::string config = "config/touchpoint.json";
  std::string listen;
  std::string db;
  std::string log_format;
  bool allow_unauthenticated = false;
};

// Config problems (the webhook sources' too, placed in the config's text), then the journey file's, so
// `config check` shows everything in one run.
std::vector<tp::Diagnostic> check_config(const std::string& path, tp::ConfigLoad& load) {
  load = tp::load_config_file(path);
  std::vector<tp::Diagnostic> all = load.problems;
  if (load.ok()) {
    std::vector<tp::Diagnostic> webhook_problems;
    tp::build_webhook_sources(load.config, webhook_problems);
    tp::FileDiagnostics in_config(load.file, load.text, all);
    for (auto& p : webhook_problems) in_config.add(std::move(p));
  }
  if (!load.config.journey_path.empty()) {
    const auto journey = tp::load_journey_file(load.config.journey_path);
    all.insert(all.end(), journey.problems.begin(), journey.problems.end());
  }
  return all;
}

int serve(const ServeFlags& flags) {
  tp::ConfigLoad load;
  const auto problems = check_config(flags.config, load);
  if (!problems.empty()) {
    std::cerr << "touchpointd: the configuration has problems:\n";
    for (const auto& p : problems) std::cerr << tp::format_diagnostic(p) << "\n";
    return 1;
  }
  tp::Config config = load.config;
  if (!flags.listen.empty() && !tp::parse_listen(flags.listen, config.server.host, config.server.port)) {
    std::cerr << "touchpointd: --listen must be HOST:PORT\n";
    return 1;
  }
  if (!flags.db.empty()) config.storage.sqlite_path = flags.db;
  if (!flags.log_format.empty()) config.log.format = flags.log_format;
  if (flags.allow_unauthenticated) config.server.allow_unauthenticated = true;
  tp::setup_logging(config.log.format, config.log.level);
  spdlog::info("touchpointd {} starting with {}", TOUCHPOINT_VERSION_STRING, flags.config);
  return tp::run_daemon(config);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"touchpointd: a live customer journey map from chatbot, helpdesk and website events"};
  app.set_version_flag("--version", std::string("touchpointd ") + TOUCHPOINT_VERSION_STRING);
  app.require_subcommand(0, 1);

  ServeFlags flags;
  auto add_serve_flags = [&flags](CLI::App* cmd) {
    cmd->add_option("--config", flags.config, "configuration file (JSON, comments allowed)");
    cmd->add_option("--listen", flags.listen, "HOST:PORT to listen on (overrides server.listen)");
    cmd->add_option("--db", flags.db, "SQLite database path (overrides storage.sqlite.path)");
    cmd->add_option("--log-format", flags.log_format, "text or json (overrides log.format)")
        ->check(CLI::IsMember({"text", "json"}));
    cmd->add_flag("--allow-unauthenticated", flags.allow_unauthenticated,
                  "allow a non-loopback address while some way in needs no credentials");
  };
  auto* serve_cmd = app.add_subcommand("serve", "run the daemon (the default)");
  add_serve_flags(serve_cmd);

  auto* config_cmd = app.add_subcommand("config", "configuration tools");
  config_cmd->require_subcommand(1);
  std::string check_file;
  bool check_json = false;
  auto* check_cmd = config_cmd->add_subcommand("check", "validate a configuration file and its journey");
  check_cmd->add_option("FILE", check_file, "the configuration file")->required();
  check_cmd->add_flag("--json", check_json, "print problems as JSON");

  auto* rules_cmd = app.add_subcommand("rules", "rule pack tools");
  rules_cmd->require_subcommand(1);
  std::string rules_config = "config/touchpoint.json";
  std::vector<std::string> rule_files;
  bool rules_json = false;
  auto* rules_check =
      rules_cmd->add_subcommand("check", "check rule packs: every error and warning with file:line:column");
  rules_check->add_option("FILES", rule_files,
                          "rule pack files or folders (default: the config's engine.rules)");
  rules_check->add_option("--config", rules_config, "configuration file (for the journey and default rules)");
  rules_check->add_flag("--json", rules_json, "print the diagnostics as JSON");
  std::string event_file;
  auto* rules_test = rules_cmd->add_subcommand("test", "show the tags events would get and why");
  rules_test
      ->add_option("--event", event_file, "a JSON file with one event or an array of events (one history)")
      ->required();
  rules_test->add_option("--rules", rule_files,
                         "rule pack files or folders (default: the config's engine.rules)");
  rules_test->add_option("--config", rules_config, "configuration file");
  rules_test->add_flag("--json", rules_json, "print the result as JSON");

  std::string retag_since, retag_db;
  auto* retag_cmd = app.add_subcommand(
      "retag", "re-apply the current rules to stored interactions (stop the daemon first)");
  retag_cmd->add_option("--since", retag_since, "only interactions from this RFC 3339 time on");
  retag_cmd->add_option("--config", rules_config, "configuration file");
  retag_cmd->add_option("--db", retag_db, "SQLite database path (overrides storage.sqlite.path)");

  // `serve` is the default: with no subcommand word, the arguments are serve's.
  std::vector<std::string> args(argv + 1, argv + argc);
  const bool has_subcommand = !args.empty() && (args[0] == "serve" || args[0] == "config" ||
                                                args[0] == "rules" || args[0] == "retag");
  const bool top_level_flag =
      !args.empty() && (args[0] == "--version" || args[0] == "--help" || args[0] == "-h");
  if (!has_subcommand && !top_level_flag) args.insert(args.begin(), "serve");
  std::reverse(args.begin(), args.end());  // CLI11 takes the vector in reverse order

  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  // Tools print their results on stdout; only warnings and errors are logged (to stderr).
  if (rules_check->parsed() || rules_test->parsed() || retag_cmd->parsed()) tp::setup_logging("text", "warn");
  if (rules_check->parsed()) return tp::command_rules_check(rules_config, rule_files, rules_json);
  if (rules_test->parsed()) return tp::command_rules_test(rules_config, rule_files, event_file, rules_json);
  if (retag_cmd->parsed()) return tp::command_retag(rules_config, retag_db, retag_since);
  if (check_cmd->parsed()) {
    tp::ConfigLoad load;
    const auto problems = check_config(check_file, load);
    if (check_json) {
      // The objects of `rules check --json` and the admin API, plus "path": the pointer's name here
      // before problems had positions (kept for scripts that read it).
      nlohmann::json out = nlohmann::json::parse(tp::diagnostics_json(problems));
      for (size_t i = 0; i < problems.size(); ++i) out[i]["path"] = problems[i].pointer;
      std::cout << nlohmann::json{{"ok", problems.empty()}, {"problems", out}}.dump(2) << "\n";
    } else {
      for (const auto& p : problems) std::cout << tp::format_diagnostic(p) << "\n";
      if (problems.empty()) std::cout << check_file << ": ok\n";
    }
    return problems.empty() ? 0 : 1;
  }
  return serve(flags);
}
