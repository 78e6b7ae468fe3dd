// Native tagging plugins (include/touchpoint/plugin_api.h): the one class the rest of the daemon uses.
// It loads plugins (plugin_loader.h: dlopen and the API version check), runs them, each on its own worker
// thread with a time limit (plugin_runtime.h), so a slow or failing plugin costs at most its timeout and
// never more than its own tags, and merges what they return only after checking it (plugin_output.h).
// Those three jobs live in their own files; this class only puts them together.
//
// Precedence: a plugin's persona, stage or touchpoint is applied only when nobody decided that tag yet
// (origin None and empty: no preset tag, no rule, no sticky persona, no earlier plugin); its sentiment only
// when there is none yet (neither tags.sentiment nor the sender's own Interaction::sentiment); its pain
// reasons are added. Run before the rules (as the Tagger does), a rule still overrides a plugin's guess.
// Plugins run in the order they were loaded and each sees what the earlier ones decided.
//
// Everything a plugin hands back is untrusted (plugin_output.h says what is accepted). Whatever is refused
// is ignored, counted (PluginStats::rejected) and logged.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "engine/plugin_output.h"   // PluginIdValidator, journey_id_validator, sanitize_plugin_text
#include "engine/plugin_runtime.h"  // PluginLogSink, PluginSlot
#include "model/interaction.h"
#include "model/tag_set.h"

namespace tp {

// One configured plugin: its file name (lib<name>.so or <name>.so in one of the plugin directories)
// and its own config object as JSON text ("" is passed to the plugin as "{}").
struct PluginSpec {
  std::string name;
  std::string config_json;
  // Called on the tagging thread itself instead of the plugin's worker: no hand-over (a plugin call costs
  // what the plugin costs), but no timeout either: a plugin that hangs hangs tagging. For trusted plugins.
  bool inline_calls = false;
};

struct PluginHostOptions {
  // How long tag() waits for each plugin per interaction.
  std::chrono::milliseconds timeout{50};
  // How long load() waits for a plugin's tp_plugin_init; a plugin that takes longer is refused (its init
  // keeps running on a thread of its own, which unloads it if it ever returns), so a hung plugin cannot
  // hang the daemon's start.
  std::chrono::milliseconds init_timeout{10000};
  // How long the destructor waits for a plugin call still running; after that the plugin is abandoned:
  // its worker thread is detached and unloads the plugin itself if the call ever returns.
  std::chrono::milliseconds shutdown_grace{1000};
  // Failures, timeouts and refused outputs are logged at most once per plugin per interval, with a count.
  std::chrono::milliseconds problem_log_interval{std::chrono::seconds(10)};
  // A plugin's own log lines: at most this many per plugin per problem_log_interval; the rest is counted.
  uint32_t plugin_log_lines_per_interval = 100;
  PluginLogSink log;           // empty: nothing is logged
  PluginIdValidator validate;  // empty: any id of 1..128 printable bytes is accepted
};

struct PluginStats {
  std::string name;         // the configured name
  std::string plugin_name;  // what the plugin calls itself
  std::string version;      // the plugin's version
  std::string path;         // the file it was loaded from
  uint64_t calls = 0;       // calls handed to the plugin
  uint64_t failures = 0;    // calls that returned an error status (tags skipped)
  uint64_t timeouts = 0;    // calls not answered in time (tags skipped)
  uint64_t skipped = 0;     // interactions not handed over because a late call was still running
  uint64_t rejected = 0;    // refused outputs: unknown ids, invalid pain reasons or sentiment
};

class PluginHost {
 public:
  explicit PluginHost(PluginHostOptions options = {});
  // Calls destroy on every plugin and unloads it once its worker has finished (see shutdown_grace).
  ~PluginHost();
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  // Loads every spec, in order, looking for lib<name>.so, then <name>.so, in each of `dirs` in turn.
  // Returns every error (empty: all loaded); the plugins that did load stay loaded, so a caller that
  // wants all or nothing discards the host when the result is not empty.
  std::vector<std::string> load_all(const std::vector<std::string>& dirs,
                                    const std::vector<PluginSpec>& specs);

  // Loads one plugin file under the configured `name`; returns the error, or "" when it loaded.
  std::string load(const std::string& path, const std::string& name, const std::string& config_json,
                   bool inline_calls = false);

  // Runs every plugin on one interaction and merges what they decided into `tags` (see the top of the
  // file). `source` is the source the interaction arrived through, `customer` the resolved customer key
  // (the customer id, else the anonymous id; "" when neither). Returns after at most (number of plugins) x
  // timeout. Calls are serialised: concurrent callers wait for each other.
  void tag(const Interaction& in, std::string_view source, std::string_view customer, TagSet& tags);

  // Counters per plugin, in load order. Thread-safe, cheap; meant for /metrics.
  std::vector<PluginStats> stats() const;
  size_t size() const;

  // Waits until no plugin call is running (a call that timed out may still be); false when `limit`
  // passed first.
  bool wait_idle(std::chrono::milliseconds limit);

 private:
  // One plugin's call on one interaction, and what follows from its outcome.
  void run_one(PluginSlot& slot, const std::shared_ptr<const PluginCallData>& data, TagSet& tags);

  PluginHostOptions options_;
  mutable std::shared_mutex slots_mu_;  // guards slots_ (shared: tag, stats; exclusive: load)
  std::vector<std::shared_ptr<PluginSlot>> slots_;
  std::mutex tag_mu_;  // one tag() at a time
};

}  // namespace tp
