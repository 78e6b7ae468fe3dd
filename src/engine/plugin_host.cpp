#include "engine/plugin_host.h"

#include <exception>
#include <utility>

#include "engine/plugin_loader.h"

namespace tp {

PluginHost::PluginHost(PluginHostOptions options) : options_(std::move(options)) {}

PluginHost::~PluginHost() {
  std::unique_lock<std::shared_mutex> sl(slots_mu_);
  stop_plugin_workers(slots_, options_.shutdown_grace, options_.log);
}

std::vector<std::string> PluginHost::load_all(const std::vector<std::string>& dirs,
                                              const std::vector<PluginSpec>& specs) {
  std::vector<std::string> errors;
  for (const auto& spec : specs) {
    std::string path;
    std::string error = locate_plugin(dirs, spec.name, path);
    if (error.empty()) error = load(path, spec.name, spec.config_json, spec.inline_calls);
    if (!error.empty()) errors.push_back(std::move(error));
  }
  return errors;
}

std::string PluginHost::load(const std::string& path, const std::string& name, const std::string& config_json,
                             bool inline_calls) {
  {
    std::shared_lock<std::shared_mutex> sl(slots_mu_);
    for (const auto& s : slots_)
      if (s->name == name) return "plugin \"" + name + "\" is configured twice";
  }
  PluginLibrary lib;
  if (std::string error = open_plugin_library(path, name, lib); !error.empty()) return error;

  auto slot = std::make_shared<PluginSlot>(name, inline_calls, options_.log, options_.problem_log_interval,
                                           options_.plugin_log_lines_per_interval);
  slot->lib = std::move(lib);
  // The plugin may log from its init on; the init thread keeps the slot alive for as long as it runs.
  std::string error = init_plugin(slot->lib, config_json, slot->owner(), &PluginSlot::log_from_plugin, slot,
                                  options_.init_timeout, slot->state);
  if (!error.empty()) {
    slot->silence();
    return error;
  }
  try {
    start_plugin_worker(slot);
  } catch (const std::exception& e) {
    slot->unload();
    return "plugin " + slot->lib.who + ": cannot start its worker thread: " + e.what();
  }

  std::unique_lock<std::shared_mutex> sl(slots_mu_);
  slots_.push_back(std::move(slot));
  return "";
}

void PluginHost::tag(const Interaction& in, std::string_view source, std::string_view customer,
                     TagSet& tags) {
  std::lock_guard<std::mutex> tl(tag_mu_);
  std::shared_lock<std::shared_mutex> sl(slots_mu_);
  std::shared_ptr<const PluginCallData> data;  // built once, when the first plugin is actually called
  for (const auto& slot : slots_) {
    if (slot->skip_if_busy()) continue;
    if (!data) data = make_plugin_call_data(in, source, customer);
    run_one(*slot, data, tags);
  }
}

void PluginHost::run_one(PluginSlot& s, const std::shared_ptr<const PluginCallData>& data, TagSet& tags) {
  const auto call = make_plugin_call(data, tags);
  if (!call_plugin(s, call, options_.timeout)) {
    s.timeouts.fetch_add(1, std::memory_order_relaxed);
    s.report_problem(
        "did not answer within " + std::to_string(options_.timeout.count()) +
        " ms: its tags are skipped for this interaction, and it is skipped until that call returns");
    return;
  }
  if (call->rc != TP_PLUGIN_SUCCESS) {
    s.failures.fetch_add(1, std::memory_order_relaxed);
    s.report_problem("failed (status " + std::to_string(call->rc) + "): " + call->error +
                     "; its tags are skipped for this interaction");
    return;
  }
  const PluginRefusals refused = merge_plugin_answer(call->answer, data->sentiment, options_.validate, tags);
  if (refused.count == 0) return;
  s.rejected.fetch_add(refused.count, std::memory_order_relaxed);
  s.report_problem("returned values that were ignored: " + refused.description);
}

std::vector<PluginStats> PluginHost::stats() const {
  std::shared_lock<std::shared_mutex> sl(slots_mu_);
  std::vector<PluginStats> out;
  out.reserve(slots_.size());
  for (const auto& s : slots_) {
    PluginStats st;
    st.name = s->name;
    st.plugin_name = s->lib.plugin_name;
    st.version = s->lib.version;
    st.path = s->lib.path;
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
  const auto deadline = PluginSlot::Clock::now() + limit;
  for (const auto& s : slots_)
    if (!wait_plugin_idle(*s, deadline)) return false;
  return true;
}

}  // namespace tp
