#include "ingest/adapters/adapter_util.h"

#include <openssl/evp.h>

#include <array>
#include <charconv>
#include <cmath>
#include <string>

#include "util/text.h"
#include "util/time.h"

namespace tp::adapters {

const json* member(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  const auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

const json* at_path(const json& obj, std::initializer_list<std::string_view> keys) {
  const json* cur = &obj;
  for (const auto key : keys) {
    cur = member(*cur, key);
    if (!cur) return nullptr;
  }
  return cur;
}

std::optional<std::string> id_text(const json* v) {
  if (!v) return std::nullopt;
  if (v->is_string()) {
    const auto& s = v->get_ref<const std::string&>();
    if (s.empty() || s.size() > kMaxIdBytes) return std::nullopt;
    return s;
  }
  if (v->is_number_integer()) return v->dump();
  return std::nullopt;
}

std::optional<std::string> first_id(const json& obj,
                                    std::initializer_list<std::initializer_list<std::string_view>> paths) {
  for (const auto& keys : paths)
    if (auto id = id_text(at_path(obj, keys))) return id;
  return std::nullopt;
}

std::optional<std::string> string_value(const json* v) {
  if (!v || !v->is_string()) return std::nullopt;
  return v->get_ref<const std::string&>();
}

// ---- FieldReader ----

std::string FieldReader::name(std::string_view field) const {
  std::string out = prefix_;
  if (!field.empty())
    out.append(field);
  else if (!out.empty() && out.back() == '.')
    out.pop_back();
  return out;
}

void FieldReader::fail(std::string_view field, std::string error) {
  errors_.push_back({name(field), std::move(error)});
}

void FieldReader::missing(std::string_view field, std::string_view what) {
  fail(field, std::string(what));
}

std::optional<std::string> FieldReader::text(const json* v, std::string_view field, bool required) {
  if (!v) {
    if (required) missing(field);
    return std::nullopt;
  }
  if (!v->is_string()) {
    fail(field, "must be a string");
    return std::nullopt;
  }
  return truncate_utf8(v->get_ref<const std::string&>(), kMaxTextBytes);
}

std::optional<std::string> FieldReader::id(const json* v, std::string_view field, bool required) {
  if (!v) {
    if (required) missing(field);
    return std::nullopt;
  }
  if (v->is_number_integer()) return v->dump();
  if (!v->is_string()) {
    fail(field, "must be a string");
    return std::nullopt;
  }
  const auto& s = v->get_ref<const std::string&>();
  if (s.empty()) {
    fail(field, "must not be empty");
    return std::nullopt;
  }
  if (s.size() > kMaxIdBytes) {
    fail(field, "is longer than " + std::to_string(kMaxIdBytes) + " bytes");
    return std::nullopt;
  }
  return s;
}

namespace {

std::optional<double> parse_double(std::string_view s) {
  double d = 0;
  const auto* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, d);
  if (ec != std::errc() || ptr != end || s.empty()) return std::nullopt;
  return d;
}

std::string format_bound(double d) {
  if (d == std::trunc(d)) return std::to_string(static_cast<long long>(d));
  return json(d).dump();
}

}  // namespace

std::optional<double> FieldReader::number(const json* v, std::string_view field, double lo, double hi) {
  if (!v) return std::nullopt;
  std::optional<double> d;
  if (v->is_number())
    d = v->get<double>();
  else if (v->is_string())
    d = parse_double(v->get_ref<const std::string&>());
  if (!d || !std::isfinite(*d) || *d < lo || *d > hi) {
    fail(field, "must be a number from " + format_bound(lo) + " to " + format_bound(hi));
    return std::nullopt;
  }
  return d;
}

std::optional<bool> FieldReader::boolean(const json* v, std::string_view field) {
  if (!v) return std::nullopt;
  if (!v->is_boolean()) {
    fail(field, "must be true or false");
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<int64_t> FieldReader::time_ms(const json* v, std::string_view field) {
  if (!v) return std::nullopt;
  std::optional<int64_t> ms;
  if (v->is_number())
    ms = epoch_to_ms(v->get<double>());
  else if (v->is_string())
    ms = parse_rfc3339_ms(v->get_ref<const std::string&>());
  if (!ms) fail(field, "must be an RFC 3339 date-time or a Unix time");
  return ms;
}

const json* FieldReader::object(const json* v, std::string_view field, bool required) {
  if (!v) {
    if (required) missing(field);
    return nullptr;
  }
  if (!v->is_object()) {
    fail(field, "must be an object");
    return nullptr;
  }
  return v;
}

const json* FieldReader::array(const json* v, std::string_view field, bool required) {
  if (!v) {
    if (required) missing(field);
    return nullptr;
  }
  if (!v->is_array()) {
    fail(field, "must be an array");
    return nullptr;
  }
  return v;
}

// ---- ids, times, paths ----

std::string make_id(std::string_view prefix, std::initializer_list<std::string_view> parts) {
  std::string out(prefix);
  for (const auto part : parts) {
    out.push_back(':');
    out.append(part);
  }
  if (out.size() <= kMaxIdBytes) return out;
  return std::string(prefix) + ":sha256:" + sha256_hex(out);
}

std::optional<int64_t> epoch_to_ms(double value) {
  if (!std::isfinite(value) || value < 0) return std::nullopt;
  const double ms = value > 1e11 ? value : value * 1000.0;
  constexpr double kMaxMs = 253402300799999.0;  // 9999-12-31T23:59:59.999Z
  if (ms > kMaxMs) return std::nullopt;
  return static_cast<int64_t>(std::floor(ms));
}

std::string last_segment(std::string_view path) {
  const auto slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string segment_after(std::string_view path, std::string_view key) {
  const std::string needle = "/" + std::string(key) + "/";
  auto pos = path.find(needle);
  if (pos == std::string_view::npos) {
    // The path may also start with the key ("users/u1/...").
    if (path.substr(0, key.size() + 1) != std::string(key) + "/") return "";
    pos = 0;
  } else {
    pos += 1;
  }
  const auto start = pos + key.size() + 1;
  const auto end = path.find('/', start);
  return std::string(
      path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
}

std::string ascii_lower_copy(std::string_view s) {
  return ascii_lower(s);
}

bool contains_ci(std::string_view haystack, std::string_view needle) {
  return ascii_lower(haystack).find(ascii_lower(needle)) != std::string::npos;
}

// ---- HTML to text ----

namespace {

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

void append_utf8(std::string& out, uint32_t cp) {
  tp::append_utf8(static_cast<char32_t>(cp), out);
}

// Decodes the entity starting at html[i] == '&'; returns the number of bytes consumed (0: not an entity).
size_t decode_entity(std::string_view html, size_t i, std::string& out) {
  // Entities are short: look for the ';' within the next few bytes only (a body of '&'s stays linear).
  const auto window = html.substr(i + 1, 10);
  const auto rel = window.find(';');
  if (rel == std::string_view::npos) return 0;
  const size_t semi = i + 1 + rel;
  const std::string_view name = html.substr(i + 1, semi - i - 1);
  const size_t used = semi - i + 1;
  if (name == "amp")
    out.push_back('&');
  else if (name == "lt")
    out.push_back('<');
  else if (name == "gt")
    out.push_back('>');
  else if (name == "quot")
    out.push_back('"');
  else if (name == "apos")
    out.push_back('\'');
  else if (name == "nbsp")
    out.push_back(' ');
  else if (name.size() >= 2 && name[0] == '#') {
    const bool hex = name[1] == 'x' || name[1] == 'X';
    const std::string_view digits = name.substr(hex ? 2 : 1);
    uint32_t cp = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
    if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size()) return 0;
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    append_utf8(out, cp);
  } else {
    return 0;
  }
  return used;
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// The first position >= from where `needle` (lower-case) occurs in `s`, ignoring ASCII case.
size_t find_ci(std::string_view s, std::string_view needle, size_t from) {
  if (needle.empty() || s.size() < needle.size()) return std::string_view::npos;
  for (size_t i = from; i + needle.size() <= s.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && lower(s[i + k]) == needle[k]) ++k;
    if (k == needle.size()) return i;
  }
  return std::string_view::npos;
}

bool is_block_tag(std::string_view tag) {
  static constexpr std::string_view kBlocks[] = {"br", "p",  "div", "li", "tr", "h1",    "h2",  "h3",
                                                 "h4", "h5", "h6",  "ul", "ol", "table", "pre", "blockquote"};
  for (const auto b : kBlocks)
    if (tag == b) return true;
  return false;
}

// Collapses runs of spaces and tabs, trims every line and drops empty lines.
std::string normalise_whitespace(std::string_view raw) {
  std::string out;
  std::string line;
  auto flush = [&] {
    while (!line.empty() && line.back() == ' ') line.pop_back();
    if (!line.empty()) {
      if (!out.empty()) out.push_back('\n');
      out += line;
    }
    line.clear();
  };
  for (const char c : raw) {
    if (c == '\n') {
      flush();
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      if (!line.empty() && line.back() != ' ') line.push_back(' ');
    } else {
      line.push_back(c);
    }
  }
  flush();
  return out;
}

}  // namespace

std::string html_to_text(std::string_view html) {
  std::string raw;
  raw.reserve(html.size());
  size_t i = 0;
  while (i < html.size()) {
    const char c = html[i];
    if (c == '&') {
      const size_t used = decode_entity(html, i, raw);
      if (used == 0) {
        raw.push_back('&');
        ++i;
      } else {
        i += used;
      }
      continue;
    }
    if (c != '<' || i + 1 >= html.size()) {
      raw.push_back(c);
      ++i;
      continue;
    }
    const char next = html[i + 1];
    if (html.substr(i, 4) == "<!--") {
      const auto end = html.find("-->", i + 4);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    if (!is_alpha(next) && next != '/' && next != '!' && next != '?') {
      raw.push_back(c);  // "a < b": not a tag
      ++i;
      continue;
    }
    const auto close = html.find('>', i + 1);
    if (close == std::string_view::npos) {  // an unterminated tag: keep the rest as text
      raw.append(html.substr(i));
      break;
    }
    size_t n = i + 1 + (next == '/' ? 1 : 0);
    const size_t name_start = n;
    while (n < close && (is_alpha(html[n]) || (html[n] >= '0' && html[n] <= '9'))) ++n;
    const std::string tag = ascii_lower(html.substr(name_start, n - name_start));
    i = close + 1;
    if (next != '/' && (tag == "script" || tag == "style")) {
      // Drop everything up to the matching end tag (case-insensitively), without copying the rest.
      const auto end = find_ci(html, "</" + tag, i);
      if (end == std::string_view::npos) break;
      const auto end_close = html.find('>', end);
      i = end_close == std::string_view::npos ? html.size() : end_close + 1;
      continue;
    }
    if (is_block_tag(tag)) raw.push_back('\n');
  }
  return truncate_utf8(normalise_whitespace(raw), kMaxTextBytes);
}

// ---- interactions ----

std::string properties_text(json object) {
  if (!object.is_object()) return "";
  json kept = json::object();
  for (auto& [key, value] : object.items()) {
    if (value.is_null()) continue;
    if (value.is_string())
      kept[key] = truncate_utf8(value.get_ref<const std::string&>(), kMaxPropertyBytes);
    else
      kept[key] = std::move(value);
  }
  if (kept.empty()) return "";
  return kept.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool finish(const Interaction& in, FieldReader& r, std::string_view identity_field) {
  bool ok = true;
  if (in.id.empty()) {
    r.missing("id", "is required (the idempotency key)");
    ok = false;
  }
  if (in.customer_id.empty() && in.anonymous_id.empty()) {
    r.missing(identity_field, "is required (the platform's user id)");
    ok = false;
  }
  return ok;
}

std::optional<std::string> webhook_id_key(const AdapterContext& ctx, size_t index, size_t count) {
  if (ctx.webhook_id.empty() || ctx.webhook_id.size() > kMaxIdBytes - 16) return std::nullopt;
  if (count <= 1) return ctx.webhook_id;
  return ctx.webhook_id + ":" + std::to_string(index);
}

Interaction bot_turn(const Interaction& customer_turn, std::string id, EventType type, std::string text) {
  Interaction bot = customer_turn;
  bot.id = std::move(id);
  bot.type = type;
  bot.role = Role::Bot;
  bot.text = std::move(text);
  bot.name.clear();
  bot.confidence.reset();
  bot.sentiment.reset();
  bot.fallback.reset();
  return bot;
}

std::optional<std::string> envelope_event(const json& payload, std::string_view what_body,
                                          std::string_view field, AdapterOutput& out) {
  FieldReader r(out.errors, "");
  if (!payload.is_object()) {
    r.fail("", std::string(what_body) + " must be a JSON object");
    out.rejected = 1;
    return std::nullopt;
  }
  auto name = r.text(member(payload, std::string(field)), field, true);
  if (r.failed()) {
    out.rejected = 1;
    return std::nullopt;
  }
  return name;
}

void push_interaction(AdapterOutput& out, Interaction in, FieldReader& r, std::string_view platform,
                      std::string_view channel, std::string_view identity_field, json props) {
  props["platform"] = platform;
  in.channel = channel;
  in.properties_json = properties_text(std::move(props));
  if (!finish(in, r, identity_field)) {
    ++out.rejected;
    return;
  }
  out.interactions.push_back(std::move(in));
}

}  // namespace tp::adapters
