#include "engine/plugin_runtime.h"

#include <cstring>
#include <utility>

#include "util/thread_name.h"

namespace tp {

namespace {

using Clock = PluginSlot::Clock;

// How long a caller waits for a plugin's answer without sleeping before it blocks: most calls take a few
// microseconds, less than a sleep and a wake-up. Workers do not spin for their next call: with several
// plugins and two cores, idle workers spinning would take the core the busy one needs.
constexpr auto kCallerSpin = std::chrono::microseconds(50);

template <class Ready>
bool spin_until(Ready ready, std::chrono::microseconds limit) {
  const auto until = Clock::now() + limit;
  for (int i = 0;; ++i) {
    if (ready()) return true;
    if ((i & 63) == 63 && Clock::now() >= until) return false;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
}

// Makes one call and copies the plugin's answer out of its memory (on the worker, or inline).
void execute(PluginSlot& s, PluginCall& call) {
  tp_tags_out out;
  std::memset(&out, 0, sizeof out);
  out.struct_size = sizeof out;
  tp_plugin_rc rc = TP_PLUGIN_FAILURE;
  try {
    rc = s.lib.tag(s.state, &call.in, &out);
  } catch (...) {
    call.rc = TP_PLUGIN_FAILURE;
    call.error = "a C++ exception escaped through the C ABI";
    return;
  }
  call.rc = rc;
  if (rc != TP_PLUGIN_SUCCESS) {
    call.error = sanitize_plugin_text(s.lib.last_error != nullptr ? s.lib.last_error(s.state) : nullptr);
    if (call.error.empty()) call.error = "(no error message)";
    return;
  }
  call.answer = copy_plugin_answer(out);
}

// execute(), with a failure to copy the answer (out of memory) turned into a failed call.
void execute_guarded(PluginSlot& s, PluginCall& call) {
  try {
    execute(s, call);
  } catch (...) {
    call.rc = TP_PLUGIN_FAILURE;
    call.error = "the host could not copy the plugin's answer";
  }
}

void worker_main(const std::shared_ptr<PluginSlot>& slot) {
  name_current_thread("tp-plugin");
  PluginSlot& s = *slot;
  bool abandoned = false;
  for (;;) {
    std::shared_ptr<PluginCall> call;
    {
      std::unique_lock<std::mutex> lk(s.mu);
      s.cv.wait(lk, [&] { return s.pending != nullptr || s.stop; });
      if (s.pending == nullptr) {
        abandoned = s.abandoned;
        break;
      }
      call = std::move(s.pending);
    }
    execute_guarded(s, *call);
    {
      std::lock_guard<std::mutex> lk(s.mu);
      call->done = true;
      call->finished.store(true, std::memory_order_release);
      s.busy = false;
    }
    s.cv.notify_all();
  }
  // The host gave up waiting for us at shutdown; the call has returned now, so finish the unload.
  if (abandoned) s.unload();
}

}  // namespace

// ---- The interaction as plugins see it --------------------------------------------------------------------

std::shared_ptr<const PluginCallData> make_plugin_call_data(const Interaction& in, std::string_view source,
                                                            std::string_view customer) {
  auto d = std::make_shared<PluginCallData>();
  d->id = in.id;
  d->source = std::string(source);
  d->type = std::string(to_string(in.type));
  d->customer = std::string(customer);
  d->anonymous_id = in.anonymous_id;
  d->session_id = in.session_id;
  d->channel = in.channel;
  d->role = in.role == Role::None ? std::string() : std::string(to_string(in.role));
  d->text = in.text;
  d->intent = in.intent;
  d->url = in.url;
  d->name = in.name;
  d->properties = in.properties_json;
  d->traits = in.traits_json;
  d->sentiment = in.sentiment;

  const auto opt = [](const std::string& s) { return s.empty() ? nullptr : s.c_str(); };
  tp_interaction& c = d->in;
  c.struct_size = sizeof(tp_interaction);
  c.id = d->id.c_str();
  c.source = d->source.c_str();
  c.type = d->type.c_str();
  c.customer = opt(d->customer);
  c.anonymous_id = opt(d->anonymous_id);
  c.session_id = opt(d->session_id);
  c.timestamp_ms = in.timestamp_ms;
  c.channel = opt(d->channel);
  c.role = opt(d->role);
  c.text = opt(d->text);
  c.intent = opt(d->intent);
  c.has_confidence = in.confidence.has_value() ? 1 : 0;
  c.confidence = in.confidence.value_or(0.0);
  c.fallback = in.fallback.has_value() ? (*in.fallback ? 1 : 0) : -1;
  c.escalated = in.escalated.has_value() ? (*in.escalated ? 1 : 0) : -1;
  c.rating = (in.rating.has_value() && *in.rating >= 1 && *in.rating <= 5) ? *in.rating : 0;
  c.url = opt(d->url);
  c.name = opt(d->name);
  c.properties_json = opt(d->properties);
  c.traits_json = opt(d->traits);
  return d;
}

std::shared_ptr<PluginCall> make_plugin_call(const std::shared_ptr<const PluginCallData>& data,
                                             const TagSet& tags) {
  auto call = std::make_shared<PluginCall>();
  call->data = data;
  call->persona = tags.persona;
  call->stage = tags.stage;
  call->touchpoint = tags.touchpoint;
  call->in = data->in;
  const auto opt = [](const std::string& v) { return v.empty() ? nullptr : v.c_str(); };
  call->in.persona = opt(call->persona);
  call->in.stage = opt(call->stage);
  call->in.touchpoint = opt(call->touchpoint);
  const std::optional<double> sentiment = current_sentiment(data->sentiment, tags);
  call->in.has_sentiment = sentiment.has_value() ? 1 : 0;
  call->in.sentiment = sentiment.value_or(0.0);
  return call;
}

// ---- PluginSlot -------------------------------------------------------------------------------------------

PluginSlot::PluginSlot(std::string name_in, bool inline_calls_in, PluginLogSink sink,
                       Clock::duration log_interval, uint32_t max_lines)
    : name(std::move(name_in)),
      inline_calls(inline_calls_in),
      sink_(std::move(sink)),
      log_interval_(log_interval),
      max_lines_(max_lines),
      window_start_(Clock::now()) {}

void PluginSlot::log_from_plugin(tp_owner_t* owner, int severity, const char* msg) {
  if (owner == nullptr) return;
  try {
    auto* slot = reinterpret_cast<PluginSlot*>(owner);
    const int sev = severity < TP_PLUGIN_LOG_DEBUG   ? TP_PLUGIN_LOG_DEBUG
                    : severity > TP_PLUGIN_LOG_ERROR ? TP_PLUGIN_LOG_ERROR
                                                     : severity;
    slot->log_line(sev, sanitize_plugin_text(msg));
  } catch (...) {  // nothing may escape into the plugin's C code
  }
}

void PluginSlot::log_line(int severity, const std::string& text) {
  std::lock_guard<std::mutex> lk(log_mu_);
  if (!sink_alive_ || !sink_) return;
  const auto now = Clock::now();
  if (now - window_start_ >= log_interval_) {
    if (lines_dropped_ > 0)
      sink_(TP_PLUGIN_LOG_WARNING, name,
            std::to_string(lines_dropped_) + " log lines from this plugin were dropped (more than " +
                std::to_string(max_lines_) + " in one interval)");
    window_start_ = now;
    lines_in_window_ = 0;
    lines_dropped_ = 0;
  }
  if (lines_in_window_ >= max_lines_) {
    ++lines_dropped_;
    return;
  }
  ++lines_in_window_;
  sink_(severity, name, text);
}

void PluginSlot::silence() {
  std::lock_guard<std::mutex> lk(log_mu_);
  sink_alive_ = false;
}

void PluginSlot::report_problem(const std::string& message) {
  if (!sink_) return;
  std::string line;
  {
    std::lock_guard<std::mutex> lk(problem_mu_);
    const auto now = Clock::now();
    if (problem_logged_ && now - last_problem_ < log_interval_) {
      ++problems_suppressed_;
      return;
    }
    line = message;
    if (problems_suppressed_ > 0)
      line += " (and " + std::to_string(problems_suppressed_) + " more problems since the last report)";
    problems_suppressed_ = 0;
    problem_logged_ = true;
    last_problem_ = now;
  }
  sink_(TP_PLUGIN_LOG_WARNING, name, line);
}

void PluginSlot::unload() noexcept {
  if (state != nullptr && lib.destroy != nullptr) lib.destroy(state);
  state = nullptr;
  silence();
  close_plugin_library(lib);
}

bool PluginSlot::skip_if_busy() {
  std::lock_guard<std::mutex> lk(mu);
  if (!busy) return false;
  skipped.fetch_add(1, std::memory_order_relaxed);
  return true;
}

// ---- Calls ------------------------------------------------------------------------------------------------

void start_plugin_worker(const std::shared_ptr<PluginSlot>& slot) {
  slot->worker = std::thread(worker_main, slot);
}

bool call_plugin(PluginSlot& s, const std::shared_ptr<PluginCall>& call, std::chrono::milliseconds timeout) {
  if (s.inline_calls) {
    s.calls.fetch_add(1, std::memory_order_relaxed);
    execute_guarded(s, *call);
    return true;
  }
  const auto deadline = Clock::now() + timeout;
  {
    std::lock_guard<std::mutex> lk(s.mu);
    s.busy = true;
    s.pending = call;
    s.calls.fetch_add(1, std::memory_order_relaxed);
  }
  s.cv.notify_all();
  // Most calls take a few microseconds: wait for the answer briefly without sleeping, then block.
  if (spin_until([&] { return call->finished.load(std::memory_order_acquire); }, kCallerSpin)) return true;
  std::unique_lock<std::mutex> lk(s.mu);
  return s.cv.wait_until(lk, deadline, [&] { return call->done; });
}

bool wait_plugin_idle(PluginSlot& s, PluginSlot::Clock::time_point deadline) {
  std::unique_lock<std::mutex> lk(s.mu);
  return s.cv.wait_until(lk, deadline, [&] { return !s.busy; });
}

void stop_plugin_workers(const std::vector<std::shared_ptr<PluginSlot>>& slots,
                         std::chrono::milliseconds grace, const PluginLogSink& log) {
  for (const auto& s : slots) {
    {
      std::lock_guard<std::mutex> lk(s->mu);
      s->stop = true;
    }
    s->cv.notify_all();
  }
  const auto deadline = Clock::now() + grace;
  for (auto it = slots.rbegin(); it != slots.rend(); ++it) {
    PluginSlot& s = **it;
    bool idle = false;
    {
      std::unique_lock<std::mutex> lk(s.mu);
      idle = s.cv.wait_until(lk, deadline, [&] { return !s.busy; });
      if (!idle) s.abandoned = true;
    }
    if (idle) {
      s.worker.join();
      s.unload();
    } else {
      if (log)
        log(TP_PLUGIN_LOG_ERROR, s.name,
            "still busy at shutdown after " + std::to_string(grace.count()) +
                " ms; abandoned (it is unloaded if its call ever returns)");
      s.silence();
      s.worker.detach();  // the thread keeps the PluginSlot alive and unloads the plugin itself
    }
  }
}

}  // namespace tp
