#include "engine/plugin_host.h"

#include <dlfcn.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "util/thread_name.h"

namespace tp {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxIdBytes = 128;
constexpr size_t kMaxPainBytes = 64;
constexpr size_t kMaxNameBytes = 64;

std::string in_quotes(const std::string& s) {
  return "\"" + s + "\"";
}

// "MAJOR.MINOR.PATCH", each 1..9 decimal digits.
std::optional<std::array<uint32_t, 3>> parse_version(std::string_view s) {
  std::array<uint32_t, 3> v{};
  size_t i = 0;
  for (size_t part = 0; part < 3; ++part) {
    if (part > 0) {
      if (i >= s.size() || s[i] != '.') return std::nullopt;
      ++i;
    }
    const size_t start = i;
    uint32_t n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 9)
      n = n * 10 + static_cast<uint32_t>(s[i++] - '0');
    if (i == start) return std::nullopt;
    v[part] = n;
  }
  if (i != s.size()) return std::nullopt;
  return v;
}

std::string version_text(const std::array<uint32_t, 3>& v) {
  return std::to_string(v[0]) + "." + std::to_string(v[1]) + "." + std::to_string(v[2]);
}

// Why a plugin requiring `req` cannot run in this host, or "" when it can.
std::string incompatibility(const std::array<uint32_t, 3>& req) {
  const std::array<uint32_t, 3> host{TP_PLUGIN_API_VERSION_MAJOR, TP_PLUGIN_API_VERSION_MINOR,
                                     TP_PLUGIN_API_VERSION_PATCH};
  const std::string both =
      "requires plugin API " + version_text(req) + " but this touchpointd implements " + version_text(host);
  if (req[0] != host[0])
    return both +
           ": the major versions differ, so the plugin must be rebuilt against this touchpointd's "
           "plugin_api.h";
  if (req[1] > host[1] || (req[1] == host[1] && req[2] > host[2]))
    return both + ": it needs a newer touchpointd (plugin API " + std::to_string(req[0]) + "." +
           std::to_string(req[1]) + "." + std::to_string(req[2]) + " or later)";
  return "";
}

bool valid_plugin_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxNameBytes || name[0] == '.') return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool valid_pain_reason(const std::string& r) {
  if (r.empty() || r.size() > kMaxPainBytes) return false;
  for (const char c : r)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// A string the plugin handed back, read with a bound: at most max_bytes + 1 bytes, so an over-long value
// is recognisable by its size. nullopt for NULL.
std::optional<std::string> copy_out(const char* s, size_t max_bytes) {
  if (s == nullptr) return std::nullopt;
  return std::string(s, strnlen(s, max_bytes + 1));
}

template <class F>
F symbol(void* handle, const char* name) {
  void* p = dlsym(handle, name);
  F f = nullptr;
  static_assert(sizeof(f) == sizeof(p), "function and object pointers differ in size");
  std::memcpy(&f, &p, sizeof(f));  // POSIX guarantees this conversion works
  return f;
}

std::string dl_error() {
  const char* e = dlerror();
  return e != nullptr ? sanitize_plugin_text(e, 500) : "unknown dlopen error";
}

}  // namespace

// ---- Per-plugin state ------------------------------------------------------------------------------------

// Strings of one interaction copied once per tag() call, shared by every plugin's job. Owned through
// shared_ptr by the jobs, so a call that outlives tag() (a timeout) still reads valid memory.
struct PluginHost::CallData {
  std::string id, source, type, customer, anonymous_id, session_id, channel, role, text, intent, url, name,
      properties, traits;
  std::optional<double> sentiment;  // the sender's own score
  tp_interaction in{};
};

struct PluginHost::Job {
  std::shared_ptr<const CallData> data;
  std::string persona, stage, touchpoint;  // the tags decided before this plugin
  tp_interaction in{};
  // Written by the worker before `done` (both under Slot::mu); `finished` mirrors `done` for the caller's
  // short spin without the lock (release/acquire: the results are visible once it reads true).
  bool done = false;
  std::atomic<bool> finished{false};
  tp_plugin_rc rc = TP_PLUGIN_FAILURE;
  std::string error;
  std::optional<std::string> persona_out, stage_out, touchpoint_out;
  std::optional<double> sentiment_out;
  uint32_t pain_count = 0;  // as reported by the plugin (may exceed TP_PLUGIN_MAX_PAIN)
  std::vector<std::string> pain_out;
};

struct PluginHost::Slot {
  std::string name, plugin_name, version, path;
  bool inline_calls = false;  // called on the tagging thread (PluginSpec::inline_calls)
  void* handle = nullptr;
  tp_plugin_t* state = nullptr;
  tp_plugin_destroy_fn destroy = nullptr;
  tp_plugin_get_last_error_fn last_error = nullptr;
  tp_plugin_tag_fn tag = nullptr;

  // The plugin's own log lines (the tp_owner_t* handed to the plugin is this Slot).
  std::mutex log_mu;
  PluginLogSink sink;
  bool sink_alive = true;  // false once the host is gone: later lines are dropped
  Clock::duration log_interval{};
  uint32_t max_lines = 0;
  Clock::time_point window_start{};
  uint32_t lines_in_window = 0;
  uint64_t lines_dropped = 0;

  // The worker: one call at a time. busy from posting until the worker finished the call.
  std::mutex mu;
  std::condition_variable cv;
  std::shared_ptr<Job> pending;
  bool busy = false, stop = false, abandoned = false;
  std::thread worker;

  std::atomic<uint64_t> calls{0}, failures{0}, timeouts{0}, skipped{0}, rejected{0};

  // Rate limit of the host's reports about this plugin.
  std::mutex problem_mu;
  bool problem_logged = false;
  Clock::time_point last_problem{};
  uint64_t problems_suppressed = 0;

  void log_line(int severity, const std::string& text) {
    std::lock_guard<std::mutex> lk(log_mu);
    if (!sink_alive || !sink) return;
    const auto now = Clock::now();
    if (now - window_start >= log_interval) {
      if (lines_dropped > 0)
        sink(TP_PLUGIN_LOG_WARNING, name,
             std::to_string(lines_dropped) + " log lines from this plugin were dropped (more than " +
                 std::to_string(max_lines) + " in one interval)");
      window_start = now;
      lines_in_window = 0;
      lines_dropped = 0;
    }
    if (lines_in_window >= max_lines) {
      ++lines_dropped;
      return;
    }
    ++lines_in_window;
    sink(severity, name, text);
  }

  void silence() {
    std::lock_guard<std::mutex> lk(log_mu);
    sink_alive = false;
  }

  // destroy + dlclose; the worker must have finished.
  void unload() noexcept {
    if (state != nullptr && destroy != nullptr) destroy(state);
    state = nullptr;
    silence();
    if (handle != nullptr) dlclose(handle);
    handle = nullptr;
  }
};

namespace {

void host_log(tp_owner_t* owner, int severity, const char* msg) {
  if (owner == nullptr) return;
  try {
    auto* slot = reinterpret_cast<PluginHost::Slot*>(owner);
    const int sev = severity < TP_PLUGIN_LOG_DEBUG   ? TP_PLUGIN_LOG_DEBUG
                    : severity > TP_PLUGIN_LOG_ERROR ? TP_PLUGIN_LOG_ERROR
                                                     : severity;
    slot->log_line(sev, sanitize_plugin_text(msg));
  } catch (...) {  // nothing may escape into the plugin's C code
  }
}

// Runs one call on the worker thread and copies the plugin's answer out of its memory.
void execute(PluginHost::Slot& s, PluginHost::Job& job) {
  tp_tags_out out;
  std::memset(&out, 0, sizeof out);
  out.struct_size = sizeof out;
  tp_plugin_rc rc = TP_PLUGIN_FAILURE;
  try {
    rc = s.tag(s.state, &job.in, &out);
  } catch (...) {
    job.rc = TP_PLUGIN_FAILURE;
    job.error = "a C++ exception escaped through the C ABI";
    return;
  }
  job.rc = rc;
  if (rc != TP_PLUGIN_SUCCESS) {
    job.error = sanitize_plugin_text(s.last_error != nullptr ? s.last_error(s.state) : nullptr);
    if (job.error.empty()) job.error = "(no error message)";
    return;
  }
  job.persona_out = copy_out(out.persona, kMaxIdBytes);
  job.stage_out = copy_out(out.stage, kMaxIdBytes);
  job.touchpoint_out = copy_out(out.touchpoint, kMaxIdBytes);
  if (out.has_sentiment) job.sentiment_out = out.sentiment;
  job.pain_count = out.pain_count;
  const uint32_t n = out.pain_count < TP_PLUGIN_MAX_PAIN ? out.pain_count : TP_PLUGIN_MAX_PAIN;
  for (uint32_t i = 0; i < n; ++i) {
    auto p = copy_out(out.pain[i], kMaxPainBytes);
    job.pain_out.push_back(p ? std::move(*p) : std::string());
  }
}

// One tp_plugin_init call, shared by load() and the thread that makes it.
struct InitCall {
  std::string config;
  tp_plugin_init_input input{};
  std::mutex mu;
  std::condition_variable cv;
  bool done = false, abandoned = false;
  tp_plugin_rc rc = TP_PLUGIN_FAILURE;
  tp_plugin_t* state = nullptr;
  std::string error;
};

void run_init(const std::shared_ptr<InitCall>& call, tp_plugin_init_fn init,
              const std::shared_ptr<PluginHost::Slot>& slot, void* handle) {
  tp_plugin_rc rc = TP_PLUGIN_FAILURE;
  tp_plugin_t* state = nullptr;
  std::string error;
  try {
    state = init(&call->input, &rc);
  } catch (...) {
    rc = TP_PLUGIN_FAILURE;
    error = "a C++ exception escaped through the C ABI";
  }
  std::unique_lock<std::mutex> lk(call->mu);
  if (call->abandoned) {
    // load() gave up on this plugin: nothing else holds it, so clean up here.
    lk.unlock();
    if (state != nullptr) slot->destroy(state);
    dlclose(handle);
    return;
  }
  call->rc = rc;
  call->state = state;
  call->error = std::move(error);
  call->done = true;
  call->cv.notify_all();
}

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

void worker_main(const std::shared_ptr<PluginHost::Slot>& slot) {
  name_current_thread("tp-plugin");
  PluginHost::Slot& s = *slot;
  bool abandoned = false;
  for (;;) {
    std::shared_ptr<PluginHost::Job> job;
    {
      std::unique_lock<std::mutex> lk(s.mu);
      s.cv.wait(lk, [&] { return s.pending != nullptr || s.stop; });
      if (s.pending == nullptr) {
        abandoned = s.abandoned;
        break;
      }
      job = std::move(s.pending);
    }
    try {
      execute(s, *job);
    } catch (...) {  // out of memory while copying the answer
      job->rc = TP_PLUGIN_FAILURE;
      job->error = "the host could not copy the plugin's answer";
    }
    {
      std::lock_guard<std::mutex> lk(s.mu);
      job->done = true;
      job->finished.store(true, std::memory_order_release);
      s.busy = false;
    }
    s.cv.notify_all();
  }
  // The host gave up waiting for us at shutdown; the call has returned now, so finish the unload.
  if (abandoned) s.unload();
}

std::shared_ptr<const PluginHost::CallData> make_call_data(const Interaction& in, std::string_view source,
                                                           std::string_view customer) {
  auto d = std::make_shared<PluginHost::CallData>();
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

// The sentiment known so far: what tagging decided, else the sender's own score.
std::optional<double> current_sentiment(const std::optional<double>& sender, const TagSet& tags) {
  return tags.sentiment ? tags.sentiment : sender;
}

}  // namespace

// ---- Text from plugins -----------------------------------------------------------------------------------

std::string sanitize_plugin_text(const char* text, size_t max_bytes) {
  if (text == nullptr) return {};
  const size_t n = strnlen(text, max_bytes + 1);
  const bool cut = n > max_bytes;
  const std::string_view v(text, cut ? max_bytes : n);
  std::string out;
  out.reserve(v.size() + 12);
  size_t i = 0;
  while (i < v.size()) {
    const auto c = static_cast<unsigned char>(v[i]);
    if (c < 0x80) {
      if (c == '\t' || c == '\n' || c == '\r')
        out += ' ';
      else if (c < 0x20 || c == 0x7F)
        out += '?';
      else
        out += static_cast<char>(c);
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0, min = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1Fu, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0Fu, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07u, min = 0x10000;
    } else {
      out += '?';
      ++i;
      continue;
    }
    if (i + len > v.size()) {
      if (cut) break;  // a character split by the cut: leave it out
      out += '?';
      ++i;
      continue;
    }
    bool ok = true;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(v[i + k]);
      if ((cc & 0xC0) != 0x80) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if (!ok || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      out += '?';
      ++i;
      continue;
    }
    const bool control = (cp >= 0x80 && cp <= 0x9F) || cp == 0x200E || cp == 0x200F ||
                         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 ||
                         cp == 0x2029;
    if (control)
      out += '?';
    else
      out.append(v.substr(i, len));
    i += len;
  }
  if (cut) out += " [truncated]";
  return out;
}

PluginIdValidator journey_id_validator(const Journey& journey) {
  auto j = std::make_shared<const Journey>(journey);
  return [j](PluginTagKind kind, std::string_view id) {
    switch (kind) {
      case PluginTagKind::Persona:
        return j->has_persona(id);
      case PluginTagKind::Stage:
        return j->stage_index(id) >= 0;
      case PluginTagKind::Touchpoint:
        return j->has_touchpoint(id);
    }
    return false;
  };
}

// ---- PluginHost ------------------------------------------------------------------------------------------

PluginHost::PluginHost(PluginHostOptions options) : options_(std::move(options)) {}

PluginHost::~PluginHost() {
  std::unique_lock<std::shared_mutex> sl(slots_mu_);
  for (auto& s : slots_) {
    {
      std::lock_guard<std::mutex> lk(s->mu);
      s->stop = true;
    }
    s->cv.notify_all();
  }
  const auto deadline = Clock::now() + options_.shutdown_grace;
  for (auto it = slots_.rbegin(); it != slots_.rend(); ++it) {
    Slot& s = **it;
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
      if (options_.log)
        options_.log(TP_PLUGIN_LOG_ERROR, s.name,
                     "still busy at shutdown after " + std::to_string(options_.shutdown_grace.count()) +
                         " ms; abandoned (it is unloaded if its call ever returns)");
      s.silence();
      s.worker.detach();  // the thread keeps the Slot alive and unloads the plugin itself
    }
  }
}

std::vector<std::string> PluginHost::load_all(const std::vector<std::string>& dirs,
                                              const std::vector<PluginSpec>& specs) {
  std::vector<std::string> errors;
  for (const auto& spec : specs) {
    if (!valid_plugin_name(spec.name)) {
      errors.push_back(
          "plugin name " + in_quotes(sanitize_plugin_text(spec.name.c_str(), 80)) +
          " is not valid: use letters, digits, '_', '-' and '.', at most 64, not starting with '.'");
      continue;
    }
    std::string found;
    std::string searched;
    for (const auto& dir_in : dirs) {
      std::string dir = dir_in.empty() ? "." : dir_in;
      while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
      if (!searched.empty()) searched += ", ";
      searched += dir;
      for (const std::string& file : {"lib" + spec.name + ".so", spec.name + ".so"}) {
        const std::string path = dir + "/" + file;
        std::error_code ec;
        if (std::filesystem::is_regular_file(path, ec)) {
          found = path;
          break;
        }
      }
      if (!found.empty()) break;
    }
    if (found.empty()) {
      errors.push_back("plugin " + in_quotes(spec.name) + ": found neither lib" + spec.name + ".so nor " +
                       spec.name + ".so in " +
                       (searched.empty() ? "(no plugin directories configured)" : searched));
      continue;
    }
    std::string error = load(found, spec.name, spec.config_json, spec.inline_calls);
    if (!error.empty()) errors.push_back(std::move(error));
  }
  return errors;
}

std::string PluginHost::load(const std::string& path_in, const std::string& name,
                             const std::string& config_json, bool inline_calls) {
  {
    std::shared_lock<std::shared_mutex> sl(slots_mu_);
    for (const auto& s : slots_)
      if (s->name == name) return "plugin " + in_quotes(name) + " is configured twice";
  }
  // A path without '/' would make dlopen search the system's library path instead of the file.
  const std::string path = path_in.find('/') == std::string::npos ? "./" + path_in : path_in;

  dlerror();
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) return "plugin " + in_quotes(name) + ": cannot load " + path + ": " + dl_error();

  // Its name first (stable across all API versions), so that every refusal can say which plugin it is.
  std::string who = path;
  std::string plugin_name;
  auto get_name = symbol<tp_plugin_get_name_fn>(handle, "tp_plugin_get_name");
  if (get_name != nullptr) {
    plugin_name = sanitize_plugin_text(get_name(), kMaxNameBytes);
    if (!plugin_name.empty()) who += " (" + in_quotes(plugin_name) + ")";
  }
  const auto refuse = [&](const std::string& why) {
    dlclose(handle);
    return "plugin " + who + " " + why;
  };

  auto required = symbol<tp_plugin_get_required_api_version_fn>(handle, "tp_plugin_get_required_api_version");
  if (required == nullptr)
    return refuse("is not a touchpoint plugin: it does not export tp_plugin_get_required_api_version");
  const std::string required_text = sanitize_plugin_text(required(), 32);
  const auto req = parse_version(required_text);
  if (!req)
    return refuse("declares an invalid required plugin API version " + in_quotes(required_text) +
                  " (expected MAJOR.MINOR.PATCH)");
  if (const std::string why = incompatibility(*req); !why.empty()) return refuse(why);

  auto slot = std::make_shared<Slot>();
  slot->name = name;
  slot->inline_calls = inline_calls;
  slot->plugin_name = plugin_name;
  slot->path = path;
  slot->sink = options_.log;
  slot->log_interval = options_.problem_log_interval;
  slot->max_lines = options_.plugin_log_lines_per_interval;
  slot->window_start = Clock::now();

  auto get_version = symbol<tp_plugin_get_version_fn>(handle, "tp_plugin_get_version");
  auto get_description = symbol<tp_plugin_get_description_fn>(handle, "tp_plugin_get_description");
  auto init = symbol<tp_plugin_init_fn>(handle, "tp_plugin_init");
  slot->destroy = symbol<tp_plugin_destroy_fn>(handle, "tp_plugin_destroy");
  slot->last_error = symbol<tp_plugin_get_last_error_fn>(handle, "tp_plugin_get_last_error");
  slot->tag = symbol<tp_plugin_tag_fn>(handle, "tp_plugin_tag");
  std::string missing;
  const auto need = [&](bool present, const char* sym) {
    if (!present) missing += (missing.empty() ? "" : ", ") + std::string(sym);
  };
  need(get_name != nullptr, "tp_plugin_get_name");
  need(get_version != nullptr, "tp_plugin_get_version");
  need(get_description != nullptr, "tp_plugin_get_description");
  need(init != nullptr, "tp_plugin_init");
  need(slot->destroy != nullptr, "tp_plugin_destroy");
  need(slot->last_error != nullptr, "tp_plugin_get_last_error");
  need(slot->tag != nullptr, "tp_plugin_tag");
  if (!missing.empty()) return refuse("(plugin API " + required_text + ") does not export " + missing);
  if (plugin_name.empty()) return refuse("returns an empty name from tp_plugin_get_name");
  slot->version = sanitize_plugin_text(get_version(), kMaxNameBytes);
  if (!slot->version.empty()) who += " " + slot->version;

  // tp_plugin_init on a thread of its own, waited for at most init_timeout.
  auto call = std::make_shared<InitCall>();
  call->config = config_json.empty() ? "{}" : config_json;
  call->input.struct_size = sizeof call->input;
  call->input.config_json = call->config.c_str();
  call->input.owner = reinterpret_cast<tp_owner_t*>(slot.get());
  call->input.log = &host_log;
  std::thread init_thread;
  try {
    init_thread = std::thread(run_init, call, init, slot, handle);
  } catch (const std::exception& e) {
    return refuse(std::string("could not be initialised: no thread for its init: ") + e.what());
  }
  {
    std::unique_lock<std::mutex> lk(call->mu);
    if (!call->cv.wait_for(lk, options_.init_timeout, [&] { return call->done; })) {
      call->abandoned = true;  // the thread destroys what init returns and unloads the plugin itself
      lk.unlock();
      init_thread.detach();
      slot->silence();
      return "plugin " + who + " did not finish initialising within " +
             std::to_string(options_.init_timeout.count()) + " ms (engine.plugin_init_timeout_ms); refused";
    }
  }
  init_thread.join();
  tp_plugin_rc rc = call->rc;
  tp_plugin_t* state = call->state;
  std::string init_error = call->error;
  if (rc != TP_PLUGIN_SUCCESS || state == nullptr) {
    if (state != nullptr) init_error = sanitize_plugin_text(slot->last_error(state));
    if (init_error.empty())
      init_error = rc == TP_PLUGIN_SUCCESS ? "it returned no state" : "(no error message)";
    if (state != nullptr) slot->destroy(state);
    slot->silence();
    return refuse("failed to initialise (status " + std::to_string(rc) + "): " + init_error);
  }
  slot->state = state;
  slot->handle = handle;
  try {
    slot->worker = std::thread(worker_main, slot);
  } catch (const std::exception& e) {
    slot->unload();
    return "plugin " + who + ": cannot start its worker thread: " + e.what();
  }

  std::unique_lock<std::shared_mutex> sl(slots_mu_);
  slots_.push_back(std::move(slot));
  return "";
}

void PluginHost::tag(const Interaction& in, std::string_view source, std::string_view customer,
                     TagSet& tags) {
  std::lock_guard<std::mutex> tl(tag_mu_);
  std::shared_lock<std::shared_mutex> sl(slots_mu_);
  std::shared_ptr<const CallData> data;  // built once, when the first plugin is actually called
  for (const auto& slot : slots_) {
    {
      std::lock_guard<std::mutex> lk(slot->mu);
      if (slot->busy) {
        slot->skipped.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
    }
    if (!data) data = make_call_data(in, source, customer);
    run_one(*slot, data, tags);
  }
}

void PluginHost::run_one(Slot& s, const std::shared_ptr<const CallData>& data, TagSet& tags) {
  auto job = std::make_shared<Job>();
  job->data = data;
  job->persona = tags.persona;
  job->stage = tags.stage;
  job->touchpoint = tags.touchpoint;
  job->in = data->in;
  const auto opt = [](const std::string& v) { return v.empty() ? nullptr : v.c_str(); };
  job->in.persona = opt(job->persona);
  job->in.stage = opt(job->stage);
  job->in.touchpoint = opt(job->touchpoint);
  const std::optional<double> sentiment = current_sentiment(data->sentiment, tags);
  job->in.has_sentiment = sentiment.has_value() ? 1 : 0;
  job->in.sentiment = sentiment.value_or(0.0);

  bool done = false;
  if (s.inline_calls) {
    s.calls.fetch_add(1, std::memory_order_relaxed);
    try {
      execute(s, *job);
    } catch (...) {
      job->rc = TP_PLUGIN_FAILURE;
      job->error = "the host could not copy the plugin's answer";
    }
    done = true;
  }
  const auto deadline = Clock::now() + options_.timeout;
  if (!done) {
    {
      std::lock_guard<std::mutex> lk(s.mu);
      s.busy = true;
      s.pending = job;
      s.calls.fetch_add(1, std::memory_order_relaxed);
    }
    s.cv.notify_all();
    // Most calls take a few microseconds: wait for the answer briefly without sleeping, then block.
    if (!spin_until([&] { return job->finished.load(std::memory_order_acquire); }, kCallerSpin)) {
      std::unique_lock<std::mutex> lk(s.mu);
      done = s.cv.wait_until(lk, deadline, [&] { return job->done; });
    } else {
      done = true;
    }
  }
  if (!done) {
    s.timeouts.fetch_add(1, std::memory_order_relaxed);
    report_problem(
        s, "did not answer within " + std::to_string(options_.timeout.count()) +
               " ms: its tags are skipped for this interaction, and it is skipped until that call returns");
    return;
  }
  if (job->rc != TP_PLUGIN_SUCCESS) {
    s.failures.fetch_add(1, std::memory_order_relaxed);
    report_problem(s, "failed (status " + std::to_string(job->rc) + "): " + job->error +
                          "; its tags are skipped for this interaction");
    return;
  }
  apply(s, *job, tags);
}

bool PluginHost::id_ok(PluginTagKind kind, const std::string& id) const {
  if (id.empty() || id.size() > kMaxIdBytes) return false;
  if (sanitize_plugin_text(id.c_str(), kMaxIdBytes) != id) return false;  // control characters, bad UTF-8
  return !options_.validate || options_.validate(kind, id);
}

void PluginHost::apply(Slot& s, const Job& job, TagSet& tags) {
  std::string refused;
  const auto refuse = [&](const std::string& what) {
    s.rejected.fetch_add(1, std::memory_order_relaxed);
    refused += (refused.empty() ? "" : "; ") + what;
  };
  const auto show = [](const std::string& v) { return in_quotes(sanitize_plugin_text(v.c_str(), 80)); };
  const auto one = [&](PluginTagKind kind, const char* what, const std::optional<std::string>& value,
                       std::string& tag, TagOrigin& origin) {
    if (!value) return;
    if (!id_ok(kind, *value)) {
      refuse(std::string("unknown ") + what + " id " + show(*value));
      return;
    }
    if (origin == TagOrigin::None && tag.empty()) {
      tag = *value;
      origin = TagOrigin::Plugin;
    }
  };
  one(PluginTagKind::Persona, "persona", job.persona_out, tags.persona, tags.persona_origin);
  one(PluginTagKind::Stage, "stage", job.stage_out, tags.stage, tags.stage_origin);
  one(PluginTagKind::Touchpoint, "touchpoint", job.touchpoint_out, tags.touchpoint, tags.touchpoint_origin);
  if (job.sentiment_out) {
    const double v = *job.sentiment_out;
    if (!std::isfinite(v) || v < -1.0 || v > 1.0) {
      refuse("sentiment " + std::to_string(v) + " is outside -1..1");
    } else if (!current_sentiment(job.data->sentiment, tags)) {
      tags.sentiment = v;
      tags.sentiment_origin = TagOrigin::Plugin;
    }
  }
  if (job.pain_count > TP_PLUGIN_MAX_PAIN)
    refuse(std::to_string(job.pain_count) + " pain reasons (at most " + std::to_string(TP_PLUGIN_MAX_PAIN) +
           " are read)");
  for (const auto& reason : job.pain_out) {
    if (valid_pain_reason(reason))
      tags.add_pain(reason);
    else
      refuse("invalid pain reason " + show(reason) + " (a-z, 0-9 and '_', at most 64 bytes)");
  }
  if (!refused.empty()) report_problem(s, "returned values that were ignored: " + refused);
}

void PluginHost::report_problem(Slot& s, const std::string& message) {
  if (!options_.log) return;
  std::string line;
  {
    std::lock_guard<std::mutex> lk(s.problem_mu);
    const auto now = Clock::now();
    if (s.problem_logged && now - s.last_problem < options_.problem_log_interval) {
      ++s.problems_suppressed;
      return;
    }
    line = message;
    if (s.problems_suppressed > 0)
      line += " (and " + std::to_string(s.problems_suppressed) + " more problems since the last report)";
    s.problems_suppressed = 0;
    s.problem_logged = true;
    s.last_problem = now;
  }
  options_.log(TP_PLUGIN_LOG_WARNING, s.name, line);
}

std::vector<PluginStats> PluginHost::stats() const {
  std::shared_lock<std::shared_mutex> sl(slots_mu_);
  std::vector<PluginStats> out;
  out.reserve(slots_.size());
  for (const auto& s : slots_) {
    PluginStats st;
    st.name = s->name;
    st.plugin_name = s->plugin_name;
    st.version = s->version;
    st.path = s->path;
    st.calls = s->calls.load(std::memory_order_relaxed);
    st.failures = s->failures.load(std::memory_order_relaxed);
    st.timeouts = s->timeouts.load(std::memory_order_relaxed);
    st.skipped = s->skipped.load(std::memory_order_relaxed);
    st.rejected = s->rejected.load(std::memory_order_relaxed);
    out.push_back(std::move(st));
  }
  return out;
}

size_t PluginHost::size() const {
  std::shared_lock<std::shared_mutex> sl(slots_mu_);
  return slots_.size();
}

bool PluginHost::wait_idle(std::chrono::milliseconds limit) {
  std::shared_lock<std::shared_mutex> sl(slots_mu_);
  const auto deadline = Clock::now() + limit;
  for (const auto& s : slots_) {
    std::unique_lock<std::mutex> lk(s->mu);
    if (!s->cv.wait_until(lk, deadline, [&] { return !s->busy; })) return false;
  }
  return true;
}

}  // namespace tp
