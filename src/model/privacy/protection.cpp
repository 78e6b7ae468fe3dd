#include "model/privacy/protection.h"

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>

#include "model/privacy/pseudonyms.h"
#include "util/text.h"

namespace tp {

using json = nlohmann::json;

namespace {

// The keys under which senders put a customer's or visitor's id (canonical, Segment).
constexpr std::string_view kIdKeys[] = {"customer_id", "anonymous_id", "userId", "anonymousId", "previousId"};

// The traits and properties the config names as ids. Each is stored the way ids are (hashed_traits hashed;
// with a pseudonym key, every one as its pseudonym, so no id the operator declared sits in the stored
// traits as sent), and linked in that form to the event's customer, when it has one.
void link_identities(Interaction& in, const PrivacyOptions& p) {
  const std::string& key = p.pseudonym_key;
  if (in.customer_id.empty() && p.hashed_traits.empty() && key.empty()) return;
  auto scan = [&](std::string& object_json, const std::vector<std::string>& names, bool hash,
                  const std::vector<std::string>& skip) {
    if (names.empty() || object_json.empty()) return;
    json obj = json::parse(object_json, nullptr, false);
    if (!obj.is_object()) return;
    bool changed = false;
    for (const auto& name : names) {
      if (std::find(skip.begin(), skip.end(), name) != skip.end()) continue;  // hashed already
      auto it = obj.find(name);
      if (it == obj.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) continue;
      std::string alias = it->get<std::string>();
      if (hash) alias = hashed_identity(alias);
      if (!key.empty()) alias = pseudonymize(alias, key);
      if (hash || !key.empty()) {
        *it = alias;  // the value is only ever stored in this form
        changed = true;
      }
      if (!in.customer_id.empty()) in.extra_aliases.push_back(alias);
    }
    if (changed) object_json = obj.dump(-1, ' ', false, json::error_handler_t::replace);
  };
  scan(in.traits_json, p.hashed_traits, true, {});
  scan(in.traits_json, p.link_traits, false, p.hashed_traits);
  scan(in.properties_json, p.link_properties, false, {});
}

// Where to cut text before redacting it, so that only about what is kept is redacted (a 1 MiB body took
// 0.19 s to redact whole) and no address or number is cut in half (its half would no longer be
// recognised: "jane.doe@exa" is no address). Just before a character no redacted span holds, found in
// the kMargin bytes after `keep`; failing that at `keep`, where a number's part is still redacted when
// it has digits enough. Text after a number only ever keeps it from being redacted (a currency, a
// decimal part), so cutting it off errs on the safe side.
size_t redaction_cut(std::string_view text, size_t keep) {
  constexpr size_t kMargin = 256;  // longer than any phone, card or IBAN number as written
  if (text.size() <= keep) return text.size();
  for (size_t i = std::min(text.size(), keep + kMargin); i-- > keep;) {
    switch (text[i]) {
      case '"':
      case ',':
      case ';':
      case '<':
      case '>':
      case '[':
      case ']':
      case '{':
      case '}':
      case '\n':
      case '\r':
        return i;
      default:
        break;
    }
  }
  return utf8_prefix_bytes(text, keep);
}
}  // namespace

void protect(Interaction& in, const PrivacyOptions& options) {
  link_identities(in, options);
  if (options.redact) {
    in.text = redact(in.text, options.kinds);
    if (!in.name.empty()) in.name = redact(in.name, options.kinds);
  }
  if (!options.pseudonym_key.empty()) {
    if (!in.customer_id.empty()) in.customer_id = pseudonymize(in.customer_id, options.pseudonym_key);
    if (!in.anonymous_id.empty()) in.anonymous_id = pseudonymize(in.anonymous_id, options.pseudonym_key);
    // extra_aliases are in their stored form already (link_identities).
  }
}

std::string protect_raw(std::string_view raw, const PrivacyOptions& options, size_t max_bytes) {
  std::string text(raw);
  const std::string& key = options.pseudonym_key;
  // Only text within the nesting limit is parsed: the walk below recurses, and a body refused for its
  // depth (a 400 whose raw text lands here) could otherwise exhaust the stack.
  if (!key.empty() && json_nesting_depth(text, kMaxJsonDepth) <= kMaxJsonDepth) {
    json doc = json::parse(text, nullptr, false);
    if (!doc.is_discarded()) {
      const auto listed = [](const std::vector<std::string>& names, const std::string& k) {
        return std::find(names.begin(), names.end(), k) != names.end();
      };
      bool changed = false;
      const std::function<void(json&)> walk = [&](json& j) {
        if (j.is_array()) {
          for (auto& v : j) walk(v);
          return;
        }
        if (!j.is_object()) return;
        for (auto it = j.begin(); it != j.end(); ++it) {
          const std::string& k = it.key();
          if (it->is_string() && !it->get_ref<const std::string&>().empty()) {
            const std::string& v = it->get_ref<const std::string&>();
            if (listed(options.hashed_traits, k)) {
              *it = pseudonymize(is_id_hash(v) ? v : hashed_identity(v), key);
              changed = true;
            } else if (std::find(std::begin(kIdKeys), std::end(kIdKeys), k) != std::end(kIdKeys) ||
                       listed(options.link_traits, k) || listed(options.link_properties, k)) {
              if (!is_pseudonym(v)) *it = pseudonymize(v, key);
              changed = true;
            }
          } else {
            walk(*it);
          }
        }
      };
      walk(doc);
      if (changed) text = doc.dump(-1, ' ', false, json::error_handler_t::replace);
    }
  }
  if (options.redact) {
    text.resize(redaction_cut(text, max_bytes));
    text = redact(text, options.kinds);
  }
  return truncate_utf8(text, max_bytes);
}

bool is_suppressed(const SuppressionList& list, const Interaction& in) {
  if (list.size() == 0) return false;
  if (list.contains_id(in.customer_id) || list.contains_id(in.anonymous_id)) return true;
  for (const auto& a : in.extra_aliases)
    if (list.contains_id(a)) return true;
  return false;
}

}  // namespace tp
