// Shared helpers for the platform adapters: JSON access that never throws, field readers that collect errors
// named after the platform's fields, bounded strings, stable ids, times, HTML to text.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "ingest/adapters/adapter.h"
#include "model/field_error.h"
#include "model/interaction.h"
#include "util/text.h"

namespace tp::adapters {

using json = nlohmann::json;

inline constexpr size_t kMaxTextBytes = size_t{16} * 1024;  // InteractionLimits::max_string_bytes
inline constexpr size_t kMaxIdBytes = 512;                  // the canonical id limit (and identity fields)
inline constexpr size_t kMaxPropertyBytes = 256;            // each string kept in properties_json

// obj[key] when obj is an object holding key with a non-null value; nullptr otherwise.
const json* member(const json& obj, std::string_view key);
// Walks nested objects; nullptr as soon as a step is absent, null or not an object.
const json* at_path(const json& obj, std::initializer_list<std::string_view> keys);
// A string or an integer as text (platform ids are either); nullopt for anything else or an empty string.
std::optional<std::string> id_text(const json* v);
// The first of `paths` (each a list of nested keys) holding a string or integer id; nullopt when none does.
std::optional<std::string> first_id(const json& obj,
                                    std::initializer_list<std::initializer_list<std::string_view>> paths);
// A string value, or nullopt.
std::optional<std::string> string_value(const json* v);

// Reads fields of one platform event, adding an error per problem. Absent or null: nullopt and no error
// (unless required). `prefix` names the event inside the payload ("events[3]."), "" for a single event.
class FieldReader {
 public:
  FieldReader(FieldErrors& errors, std::string prefix) : errors_(errors), prefix_(std::move(prefix)) {}

  void fail(std::string_view field, std::string error);
  void missing(std::string_view field, std::string_view what = "is required");
  bool failed() const { return errors_.size() != start_; }
  std::string name(std::string_view field) const;

  // A string, cut at 16 KiB on a UTF-8 boundary.
  std::optional<std::string> text(const json* v, std::string_view field, bool required = false);
  // An identifier: a non-empty string or an integer, at most 512 bytes.
  std::optional<std::string> id(const json* v, std::string_view field, bool required = false);
  // A number (or a numeric string, as proto3 JSON allows) within [lo, hi].
  std::optional<double> number(const json* v, std::string_view field, double lo, double hi);
  std::optional<bool> boolean(const json* v, std::string_view field);
  // RFC 3339 text, or Unix time as a number: seconds, or milliseconds when larger than 10^11.
  std::optional<int64_t> time_ms(const json* v, std::string_view field);
  // An object (for containers the adapter must descend into); a wrong type is an error.
  const json* object(const json* v, std::string_view field, bool required = false);
  const json* array(const json* v, std::string_view field, bool required = false);

 private:
  FieldErrors& errors_;
  std::string prefix_;
  size_t start_ = errors_.size();
};

// A stable idempotency key "<prefix>:<part>:<part>..."; longer than 512 bytes: "<prefix>:sha256:<hex of
// all>".
std::string make_id(std::string_view prefix, std::initializer_list<std::string_view> parts);
using tp::sha256_hex;  // util/text.h

// Unix milliseconds from a JSON number of seconds (or of milliseconds when > 10^11); nullopt when not finite
// or outside years 1970..9999.
std::optional<int64_t> epoch_to_ms(double value);

// The last path segment ("projects/p/agent/sessions/abc" -> "abc"); the whole text when it has no '/'.
std::string last_segment(std::string_view path);
// The segment after "/<key>/" in a resource path ("users" in ".../users/u1/sessions/s" -> "u1"), or "".
std::string segment_after(std::string_view path, std::string_view key);

// HTML (Intercom part bodies) to plain text: tags removed (block tags and <br> become line breaks), script
// and style content and comments dropped, entities &amp; &lt; &gt; &quot; &#39; &apos; &nbsp; and numeric
// ones decoded, blank lines and runs of spaces collapsed. Never fails; a stray '<' is kept as text.
std::string html_to_text(std::string_view html);

std::string ascii_lower_copy(std::string_view s);
bool contains_ci(std::string_view haystack, std::string_view needle);

// Compact properties JSON text from an object of small values: null members dropped, strings cut at 256
// bytes.
std::string properties_text(json object);

// Checks what every stored interaction needs and adds the errors (naming `identity_field` for a missing
// user): id present, customer_id or anonymous_id present. Returns true when `in` can be stored.
bool finish(const Interaction& in, FieldReader& r, std::string_view identity_field);

// The name of the event an envelope carries (the text member `field`), or nullopt with the payload counted
// rejected and the error added: the body is not an object (`what_body` names it in the error), or the member
// is missing or not text.
std::optional<std::string> envelope_event(const json& payload, std::string_view what_body,
                                          std::string_view field, AdapterOutput& out);

// Appends `in` with the platform (in its properties) and channel set, when it has what every stored
// interaction needs (finish()); else counts it rejected.
void push_interaction(AdapterOutput& out, Interaction in, FieldReader& r, std::string_view platform,
                      std::string_view channel, std::string_view identity_field, json props);

// The idempotency key of event `index` when the platform gave none: the verified webhook-id (":<index>" when
// the payload holds several events), or nullopt.
std::optional<std::string> webhook_id_key(const AdapterContext& ctx, size_t index, size_t count);

// The bot's side of a customer's turn (its reply, a hand-off): the same conversation, customer and time,
// with the turn's own scores (confidence, sentiment, fallback) left out.
Interaction bot_turn(const Interaction& customer_turn, std::string id, EventType type, std::string text);

}  // namespace tp::adapters
