// Finding, opening and initialising native plugin libraries (include/touchpoint/plugin_api.h). Kept apart
// from the calls (plugin_runtime.h) because this is where the C ABI contract is enforced: a library is only
// accepted when it declares a plugin API version this host implements (same major, not a newer minor or
// patch) and exports every symbol of that version, so the runtime can call its entry points without
// checking them again. Every refusal names the file, the plugin and what is wrong, for an operator to act on.
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "touchpoint/plugin_api.h"

namespace tp {

// An opened plugin library that passed the checks: what it says about itself and its entry points.
struct PluginLibrary {
  std::string path;         // the file, as given to dlopen
  std::string plugin_name;  // what the plugin calls itself (sanitised, never empty)
  std::string version;      // the plugin's version (sanitised)
  std::string who;          // how messages name it: path ("plugin_name") version
  void* handle = nullptr;   // from dlopen; closed by close_plugin_library
  tp_plugin_init_fn init = nullptr;
  tp_plugin_destroy_fn destroy = nullptr;
  tp_plugin_get_last_error_fn last_error = nullptr;
  tp_plugin_tag_fn tag = nullptr;
};

// Where plugin `name` is: the first of lib<name>.so, then <name>.so, in each of `dirs` in turn. Returns
// the error ("" when found, `path` then set): an invalid name (letters, digits, '_', '-' and '.', at most
// 64, not starting with '.', so a name cannot reach outside the directories) or no such file.
std::string locate_plugin(const std::vector<std::string>& dirs, const std::string& name, std::string& path);

// Opens `path` (a path without '/' is taken relative to the working directory, not searched for) and
// checks its API version and symbols. `name` is the configured name, for the messages. Returns the error,
// the library closed again; or "" with `lib` filled and open.
std::string open_plugin_library(const std::string& path, const std::string& name, PluginLibrary& lib);

// Calls tp_plugin_init with `config_json` ("" is passed as "{}") and the owner and log callback the plugin
// keeps for its log lines, on a thread of its own waited for at most `timeout`, so a plugin that hangs in
// init cannot hang the daemon's start. `keep_owner` keeps the owner alive while that thread may still use
// it. Returns "" with `state` set; else the error, with `lib` closed (after a timeout, by the init thread
// once init returns, together with whatever state it returned) and its handle null.
std::string init_plugin(PluginLibrary& lib, const std::string& config_json, tp_owner_t* owner,
                        tp_plugin_log_fn log, std::shared_ptr<const void> keep_owner,
                        std::chrono::milliseconds timeout, tp_plugin_t*& state);

// dlclose; the plugin's state must be destroyed and no call of it running.
void close_plugin_library(PluginLibrary& lib) noexcept;

}  // namespace tp
