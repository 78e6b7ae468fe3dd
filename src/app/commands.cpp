#include "app/commands.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/config.h"
#include "app/plugins.h"
#include "app/rule_files.h"
#include "engine/tagger.h"
#include "model/interaction_json.h"
#include "model/journey.h"
#include "store/backends.h"
#include "util/time.h"
#include "web/admin_routes.h"

namespace tp {

using json = nlohmann::json;

namespace {

struct Loaded {
  Config config;
  Journey journey;
  bool ok = false;
};

// The config and its journey; problems printed to stderr.
Loaded load_config_and_journey(const std::string& config_path) {
  Loaded out;
  ConfigLoad load = load_config_file(config_path);
  for (const auto& p : load.problems) std::cerr << format_diagnostic(p) << "\n";
  if (!load.ok()) return out;
  out.config = load.config;
  if (!out.config.journey_path.empty()) {
    JourneyLoad j = load_journey_file(out.config.journey_path);
    for (const auto& p : j.problems) std::cerr << format_diagnostic(p) << "\n";
    if (!j.ok()) return out;
    out.journey = j.journey;
  }
  out.ok = true;
  return out;
}

std::string read_text(const std::string& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json tags_json(const TagSet& t) {
  auto str = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
  return {{"persona", str(t.persona)},
          {"stage", str(t.stage)},
          {"touchpoint", str(t.touchpoint)},
          {"sentiment", t.sentiment ? json(*t.sentiment) : json(nullptr)},
          {"pain", t.pain},
          {"rules", t.rules}};
}

const char* origin_word(TagOrigin o) {
  switch (o) {
    case TagOrigin::Preset:
      return "preset by the sender";
    case TagOrigin::Sticky:
      return "the customer's sticky persona";
    case TagOrigin::Rule:
      return "rule";
    case TagOrigin::Plugin:
      return "plugin";
    default:
      return "";
  }
}

}  // namespace

int command_rules_check(const std::string& config_path, const std::vector<std::string>& files, bool as_json) {
  Loaded l = load_config_and_journey(config_path);
  if (!l.ok) return 1;
  const RuleLoad load = files.empty()
                            ? load_rules(l.config.engine.rules, l.config.engine.rules_explicit, l.journey)
                            : load_rules(files, true, l.journey);
  const size_t errors = load.errors(), warnings = load.diagnostics.size() - errors;
  if (as_json) {
    json out = {{"ok", load.ok()},
                {"errors", errors},
                {"warnings", warnings},
                {"diagnostics", json::parse(diagnostics_json(load.diagnostics))}};
    if (load.ok()) {
      out["rules"] = load.rules->rule_count();
      out["version"] = load.rules->version();
    }
    std::cout << out.dump(2) << "\n";
  } else {
    for (const auto& d : load.diagnostics) std::cout << format_diagnostic(d) << "\n";
    if (load.ok())
      std::cout << load.rules->rule_count() << " rules, version " << load.rules->version() << ": ok ("
                << warnings << (warnings == 1 ? " warning)\n" : " warnings)\n");
    else
      std::cout << errors << (errors == 1 ? " error, " : " errors, ") << warnings
                << (warnings == 1 ? " warning" : " warnings") << ": the rules cannot be used\n";
  }
  return load.ok() ? 0 : 1;
}

int command_rules_test(const std::string& config_path, const std::vector<std::string>& rule_files,
                       const std::string& event_file, bool as_json) {
  Loaded l = load_config_and_journey(config_path);
  if (!l.ok) return 1;
  const RuleLoad load = rule_files.empty()
                            ? load_rules(l.config.engine.rules, l.config.engine.rules_explicit, l.journey)
                            : load_rules(rule_files, true, l.journey);
  if (!load.ok()) {
    for (const auto& d : load.diagnostics) std::cerr << format_diagnostic(d) << "\n";
    return 1;
  }
  bool read_ok = false;
  const std::string text = read_text(event_file, read_ok);
  if (!read_ok) {
    std::cerr << "touchpointd: cannot read " << event_file << "\n";
    return 1;
  }
  json doc = json::parse(text, nullptr, false, true);
  if (doc.is_discarded()) {
    std::cerr << "touchpointd: " << event_file << " is not valid JSON\n";
    return 1;
  }
  if (!doc.is_array()) doc = json::array({doc});

  std::vector<std::string> plugin_errors;
  const auto plugins = load_plugins(l.config.engine, l.journey, plugin_errors);
  for (const auto& e : plugin_errors) std::cerr << "touchpointd: plugin: " << e << "\n";
  if (!plugin_errors.empty()) return 1;
  const Tagger tagger(load.rules, l.journey, signal_options(l.config.engine), plugin_hook(plugins));
  JourneyMemory memory;
  json results = json::array();
  int status = 0;
  for (size_t i = 0; i < doc.size(); ++i) {
    FieldErrors errors;
    auto in = interaction_from_json(doc[i], now_unix_ms(), errors);
    if (!in) {
      for (const auto& e : errors)
        std::cerr << event_file << ": event " << i << ": " << e.field << ": " << e.error << "\n";
      status = 1;
      continue;
    }
    std::vector<RuleExplanation> explain;
    const TagSet tags = tagger.tag(*in, "events", memory, &explain);
    if (as_json) {
      json ex = json::array();
      for (const auto& e : explain)
        ex.push_back({{"rule", e.rule},
                      {"priority", e.priority},
                      {"because", e.because},
                      {"applied", e.applied},
                      {"ignored", e.ignored}});
      results.push_back({{"id", in->id}, {"tags", tags_json(tags)}, {"matched", ex}});
      continue;
    }
    std::cout << "event " << in->id << " (" << to_string(in->type)
              << (in->channel.empty() ? "" : ", " + in->channel) << ")\n";
    auto line = [](const char* name, const std::string& value, TagOrigin origin) {
      std::cout << "  " << name << (value.empty() ? "-" : value);
      if (!value.empty() && origin != TagOrigin::None) std::cout << "   (" << origin_word(origin) << ")";
      std::cout << "\n";
    };
    line("persona:    ", tags.persona, tags.persona_origin);
    line("stage:      ", tags.stage, tags.stage_origin);
    line("touchpoint: ", tags.touchpoint,
         tags.touchpoint_origin == TagOrigin::None ? TagOrigin::None : tags.touchpoint_origin);
    std::cout << "  sentiment:  " << (tags.sentiment ? std::to_string(*tags.sentiment) : "-") << "\n";
    std::string pain;
    for (const auto& p : tags.pain) pain += (pain.empty() ? "" : ", ") + p;
    std::cout << "  pain:       " << (pain.empty() ? "-" : pain) << "\n";
    if (explain.empty()) std::cout << "  no rule matched\n";
    for (const auto& e : explain) {
      std::cout << "  rule " << e.rule << " (priority " << e.priority << ") matched because:\n";
      for (const auto& b : e.because) std::cout << "      - " << b << "\n";
      for (const auto& a : e.applied) std::cout << "    set " << a << "\n";
      for (const auto& a : e.ignored) std::cout << "    did not set " << a << "\n";
    }
  }
  if (as_json) std::cout << json{{"version", load.rules->version()}, {"events", results}}.dump(2) << "\n";
  return status;
}

int command_retag(const std::string& config_path, const std::string& db_override, const std::string& since) {
  Loaded l = load_config_and_journey(config_path);
  if (!l.ok) return 1;
  std::optional<int64_t> since_ms;
  if (!since.empty()) {
    since_ms = parse_rfc3339_ms(since);
    if (!since_ms) {
      std::cerr << "touchpointd: --since must be an RFC 3339 time, e.g. 2026-11-01T00:00:00Z\n";
      return 1;
    }
  }
  const RuleLoad load = load_rules(l.config.engine.rules, l.config.engine.rules_explicit, l.journey);
  for (const auto& d : load.diagnostics) std::cerr << format_diagnostic(d) << "\n";
  if (!load.ok()) return 1;
  StorageConfig storage = l.config.storage;
  if (!db_override.empty()) storage.sqlite_path = db_override;
  storage.on_migration = [](int from_version, int version, std::string_view description) {
    std::cerr << "touchpointd: upgrading the database schema from version " << from_version << " to "
              << version << " (" << description << ")\n";
  };
  std::unique_ptr<Store> store;
  try {
    store = open_store(storage);
  } catch (const std::exception& e) {
    std::cerr << "touchpointd: " << e.what() << "\n";
    return 1;
  }
  std::vector<std::string> plugin_errors;
  const auto plugins = load_plugins(l.config.engine, l.journey, plugin_errors);
  for (const auto& e : plugin_errors) std::cerr << "touchpointd: plugin: " << e << "\n";
  if (!plugin_errors.empty()) return 1;
  const Tagger tagger(load.rules, l.journey, signal_options(l.config.engine), plugin_hook(plugins));
  const auto started = std::chrono::steady_clock::now();

  // The whole history in storage order: interactions before --since only teach the memory (their
  // stored tags count as reached stages and persona); the rest are tagged again.
  JourneyMemory memory;
  int64_t after = 0;
  size_t retagged = 0, kept = 0;
  try {
    for (;;) {
      const auto rows = store->scan({after, 5000, false});
      if (rows.empty()) break;
      WriteBatch batch;
      batch.internal = true;
      batch.source = "retag";
      batch.invalidates_analytics = true;  // saved map/FAQ aggregates counted the old tags
      for (const auto& r : rows) {
        after = r.seq;
        const Interaction& in = r.interaction;
        if (since_ms && in.timestamp_ms < *since_ms) {
          memory.link(in);
          CustomerView& v = memory.customer(memory.customer_key(in));
          if (!r.tags.persona.empty()) v.persona = r.tags.persona;
          if (const int s = l.journey.stage_index(r.tags.stage); s >= 0 && s < 64)
            v.stages_reached |= uint64_t{1} << s;
          ++kept;
          continue;
        }
        batch.tag_updates.push_back({r.seq, tagger.tag(in, r.source, memory), tagger.version()});
      }
      retagged += batch.tag_updates.size();
      if (!batch.tag_updates.empty()) {
        std::vector<BatchCounts> counts;
        const WriteBatch* one[] = {&batch};
        store->commit(one, counts);
      }
    }
    WriteBatch customers;
    customers.internal = true;
    for (const auto& [key, view] : memory.customers())
      if (!key.empty())
        customers.customer_updates.push_back(
            {key, view.persona, view.persona_from_plugin, view.stages_reached, now_unix_ms()});
    std::vector<BatchCounts> counts;
    const WriteBatch* one[] = {&customers};
    store->commit(one, counts);
  } catch (const std::exception& e) {
    std::cerr << "touchpointd: retag stopped: " << e.what()
              << " (what was written is consistent; run it again)\n";
    return 1;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "retagged " << retagged << " interactions with rule set " << tagger.version() << " in "
            << seconds << " s"
            << (since_ms ? " (" + std::to_string(kept) + " earlier ones kept)" : std::string()) << "\n";
  return 0;
}

}  // namespace tp
