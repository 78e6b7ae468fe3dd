// What any interaction an ingest path produces must satisfy, whatever the input: what the store, the engine
// and the read API count on (src/model/interaction.h, the adapter guarantees in ingest/adapters/adapter.h).
#pragma once
#include <cmath>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>

#include "fuzz_check.h"
#include "model/field_error.h"
#include "model/interaction.h"

namespace tp::fuzz {

inline constexpr size_t kMaxIdBytes = 512;
inline constexpr size_t kMaxStringBytes = size_t{16} * 1024;

// Kept JSON text is a compact object, or nothing.
inline bool object_text(const std::string& text) {
  if (text.empty()) return true;
  const auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return doc.is_object();
}

inline void check_interaction(const Interaction& in) {
  FUZZ_CHECK(!in.id.empty() && in.id.size() <= kMaxIdBytes);
  FUZZ_CHECK(!in.customer_id.empty() || !in.anonymous_id.empty());
  for (const std::string* s :
       {&in.id, &in.customer_id, &in.anonymous_id, &in.session_id, &in.channel, &in.text, &in.intent, &in.url,
        &in.name, &in.preset_tags.persona, &in.preset_tags.stage, &in.preset_tags.touchpoint}) {
    FUZZ_CHECK(s->size() <= kMaxStringBytes);
    FUZZ_CHECK(valid_utf8(*s));
  }
  for (const auto& alias : in.extra_aliases) FUZZ_CHECK(valid_utf8(alias) && alias.size() <= kMaxStringBytes);
  FUZZ_CHECK(object_text(in.properties_json));
  FUZZ_CHECK(object_text(in.traits_json));
  if (in.confidence) FUZZ_CHECK(*in.confidence >= 0 && *in.confidence <= 1);
  if (in.sentiment) FUZZ_CHECK(*in.sentiment >= -1 && *in.sentiment <= 1);
  if (in.rating) FUZZ_CHECK(*in.rating >= 1 && *in.rating <= 5);
}

// Every error names what it is about in words; a field may be "" only for the event as a whole.
inline void check_errors(const FieldErrors& errors) {
  for (const auto& e : errors) {
    FUZZ_CHECK(!e.error.empty());
    FUZZ_CHECK(valid_utf8(e.field) && valid_utf8(e.error));
  }
}

}  // namespace tp::fuzz
