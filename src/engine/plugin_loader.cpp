#include "engine/plugin_loader.h"

#include <dlfcn.h>

#include <array>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>

#include "engine/plugin_output.h"

namespace tp {

namespace {

// The longest plugin file name, and the longest name or version a plugin may give itself.
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

// One tp_plugin_init call, shared by init_plugin() and the thread that makes it.
struct InitCall {
  std::string config;
  tp_plugin_init_input input{};
  std::shared_ptr<const void> keep_owner;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false, abandoned = false;
  tp_plugin_rc rc = TP_PLUGIN_FAILURE;
  tp_plugin_t* state = nullptr;
  std::string error;
};

void run_init(const std::shared_ptr<InitCall>& call, PluginLibrary lib) {
  tp_plugin_rc rc = TP_PLUGIN_FAILURE;
  tp_plugin_t* state = nullptr;
  std::string error;
  try {
    state = lib.init(&call->input, &rc);
  } catch (...) {
    rc = TP_PLUGIN_FAILURE;
    error = "a C++ exception escaped through the C ABI";
  }
  std::unique_lock<std::mutex> lk(call->mu);
  if (call->abandoned) {
    // init_plugin() gave up on this plugin: nothing else holds it, so clean up here.
    lk.unlock();
    if (state != nullptr) lib.destroy(state);
    close_plugin_library(lib);
    return;
  }
  call->rc = rc;
  call->state = state;
  call->error = std::move(error);
  call->done = true;
  call->cv.notify_all();
}

}  // namespace

std::string locate_plugin(const std::vector<std::string>& dirs, const std::string& name, std::string& path) {
  if (!valid_plugin_name(name))
    return "plugin name " + in_quotes(sanitize_plugin_text(name.c_str(), 80)) +
           " is not valid: use letters, digits, '_', '-' and '.', at most 64, not starting with '.'";
  std::string searched;
  for (const auto& dir_in : dirs) {
    std::string dir = dir_in.empty() ? "." : dir_in;
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    if (!searched.empty()) searched += ", ";
    searched += dir;
    for (const std::string& file : {"lib" + name + ".so", name + ".so"}) {
      const std::string candidate = dir + "/" + file;
      std::error_code ec;
      if (std::filesystem::is_regular_file(candidate, ec)) {
        path = candidate;
        return "";
      }
    }
  }
  return "plugin " + in_quotes(name) + ": found neither lib" + name + ".so nor " + name + ".so in " +
         (searched.empty() ? "(no plugin directories configured)" : searched);
}

std::string open_plugin_library(const std::string& path_in, const std::string& name, PluginLibrary& lib) {
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

  PluginLibrary found;
  found.path = path;
  found.plugin_name = plugin_name;
  auto get_version = symbol<tp_plugin_get_version_fn>(handle, "tp_plugin_get_version");
  auto get_description = symbol<tp_plugin_get_description_fn>(handle, "tp_plugin_get_description");
  found.init = symbol<tp_plugin_init_fn>(handle, "tp_plugin_init");
  found.destroy = symbol<tp_plugin_destroy_fn>(handle, "tp_plugin_destroy");
  found.last_error = symbol<tp_plugin_get_last_error_fn>(handle, "tp_plugin_get_last_error");
  found.tag = symbol<tp_plugin_tag_fn>(handle, "tp_plugin_tag");
  std::string missing;
  const auto need = [&](bool present, const char* sym) {
    if (!present) missing += (missing.empty() ? "" : ", ") + std::string(sym);
  };
  need(get_name != nullptr, "tp_plugin_get_name");
  need(get_version != nullptr, "tp_plugin_get_version");
  need(get_description != nullptr, "tp_plugin_get_description");
  need(found.init != nullptr, "tp_plugin_init");
  need(found.destroy != nullptr, "tp_plugin_destroy");
  need(found.last_error != nullptr, "tp_plugin_get_last_error");
  need(found.tag != nullptr, "tp_plugin_tag");
  if (!missing.empty()) return refuse("(plugin API " + required_text + ") does not export " + missing);
  if (plugin_name.empty()) return refuse("returns an empty name from tp_plugin_get_name");
  found.version = sanitize_plugin_text(get_version(), kMaxNameBytes);
  if (!found.version.empty()) who += " " + found.version;
  found.who = who;
  found.handle = handle;
  lib = std::move(found);
  return "";
}

std::string init_plugin(PluginLibrary& lib, const std::string& config_json, tp_owner_t* owner,
                        tp_plugin_log_fn log, std::shared_ptr<const void> keep_owner,
                        std::chrono::milliseconds timeout, tp_plugin_t*& state) {
  const auto refuse = [&](const std::string& why) {
    close_plugin_library(lib);
    return "plugin " + lib.who + " " + why;
  };
  auto call = std::make_shared<InitCall>();
  call->config = config_json.empty() ? "{}" : config_json;
  call->input.struct_size = sizeof call->input;
  call->input.config_json = call->config.c_str();
  call->input.owner = owner;
  call->input.log = log;
  call->keep_owner = std::move(keep_owner);
  std::thread init_thread;
  try {
    init_thread = std::thread(run_init, call, lib);
  } catch (const std::exception& e) {
    return refuse(std::string("could not be initialised: no thread for its init: ") + e.what());
  }
  {
    std::unique_lock<std::mutex> lk(call->mu);
    if (!call->cv.wait_for(lk, timeout, [&] { return call->done; })) {
      call->abandoned = true;  // the thread destroys what init returns and unloads the plugin itself
      lk.unlock();
      init_thread.detach();
      lib.handle = nullptr;  // the thread's copy is the one to close
      return "plugin " + lib.who + " did not finish initialising within " + std::to_string(timeout.count()) +
             " ms (engine.plugin_init_timeout_ms); refused";
    }
  }
  init_thread.join();
  const tp_plugin_rc rc = call->rc;
  tp_plugin_t* const returned = call->state;
  std::string init_error = call->error;
  if (rc != TP_PLUGIN_SUCCESS || returned == nullptr) {
    if (returned != nullptr) init_error = sanitize_plugin_text(lib.last_error(returned));
    if (init_error.empty())
      init_error = rc == TP_PLUGIN_SUCCESS ? "it returned no state" : "(no error message)";
    if (returned != nullptr) lib.destroy(returned);
    return refuse("failed to initialise (status " + std::to_string(rc) + "): " + init_error);
  }
  state = returned;
  return "";
}

void close_plugin_library(PluginLibrary& lib) noexcept {
  if (lib.handle != nullptr) dlclose(lib.handle);
  lib.handle = nullptr;
}

}  // namespace tp
