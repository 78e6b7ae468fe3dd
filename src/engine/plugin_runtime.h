// Calling loaded plugins. Each plugin gets a worker thread of its own and every call a time limit, so a slow
// or hung plugin costs tagging at most its timeout per interaction and never more than its own tags; while
// a late call is still running the plugin is skipped rather than queued behind it. Plugins marked inline
// are called on the caller's thread instead (no hand-over, no timeout). At shutdown a plugin still busy
// after a grace period is abandoned to its worker, which unloads it if the call ever returns, so a hung
// plugin cannot hang the daemon's exit.
//
// Also here, because they are per-plugin state touched from the worker threads: the plugin's own log lines
// (a rate limit per plugin) and the rate limit of the host's reports about it.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/plugin_loader.h"
#include "engine/plugin_output.h"
#include "model/interaction.h"
#include "model/tag_set.h"
#include "touchpoint/plugin_api.h"

namespace tp {

// severity: TP_PLUGIN_LOG_DEBUG (0) .. TP_PLUGIN_LOG_ERROR (3). `plugin` is the configured name (the
// message does not repeat it). Receives the plugins' own log lines (sanitised) and the host's reports
// about them (failures, timeouts, refused outputs). Called from the thread that loads or tags and from
// plugin threads: must be thread-safe.
using PluginLogSink =
    std::function<void(int severity, const std::string& plugin, const std::string& message)>;

// Strings of one interaction copied once per PluginHost::tag() call, shared by every plugin's call. Owned
// through shared_ptr by the calls, so a call that outlives tag() (a timeout) still reads valid memory.
struct PluginCallData {
  std::string id, source, type, customer, anonymous_id, session_id, channel, role, text, intent, url, name,
      properties, traits;
  std::optional<double> sentiment;  // the sender's own score
  tp_interaction in{};              // points into the strings above
};

// `source` is the source the interaction arrived through, `customer` the resolved customer key ("" when
// none).
std::shared_ptr<const PluginCallData> make_plugin_call_data(const Interaction& in, std::string_view source,
                                                            std::string_view customer);

// One call of one plugin: its input and, once done, its answer.
struct PluginCall {
  std::shared_ptr<const PluginCallData> data;
  std::string persona, stage, touchpoint;  // the tags decided before this plugin
  tp_interaction in{};
  // Written by the worker before `done` (both under PluginSlot::mu); `finished` mirrors `done` for the
  // caller's short spin without the lock (release/acquire: the results are visible once it reads true).
  bool done = false;
  std::atomic<bool> finished{false};
  tp_plugin_rc rc = TP_PLUGIN_FAILURE;
  std::string error;    // sanitised; set when rc is not TP_PLUGIN_SUCCESS
  PluginAnswer answer;  // set when rc is TP_PLUGIN_SUCCESS
};

// A call of `data` that shows the plugin what `tags` decided so far (persona, stage, touchpoint and the
// sentiment known: current_sentiment).
std::shared_ptr<PluginCall> make_plugin_call(const std::shared_ptr<const PluginCallData>& data,
                                             const TagSet& tags);

// One loaded plugin: its library and state, its worker, its counters and its log limits. Shared with its
// worker thread (and while initialising, with the init thread), which may outlive the host when abandoned.
struct PluginSlot {
  using Clock = std::chrono::steady_clock;

  // sink: where its log lines and the host's reports go (empty: nowhere). log_interval: the window of both
  // rate limits; max_lines: the plugin's own lines per window.
  PluginSlot(std::string name, bool inline_calls, PluginLogSink sink, Clock::duration log_interval,
             uint32_t max_lines);

  std::string name;           // the configured name
  bool inline_calls = false;  // called on the tagging thread (PluginSpec::inline_calls)
  PluginLibrary lib;
  tp_plugin_t* state = nullptr;  // from tp_plugin_init

  // The tp_owner_t* handed to the plugin at init, and the log callback that goes with it.
  tp_owner_t* owner() { return reinterpret_cast<tp_owner_t*>(this); }
  static void log_from_plugin(tp_owner_t* owner, int severity, const char* msg);

  // One of the plugin's own log lines, rate-limited; dropped lines are counted and reported once the
  // window ends.
  void log_line(int severity, const std::string& text);
  // Drops every later log line: the host is gone or gave the plugin up.
  void silence();
  // Logs a problem with this plugin as a warning, at most once per log_interval, with the count of the
  // reports suppressed since.
  void report_problem(const std::string& message);
  // destroy + dlclose; the worker must have finished.
  void unload() noexcept;
  // True (and counted as skipped) while a late call still runs.
  bool skip_if_busy();

  // The worker: one call at a time. busy from posting until the worker finished the call.
  std::mutex mu;
  std::condition_variable cv;
  std::shared_ptr<PluginCall> pending;
  bool busy = false, stop = false, abandoned = false;
  std::thread worker;

  std::atomic<uint64_t> calls{0}, failures{0}, timeouts{0}, skipped{0}, rejected{0};

 private:
  PluginLogSink sink_;
  Clock::duration log_interval_{};

  std::mutex log_mu_;       // the plugin's own log lines
  bool sink_alive_ = true;  // false once silenced: later lines are dropped
  uint32_t max_lines_ = 0;
  Clock::time_point window_start_{};
  uint32_t lines_in_window_ = 0;
  uint64_t lines_dropped_ = 0;

  std::mutex problem_mu_;  // the host's reports
  bool problem_logged_ = false;
  Clock::time_point last_problem_{};
  uint64_t problems_suppressed_ = 0;
};

// Starts the slot's worker thread (named "tp-plugin"); throws std::system_error when there is none.
void start_plugin_worker(const std::shared_ptr<PluginSlot>& slot);

// Makes the call (counted in PluginSlot::calls): inline, or on the worker, waiting at most `timeout`. True
// when the call returned (call.rc and its answer or error are set); false when it did not answer in time,
// in which case the worker keeps the call and the slot stays busy until it returns.
bool call_plugin(PluginSlot& slot, const std::shared_ptr<PluginCall>& call,
                 std::chrono::milliseconds timeout);

// Waits until the slot's worker has no call running; false when `deadline` passed first.
bool wait_plugin_idle(PluginSlot& slot, PluginSlot::Clock::time_point deadline);

// Stops every worker and unloads its plugin, the last loaded first, waiting at most `grace` in all for
// calls still running; a plugin still busy then is logged (to `log`) and abandoned to its worker thread.
void stop_plugin_workers(const std::vector<std::shared_ptr<PluginSlot>>& slots,
                         std::chrono::milliseconds grace, const PluginLogSink& log);

}  // namespace tp
