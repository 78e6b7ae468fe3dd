// What a native plugin hands back, made safe before the host uses it. Everything a plugin returns is
// untrusted: its strings live in its own memory and need not be terminated, its ids may be unknown, its
// numbers may be anything. This file only copies, checks and merges values; it starts no thread and calls
// no plugin, so it can be tested without loading one (plugin_runtime.h makes the calls, plugin_loader.h
// loads the libraries, plugin_host.h ties them together).
//
// The rules: strings are read with a bound; ids must be 1..128 bytes of clean text and known to the
// validator (the journey); pain reasons must be lower-case a-z0-9_ words of at most 64 bytes; sentiment
// must be a finite number in -1..1; log and error text is truncated and stripped of control characters.
// Whatever is refused is left out of the tags and described, so the host can count and log it.
//
// Precedence: a plugin's persona, stage or touchpoint is applied only when nobody decided that tag yet
// (origin None and empty); its sentiment only when none is known yet (neither tags.sentiment nor the
// sender's own score); its pain reasons are added.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/journey.h"
#include "model/tag_set.h"
#include "touchpoint/plugin_api.h"

namespace tp {

// The longest persona, stage or touchpoint id a plugin may return.
inline constexpr size_t kMaxPluginIdBytes = 128;
// The longest pain reason a plugin may return.
inline constexpr size_t kMaxPluginPainBytes = 64;

enum class PluginTagKind { Persona, Stage, Touchpoint };
// True when `id` is a known id of that kind.
using PluginIdValidator = std::function<bool(PluginTagKind kind, std::string_view id)>;
// Accepts exactly the ids of `journey` (which it copies).
PluginIdValidator journey_id_validator(const Journey& journey);

// What the host does to text that comes from a plugin before logging it: at most max_bytes are read
// (the text need not be NUL-terminated within them), invalid UTF-8 and control characters (C0, DEL, C1,
// bidirectional overrides, line separators) become '?' (tab, CR and LF a space), and a cut text ends
// with " [truncated]". A null pointer gives "".
std::string sanitize_plugin_text(const char* text, size_t max_bytes = 1000);

// What one successful tp_plugin_tag call returned, copied out of the plugin's memory (which it may reuse
// at its next call) but not yet checked. Strings are read with a bound one byte past their limit, so an
// over-long value keeps a size that shows it is too long instead of being silently shortened.
struct PluginAnswer {
  std::optional<std::string> persona, stage, touchpoint;  // nullopt: the plugin returned NULL
  std::optional<double> sentiment;                        // nullopt: has_sentiment was 0
  uint32_t pain_count = 0;        // as reported by the plugin (may exceed TP_PLUGIN_MAX_PAIN)
  std::vector<std::string> pain;  // the first min(pain_count, TP_PLUGIN_MAX_PAIN); a NULL entry is ""
};

// Copies `out` as filled by the plugin. Reads at most TP_PLUGIN_MAX_PAIN pain entries, whatever the plugin
// says it wrote (the array has no more).
PluginAnswer copy_plugin_answer(const tp_tags_out& out);

// True when `id` may be used as a tag of `kind`: 1..kMaxPluginIdBytes bytes that sanitize_plugin_text
// leaves unchanged, and known to `validate` (an empty validator accepts any such id).
bool plugin_id_ok(PluginTagKind kind, const std::string& id, const PluginIdValidator& validate);

// A lower-case a-z, 0-9 and '_' word of 1..kMaxPluginPainBytes bytes.
bool valid_plugin_pain_reason(const std::string& reason);

// The sentiment known so far: what tagging decided, else the sender's own score. A plugin sees it as its
// input and may only set a sentiment when there is none.
std::optional<double> current_sentiment(const std::optional<double>& sender, const TagSet& tags);

// What merge_plugin_answer refused.
struct PluginRefusals {
  uint64_t count = 0;       // refused values (PluginStats::rejected)
  std::string description;  // each of them, "; "-separated, quoted and sanitised for a log line
};

// Merges a plugin's answer into `tags` with the precedence at the top of this file; `sender_sentiment` is
// the interaction's own score. Refused values change nothing and are returned.
PluginRefusals merge_plugin_answer(const PluginAnswer& answer, const std::optional<double>& sender_sentiment,
                                   const PluginIdValidator& validate, TagSet& tags);

}  // namespace tp
