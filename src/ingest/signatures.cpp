#include "ingest/signatures.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "ingest/source_auth.h"
#include "util/json_positions.h"
#include "util/text.h"

namespace tp {
namespace {

using nlohmann::json;

constexpr std::string_view kWhsecPrefix = "whsec_";
constexpr size_t kMaxWebhookIdBytes = 256;
constexpr int64_t kMaxToleranceS = int64_t{24} * 3600;

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // OpenSSL wants a non-null key pointer even for an empty key.
  static const unsigned char kEmpty = 0;
  const void* key_ptr =
      key.empty() ? static_cast<const void*>(&kEmpty) : static_cast<const void*>(key.data());
  if (!HMAC(md, key_ptr, static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), out, &len))
    return {};
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::optional<std::string> hex_decode(std::string_view in) {
  if (in.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(in.size() / 2);
  for (size_t i = 0; i < in.size(); i += 2) {
    const int hi = hex_value(in[i]), lo = hex_value(in[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool starts_with_ascii_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && ascii_lower(s.substr(0, prefix.size())) == ascii_lower(prefix);
}

// Standard Webhooks keys: "whsec_" + base64, or the bare base64 (what the reference libraries accept).
std::optional<std::string> decode_standard_key(std::string_view secret) {
  if (secret.substr(0, kWhsecPrefix.size()) == kWhsecPrefix) secret.remove_prefix(kWhsecPrefix.size());
  auto key = base64_decode(secret);
  if (!key || key->empty()) return std::nullopt;
  return key;
}

bool is_header_name(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// Which keys carry the secrets of a kind (singular, plural); empty for none.
std::pair<std::string, std::string> secret_keys(VerificationKind kind) {
  switch (kind) {
    case VerificationKind::StandardWebhooks:
    case VerificationKind::HmacSha256:
    case VerificationKind::HmacSha1:
      return {"secret", "secrets"};
    case VerificationKind::Bearer:
      return {"token", "tokens"};
    case VerificationKind::Basic:
      return {"key", "keys"};
    case VerificationKind::None:
      break;
  }
  return {};
}

bool is_hmac(VerificationKind kind) {
  return kind == VerificationKind::HmacSha256 || kind == VerificationKind::HmacSha1;
}

}  // namespace

std::string_view to_string(VerificationKind kind) {
  switch (kind) {
    case VerificationKind::None:
      return "none";
    case VerificationKind::StandardWebhooks:
      return "standard-webhooks";
    case VerificationKind::HmacSha256:
      return "hmac-sha256";
    case VerificationKind::HmacSha1:
      return "hmac-sha1";
    case VerificationKind::Bearer:
      return "bearer";
    case VerificationKind::Basic:
      return "basic";
  }
  return "none";
}

std::optional<VerificationKind> verification_kind_from(std::string_view name) {
  for (auto k : {VerificationKind::None, VerificationKind::StandardWebhooks, VerificationKind::HmacSha256,
                 VerificationKind::HmacSha1, VerificationKind::Bearer, VerificationKind::Basic})
    if (to_string(k) == name) return k;
  return std::nullopt;
}

VerifierConfig default_verifier_config(VerificationKind kind) {
  VerifierConfig c;
  c.kind = kind;
  if (kind == VerificationKind::HmacSha256) {
    c.header = "X-Hub-Signature-256";
    c.prefix = "sha256=";
  } else if (kind == VerificationKind::HmacSha1) {
    c.header = "X-Hub-Signature";
    c.prefix = "sha1=";
  }
  return c;
}

VerifierConfigLoad parse_verifier_config(const json& node, const std::string& path) {
  VerifierConfigLoad out;
  auto problem = [&](std::string p, std::string m, bool at_key = false) {
    out.problems.push_back(error_at(std::move(p), std::move(m), at_key));
  };
  constexpr const char* kTypes = "none, standard-webhooks, hmac-sha256, hmac-sha1, bearer, basic";

  if (node.is_string()) {  // "verification": "none"
    const auto kind = verification_kind_from(node.get_ref<const std::string&>());
    if (!kind) {
      problem(path, std::string("must be one of ") + kTypes + ", or an object");
    } else if (*kind != VerificationKind::None) {
      problem(path, "must be an object: " + std::string(to_string(*kind)) + " needs secrets");
    } else {
      out.config = default_verifier_config(VerificationKind::None);
    }
    return out;
  }
  if (!node.is_object()) {
    problem(path, "must be an object");
    return out;
  }

  std::set<std::string> used = {"type"};
  const auto type_it = node.find("type");
  if (type_it == node.end()) {
    problem(path + "/type", std::string("is required (one of ") + kTypes + ")");
    return out;
  }
  if (!type_it->is_string() || !verification_kind_from(type_it->get_ref<const std::string&>())) {
    problem(path + "/type", std::string("must be one of ") + kTypes);
    return out;
  }
  const VerificationKind kind = *verification_kind_from(type_it->get_ref<const std::string&>());
  VerifierConfig& c = out.config;
  c = default_verifier_config(kind);
  const std::string kind_name(to_string(kind));

  // Secrets, tokens or keys: one string under the singular name and/or a list under the plural.
  const auto [one, many] = secret_keys(kind);
  if (!one.empty()) {
    used.insert(one);
    used.insert(many);
    auto take = [&](const json& v, const std::string& p) {
      if (!v.is_string() || v.get_ref<const std::string&>().empty())
        return problem(p, "must be a non-empty string");
      const auto& s = v.get_ref<const std::string&>();
      if (kind == VerificationKind::StandardWebhooks && !decode_standard_key(s))
        return problem(p, "must be whsec_ followed by base64 (the key bytes), as the sender shows it");
      c.secrets.push_back(s);
    };
    if (auto it = node.find(one); it != node.end()) take(*it, path + "/" + one);
    if (auto it = node.find(many); it != node.end()) {
      if (!it->is_array())
        problem(path + "/" + many, "must be an array of strings");
      else
        for (size_t i = 0; i < it->size(); ++i) take((*it)[i], path + "/" + many + "/" + std::to_string(i));
    }
    const bool had_problem_here = !out.problems.empty();
    if (c.secrets.empty() && !had_problem_here)
      problem(path + "/" + many, "at least one " + one + " is required for " + kind_name);
  }

  if (is_hmac(kind)) {
    used.insert({"header", "prefix", "encoding"});
    if (auto it = node.find("header"); it != node.end()) {
      if (!it->is_string() || !is_header_name(it->get_ref<const std::string&>()))
        problem(path + "/header", "must be an HTTP header name");
      else
        c.header = it->get<std::string>();
    }
    if (auto it = node.find("prefix"); it != node.end()) {
      if (!it->is_string())
        problem(path + "/prefix", "must be a string (may be empty)");
      else
        c.prefix = it->get<std::string>();
    }
    if (auto it = node.find("encoding"); it != node.end()) {
      const std::string e = it->is_string() ? it->get<std::string>() : "";
      if (e == "hex")
        c.encoding = SignatureEncoding::Hex;
      else if (e == "base64")
        c.encoding = SignatureEncoding::Base64;
      else
        problem(path + "/encoding", "must be one of hex, base64");
    }
  }

  if (kind == VerificationKind::StandardWebhooks) {
    used.insert("tolerance_s");
    if (auto it = node.find("tolerance_s"); it != node.end()) {
      if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > kMaxToleranceS)
        problem(path + "/tolerance_s", "must be a whole number from 1 to " + std::to_string(kMaxToleranceS));
      else
        c.tolerance_s = it->get<int64_t>();
    }
  }

  static const std::set<std::string> kKnown = {"type", "secret", "secrets", "token",    "tokens",     "key",
                                               "keys", "header", "prefix",  "encoding", "tolerance_s"};
  for (const auto& [key, value] : node.items()) {
    if (used.count(key)) continue;
    const std::string p = path + "/" + json_pointer_token(key);
    if (kKnown.count(key))
      problem(p, "is not used by type " + kind_name);
    else
      problem(p, "unknown key", /*at_key=*/true);
  }
  return out;
}

WebhookVerifier::WebhookVerifier(const VerifierConfig& config)
    : kind_(config.kind),
      header_(config.header),
      prefix_(config.prefix),
      encoding_(config.encoding),
      tolerance_s_(config.tolerance_s) {
  if (kind_ == VerificationKind::None) return;
  if (config.secrets.empty())
    throw std::invalid_argument(std::string(to_string(kind_)) + " verification needs at least one secret");
  for (const auto& s : config.secrets) {
    if (s.empty())
      throw std::invalid_argument("empty secret in " + std::string(to_string(kind_)) + " verification");
    if (kind_ == VerificationKind::StandardWebhooks) {
      auto key = decode_standard_key(s);
      if (!key) throw std::invalid_argument("a standard-webhooks secret is not whsec_ followed by base64");
      keys_.push_back(std::move(*key));
    } else {
      keys_.push_back(s);
    }
  }
  if (is_hmac(kind_) && header_.empty()) header_ = default_verifier_config(kind_).header;
  if (tolerance_s_ < 0) throw std::invalid_argument("the timestamp tolerance must not be negative");
}

VerifyResult WebhookVerifier::verify(std::string_view raw_body, const HeaderLookup& headers,
                                     int64_t now_unix_ms) const {
  switch (kind_) {
    case VerificationKind::None:
      return {true, "", ""};
    case VerificationKind::StandardWebhooks:
      return verify_standard(raw_body, headers, now_unix_ms);
    case VerificationKind::HmacSha256:
    case VerificationKind::HmacSha1:
      return verify_hmac(raw_body, headers);
    case VerificationKind::Bearer:
    case VerificationKind::Basic:
      return verify_authorization(headers);
  }
  return {false, "unknown verification", ""};
}

VerifyResult WebhookVerifier::verify_standard(std::string_view body, const HeaderLookup& headers,
                                              int64_t now_unix_ms) const {
  const auto id_header = headers("webhook-id");
  const auto ts_header = headers("webhook-timestamp");
  const auto sig_header = headers("webhook-signature");
  if (!id_header) return {false, "missing webhook-id header", ""};
  if (!ts_header) return {false, "missing webhook-timestamp header", ""};
  if (!sig_header) return {false, "missing webhook-signature header", ""};

  const std::string_view id = trim(*id_header);
  if (id.empty() || id.size() > kMaxWebhookIdBytes)
    return {false, "webhook-id must be 1 to " + std::to_string(kMaxWebhookIdBytes) + " bytes", ""};

  // Unix seconds: digits only (no sign, no fraction), few enough not to overflow.
  const std::string_view ts_text = trim(*ts_header);
  if (ts_text.empty() || ts_text.size() > 12 ||
      ts_text.find_first_not_of("0123456789") != std::string_view::npos)
    return {false, "webhook-timestamp must be a Unix time in whole seconds", ""};
  int64_t ts = 0;
  for (const char c : ts_text) ts = ts * 10 + (c - '0');
  const int64_t now_s = now_unix_ms >= 0 ? now_unix_ms / 1000 : (now_unix_ms - 999) / 1000;
  const int64_t age = now_s - ts;
  if (age > tolerance_s_ || -age > tolerance_s_) {
    const std::string when =
        age > 0 ? std::to_string(age) + " s in the past" : std::to_string(-age) + " s in the future";
    return {false,
            "webhook-timestamp is " + when + ", outside the " + std::to_string(tolerance_s_) + " s tolerance",
            ""};
  }

  // Signed content: "{id}.{timestamp}.{body}" with the header values exactly as sent (trimmed of OWS).
  std::string signed_content;
  signed_content.reserve(id.size() + ts_text.size() + body.size() + 2);
  signed_content.append(id).append(".").append(ts_text).append(".").append(body);
  std::vector<std::string> expected;
  expected.reserve(keys_.size());
  for (const auto& key : keys_) expected.push_back(hmac(EVP_sha256(), key, signed_content));

  bool any_v1 = false, match = false;
  std::string_view list = *sig_header;
  while (!list.empty()) {
    const size_t space = list.find(' ');
    const std::string_view entry = list.substr(0, space);
    list = space == std::string_view::npos ? std::string_view() : list.substr(space + 1);
    const size_t comma = entry.find(',');
    if (comma == std::string_view::npos || entry.substr(0, comma) != "v1")
      continue;  // v1a, v2, junk: not ours
    any_v1 = true;
    const auto presented = base64_decode(entry.substr(comma + 1));
    if (!presented) continue;
    // Every configured key against every v1 entry, without stopping at the first match.
    for (const auto& e : expected) match |= constant_time_equals(*presented, e);
  }
  if (!any_v1) return {false, "webhook-signature has no v1 signature", ""};
  if (!match) return {false, "signature does not match", ""};
  return {true, "", std::string(id)};
}

VerifyResult WebhookVerifier::verify_hmac(std::string_view body, const HeaderLookup& headers) const {
  const auto header = headers(header_);
  if (!header) return {false, "missing " + header_ + " header", ""};
  std::string_view value = trim(*header);
  if (!starts_with_ascii_ci(value, prefix_)) return {false, header_ + " does not start with " + prefix_, ""};
  value.remove_prefix(prefix_.size());
  const auto presented = encoding_ == SignatureEncoding::Hex ? hex_decode(value) : base64_decode(value);
  if (!presented)
    return {
        false,
        header_ + " is not " + (encoding_ == SignatureEncoding::Hex ? "hex" : "base64") + " after the prefix",
        ""};
  const EVP_MD* md = kind_ == VerificationKind::HmacSha1 ? EVP_sha1() : EVP_sha256();
  bool match = false;
  for (const auto& key : keys_) match |= constant_time_equals(*presented, hmac(md, key, body));
  if (!match) return {false, "signature does not match", ""};
  return {true, "", ""};
}

VerifyResult WebhookVerifier::verify_authorization(const HeaderLookup& headers) const {
  const auto header = headers("Authorization");
  if (!header || trim(*header).empty()) return {false, "missing Authorization header", ""};
  const Credentials c = parse_authorization(trim(*header));
  const bool bearer = kind_ == VerificationKind::Bearer;
  if (bearer && c.bearer.empty()) return {false, "Authorization is not a Bearer token", ""};
  if (!bearer && !c.basic) return {false, "Authorization is not Basic credentials", ""};
  const std::string& presented = bearer ? c.bearer : c.basic_user;
  bool match = false;
  for (const auto& key : keys_) match |= constant_time_equals(presented, key);
  if (!match) return {false, bearer ? "token does not match" : "write key does not match", ""};
  return {true, "", ""};
}

}  // namespace tp
