#include "engine/plugin_output.h"

#include <cmath>
#include <cstring>
#include <memory>

namespace tp {

namespace {

// A string the plugin handed back, read with a bound: at most max_bytes + 1 bytes, so an over-long value
// is recognisable by its size. nullopt for NULL.
std::optional<std::string> copy_out(const char* s, size_t max_bytes) {
  if (s == nullptr) return std::nullopt;
  return std::string(s, strnlen(s, max_bytes + 1));
}

// A refused value as a log shows it: quoted, cut and stripped of control characters.
std::string shown(const std::string& value) {
  return "\"" + sanitize_plugin_text(value.c_str(), 80) + "\"";
}

}  // namespace

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

PluginAnswer copy_plugin_answer(const tp_tags_out& out) {
  PluginAnswer a;
  a.persona = copy_out(out.persona, kMaxPluginIdBytes);
  a.stage = copy_out(out.stage, kMaxPluginIdBytes);
  a.touchpoint = copy_out(out.touchpoint, kMaxPluginIdBytes);
  if (out.has_sentiment) a.sentiment = out.sentiment;
  a.pain_count = out.pain_count;
  const uint32_t n = out.pain_count < TP_PLUGIN_MAX_PAIN ? out.pain_count : TP_PLUGIN_MAX_PAIN;
  for (uint32_t i = 0; i < n; ++i) {
    auto p = copy_out(out.pain[i], kMaxPluginPainBytes);
    a.pain.push_back(p ? std::move(*p) : std::string());
  }
  return a;
}

bool plugin_id_ok(PluginTagKind kind, const std::string& id, const PluginIdValidator& validate) {
  if (id.empty() || id.size() > kMaxPluginIdBytes) return false;
  if (sanitize_plugin_text(id.c_str(), kMaxPluginIdBytes) != id)
    return false;  // control characters, bad UTF-8
  return !validate || validate(kind, id);
}

bool valid_plugin_pain_reason(const std::string& r) {
  if (r.empty() || r.size() > kMaxPluginPainBytes) return false;
  for (const char c : r)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

std::optional<double> current_sentiment(const std::optional<double>& sender, const TagSet& tags) {
  return tags.sentiment ? tags.sentiment : sender;
}

PluginRefusals merge_plugin_answer(const PluginAnswer& answer, const std::optional<double>& sender_sentiment,
                                   const PluginIdValidator& validate, TagSet& tags) {
  PluginRefusals refused;
  const auto refuse = [&](const std::string& what) {
    ++refused.count;
    refused.description += (refused.description.empty() ? "" : "; ") + what;
  };
  const auto one = [&](PluginTagKind kind, const char* what, const std::optional<std::string>& value,
                       std::string& tag, TagOrigin& origin) {
    if (!value) return;
    if (!plugin_id_ok(kind, *value, validate)) {
      refuse(std::string("unknown ") + what + " id " + shown(*value));
      return;
    }
    if (origin == TagOrigin::None && tag.empty()) {
      tag = *value;
      origin = TagOrigin::Plugin;
    }
  };
  one(PluginTagKind::Persona, "persona", answer.persona, tags.persona, tags.persona_origin);
  one(PluginTagKind::Stage, "stage", answer.stage, tags.stage, tags.stage_origin);
  one(PluginTagKind::Touchpoint, "touchpoint", answer.touchpoint, tags.touchpoint, tags.touchpoint_origin);
  if (answer.sentiment) {
    const double v = *answer.sentiment;
    if (!std::isfinite(v) || v < -1.0 || v > 1.0) {
      refuse("sentiment " + std::to_string(v) + " is outside -1..1");
    } else if (!current_sentiment(sender_sentiment, tags)) {
      tags.sentiment = v;
      tags.sentiment_origin = TagOrigin::Plugin;
    }
  }
  if (answer.pain_count > TP_PLUGIN_MAX_PAIN)
    refuse(std::to_string(answer.pain_count) + " pain reasons (at most " +
           std::to_string(TP_PLUGIN_MAX_PAIN) + " are read)");
  for (const auto& reason : answer.pain) {
    if (valid_plugin_pain_reason(reason))
      tags.add_pain(reason);
    else
      refuse("invalid pain reason " + shown(reason) + " (a-z, 0-9 and '_', at most 64 bytes)");
  }
  return refused;
}

}  // namespace tp
