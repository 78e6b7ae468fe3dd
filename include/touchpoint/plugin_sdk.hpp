// touchpoint plugin SDK: a header-only C++17 helper over plugin_api.h. Standard library only.
//
// A plugin is a default-constructible class with
//     void init(const std::string& config_json, touchpoint::plugin::Logger& log);  // optional; or
//     void init(const std::string& config_json);                                   // without the log
//     void tag(const touchpoint::plugin::Interaction& in, touchpoint::plugin::Tags& out);
// plus one line that exports it:
//     TP_PLUGIN(MyPlugin, "my_plugin", "1.0.0", "What it does, in one line");
//
// The macro defines every exported C function of the ABI. Exceptions never cross the C boundary: one
// thrown from the constructor, init() or tag() becomes TP_PLUGIN_FAILURE with the exception's what() as
// the last error (the host logs it and skips the plugin's tags for that interaction, or refuses to load
// it when init failed). The host calls one instance from one thread at a time, so the class needs no
// locking of its own unless it starts threads itself.
//
// Lifetimes: the string_views in Interaction point into host memory and are valid only during tag();
// copy what you keep. The Logger may be kept and used (from any thread) until the instance is destroyed.
// Tags are copied out by the SDK after tag() returns; you never manage C strings yourself.
#pragma once

#include <cmath>
#include <cstdint>
#include <exception>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "plugin_api.h"

// The API version the generated tp_plugin_get_required_api_version() returns. Define it before including
// this header to keep loading into older hosts when the plugin uses nothing newer (for example "1.0.0").
#ifndef TP_PLUGIN_SDK_REQUIRED_API_VERSION
#define TP_PLUGIN_SDK_REQUIRED_API_VERSION TP_PLUGIN_API_VERSION_STRING
#endif

namespace touchpoint::plugin {

// Writes to the host's log. Cheap to copy; valid until the plugin instance is destroyed.
class Logger {
 public:
  Logger() = default;
  Logger(tp_owner_t* owner, tp_plugin_log_fn fn) : owner_(owner), fn_(fn) {}

  void debug(std::string_view msg) const noexcept { log(TP_PLUGIN_LOG_DEBUG, msg); }
  void info(std::string_view msg) const noexcept { log(TP_PLUGIN_LOG_INFO, msg); }
  void warning(std::string_view msg) const noexcept { log(TP_PLUGIN_LOG_WARNING, msg); }
  void error(std::string_view msg) const noexcept { log(TP_PLUGIN_LOG_ERROR, msg); }

  void log(int severity, std::string_view msg) const noexcept {
    if (fn_ == nullptr) return;
    try {
      const std::string line(msg);  // NUL-terminated copy
      fn_(owner_, severity, line.c_str());
    } catch (...) {  // out of memory: the line is lost, the plugin carries on
    }
  }

 private:
  tp_owner_t* owner_ = nullptr;
  tp_plugin_log_fn fn_ = nullptr;
};

// One interaction, read-only. Absent strings are empty; absent numbers are std::nullopt.
// Every string_view is valid only during the tag() call that received it.
struct Interaction {
  std::string_view id, source, type;  // type: "message", "page", "track", "identify", "feedback", "handoff"
  std::string_view customer;          // resolved customer key (customer id, else anonymous id); may be empty
  std::string_view anonymous_id, session_id;
  int64_t timestamp_ms = 0;
  std::string_view channel;
  std::string_view role;  // "user", "bot", "agent"; empty when the sender gave none
  std::string_view text, intent;
  std::optional<double> confidence;
  std::optional<bool> fallback, escalated;
  std::optional<int> rating;  // 1..5
  std::string_view url, name;
  std::string_view properties_json, traits_json;  // compact JSON objects; empty when absent
  std::optional<double> sentiment;                // what is known so far (the sender's, or an earlier plugin's)
  std::string_view persona, stage, touchpoint;    // tags decided so far; empty when not decided
  const tp_interaction* raw = nullptr;            // the C struct, for fields newer than this SDK
};

// What the plugin decides. Everything starts empty ("no opinion"); set only what you know.
struct Tags {
  std::string persona, stage, touchpoint;  // journey ids
  std::optional<double> sentiment;         // -1..1
  std::vector<std::string> pain;           // lower-case a-z0-9_ reasons, at most TP_PLUGIN_MAX_PAIN

  void add_pain(std::string reason) {
    for (const auto& p : pain)
      if (p == reason) return;
    pain.push_back(std::move(reason));
  }
  void clear() {
    persona.clear();
    stage.clear();
    touchpoint.clear();
    sentiment.reset();
    pain.clear();
  }
};

namespace detail {

inline std::string_view sv(const char* s) { return s == nullptr ? std::string_view() : std::string_view(s); }

inline Interaction view(const tp_interaction& c) {
  Interaction i;
  i.raw = &c;
  i.id = sv(c.id);
  i.source = sv(c.source);
  i.type = sv(c.type);
  i.customer = sv(c.customer);
  i.anonymous_id = sv(c.anonymous_id);
  i.session_id = sv(c.session_id);
  i.timestamp_ms = c.timestamp_ms;
  i.channel = sv(c.channel);
  i.role = sv(c.role);
  i.text = sv(c.text);
  i.intent = sv(c.intent);
  if (c.has_confidence) i.confidence = c.confidence;
  if (c.fallback >= 0) i.fallback = c.fallback != 0;
  if (c.escalated >= 0) i.escalated = c.escalated != 0;
  if (c.rating > 0) i.rating = c.rating;
  i.url = sv(c.url);
  i.name = sv(c.name);
  i.properties_json = sv(c.properties_json);
  i.traits_json = sv(c.traits_json);
  if (c.has_sentiment) i.sentiment = c.sentiment;
  i.persona = sv(c.persona);
  i.stage = sv(c.stage);
  i.touchpoint = sv(c.touchpoint);
  return i;
}

// init(config, logger), init(config) or no init at all; a member named init that fits neither is an error.
// Traits are named as the standard library names them (std::is_same).
// NOLINTBEGIN(readability-identifier-naming)
template <class P, class = void>
struct has_init2 : std::false_type {};
template <class P>
struct has_init2<P, std::void_t<decltype(std::declval<P&>().init(std::declval<const std::string&>(),
                                                                  std::declval<Logger&>()))>>
    : std::true_type {};
template <class P, class = void>
struct has_init1 : std::false_type {};
template <class P>
struct has_init1<P, std::void_t<decltype(std::declval<P&>().init(std::declval<const std::string&>()))>>
    : std::true_type {};
template <class P, class = void>
struct has_member_init : std::false_type {};
template <class P>
struct has_member_init<P, std::void_t<decltype(&P::init)>> : std::true_type {};
// NOLINTEND(readability-identifier-naming)

// The C-side state: the plugin object plus what the SDK must keep alive between calls.
template <class P>
struct State {
  Logger logger;
  std::optional<P> plugin;  // constructed inside init's try block, so constructor errors are reported
  Tags tags;                // the last tag() result; out's strings point into it until the next call
  std::string last_error;
};

template <class P>
void set_error(State<P>& s, const char* what) noexcept {
  try {
    s.last_error = (what != nullptr && *what != '\0') ? what : "unknown error";
  } catch (...) {
    s.last_error.clear();  // out of memory; clear() never throws
  }
}

template <class P>
tp_plugin_rc fail_current(State<P>& s) noexcept {
  try {
    throw;
  } catch (const std::exception& e) {
    set_error(s, e.what());
  } catch (...) {
    set_error(s, "unknown exception (not derived from std::exception)");
  }
  return TP_PLUGIN_FAILURE;
}

template <class P>
tp_plugin_t* init(const tp_plugin_init_input* in, tp_plugin_rc* rc) noexcept {
  if (rc == nullptr) return nullptr;
  *rc = TP_PLUGIN_INVALID_ARGUMENT;
  if (in == nullptr) return nullptr;
  auto* s = new (std::nothrow) State<P>();
  if (s == nullptr) {
    *rc = TP_PLUGIN_FAILURE;
    return nullptr;
  }
  s->logger = Logger(in->owner, in->log);
  try {
    static_assert(has_init2<P>::value || has_init1<P>::value || !has_member_init<P>::value,
                  "TP_PLUGIN: init must be init(const std::string& config_json, Logger&) or "
                  "init(const std::string& config_json)");
    s->plugin.emplace();
    const std::string config = in->config_json != nullptr ? in->config_json : "{}";
    if constexpr (has_init2<P>::value) {
      s->plugin->init(config, s->logger);
    } else if constexpr (has_init1<P>::value) {
      s->plugin->init(config);
    }
    *rc = TP_PLUGIN_SUCCESS;
  } catch (...) {
    *rc = fail_current(*s);
  }
  return reinterpret_cast<tp_plugin_t*>(s);
}

template <class P>
void destroy(tp_plugin_t* p) noexcept {
  delete reinterpret_cast<State<P>*>(p);
}

template <class P>
const char* last_error(tp_plugin_t* p) noexcept {
  return p == nullptr ? "no plugin state" : reinterpret_cast<State<P>*>(p)->last_error.c_str();
}

template <class P>
tp_plugin_rc tag(tp_plugin_t* p, const tp_interaction* in, tp_tags_out* out) noexcept {
  if (p == nullptr) return TP_PLUGIN_INVALID_ARGUMENT;
  auto& s = *reinterpret_cast<State<P>*>(p);
  s.last_error.clear();
  if (in == nullptr || out == nullptr || !s.plugin) {
    set_error(s, "tag() called with a null argument or on a state whose init failed");
    return TP_PLUGIN_INVALID_ARGUMENT;
  }
  if (!TP_PLUGIN_HAS_FIELD(out, tp_tags_out, pain)) {
    set_error(s, "the host's tp_tags_out is smaller than API 1.0.0 defines");
    return TP_PLUGIN_INVALID_ARGUMENT;
  }
  try {
    s.tags.clear();
    s.plugin->tag(view(*in), s.tags);
    const Tags& t = s.tags;
    if (t.pain.size() > TP_PLUGIN_MAX_PAIN)
      throw std::length_error("at most " + std::to_string(TP_PLUGIN_MAX_PAIN) +
                              " pain reasons per interaction, got " + std::to_string(t.pain.size()));
    out->persona = t.persona.empty() ? nullptr : t.persona.c_str();
    out->stage = t.stage.empty() ? nullptr : t.stage.c_str();
    out->touchpoint = t.touchpoint.empty() ? nullptr : t.touchpoint.c_str();
    out->has_sentiment = t.sentiment.has_value() ? 1 : 0;
    out->sentiment = t.sentiment.value_or(0.0);
    out->pain_count = static_cast<uint32_t>(t.pain.size());
    for (size_t i = 0; i < t.pain.size(); ++i) out->pain[i] = t.pain[i].c_str();
    return TP_PLUGIN_SUCCESS;
  } catch (...) {
    return fail_current(s);
  }
}

}  // namespace detail
}  // namespace touchpoint::plugin

// Exports `Class` as a plugin: defines the eight tp_plugin_* functions of plugin_api.h. Use once per
// shared library, at namespace scope, followed by a semicolon. NAME, VERSION and DESCRIPTION are string
// literals.
#define TP_PLUGIN(Class, NAME, VERSION, DESCRIPTION)                                                    \
  extern "C" {                                                                                          \
  TP_PLUGIN_EXPORT const char* tp_plugin_get_required_api_version(void) {                               \
    return TP_PLUGIN_SDK_REQUIRED_API_VERSION;                                                          \
  }                                                                                                     \
  TP_PLUGIN_EXPORT const char* tp_plugin_get_name(void) { return NAME; }                                \
  TP_PLUGIN_EXPORT const char* tp_plugin_get_version(void) { return VERSION; }                          \
  TP_PLUGIN_EXPORT const char* tp_plugin_get_description(void) { return DESCRIPTION; }                  \
  TP_PLUGIN_EXPORT tp_plugin_t* tp_plugin_init(const tp_plugin_init_input* in, tp_plugin_rc* rc) {      \
    return ::touchpoint::plugin::detail::init<Class>(in, rc);                                           \
  }                                                                                                     \
  TP_PLUGIN_EXPORT void tp_plugin_destroy(tp_plugin_t* s) { ::touchpoint::plugin::detail::destroy<Class>(s); } \
  TP_PLUGIN_EXPORT const char* tp_plugin_get_last_error(tp_plugin_t* s) {                               \
    return ::touchpoint::plugin::detail::last_error<Class>(s);                                          \
  }                                                                                                     \
  TP_PLUGIN_EXPORT tp_plugin_rc tp_plugin_tag(tp_plugin_t* s, const tp_interaction* in, tp_tags_out* out) { \
    return ::touchpoint::plugin::detail::tag<Class>(s, in, out);                                        \
  }                                                                                                     \
  }                                                                                                     \
  static_assert(std::is_default_constructible_v<Class>, "TP_PLUGIN: the plugin class needs a default constructor")
