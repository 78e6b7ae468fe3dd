// Webhook verification on any request: the input is a verification config (one line of JSON), header
// lines "Name: value", a blank line and the body. Nothing throws; a config parse_verifier_config accepts
// builds a verifier; the reason for a refusal does not depend on the secret (so it cannot leak it); and a
// request signed as the sender would sign it (tokens, HMACs, Standard Webhooks) passes, with any other
// body refused.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "fuzz_check.h"
#include "ingest/signatures.h"
#include "util/text.h"

namespace {

using json = nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr int64_t kNowMs = 1'800'000'000'123;

struct Request {
  std::string config_line;
  Headers headers;
  std::string body;
};

Request split(std::string_view in) {
  Request r;
  auto line = [&in] {
    const size_t eol = in.find('\n');
    std::string_view l = in.substr(0, eol);
    in = eol == std::string_view::npos ? std::string_view() : in.substr(eol + 1);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    return l;
  };
  r.config_line = line();
  while (!in.empty()) {
    const std::string_view l = line();
    if (l.empty()) break;
    const size_t colon = l.find(':');
    const std::string_view value = colon == std::string_view::npos ? "" : l.substr(colon + 1);
    r.headers.emplace_back(l.substr(0, colon), value.substr(value.starts_with(" ") ? 1 : 0));
  }
  r.body = in;
  return r;
}

tp::HeaderLookup lookup(const Headers& headers) {
  return [&headers](std::string_view name) -> std::optional<std::string> {
    for (const auto& [n, v] : headers)
      if (tp::ascii_lower(n) == tp::ascii_lower(name)) return v;
    return std::nullopt;
  };
}

// The same request with `name` set to `value` (the first of that name replaced, or added).
Headers with(Headers headers, const std::string& name, const std::string& value) {
  for (auto& [n, v] : headers)
    if (tp::ascii_lower(n) == tp::ascii_lower(name)) {
      v = value;
      return headers;
    }
  headers.emplace_back(name, value);
  return headers;
}

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  const unsigned char empty = 0;  // OpenSSL wants a key pointer even for an empty key
  const void* key_ptr = key.empty() ? static_cast<const void*>(&empty) : key.data();
  HMAC(md, key_ptr, static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return {reinterpret_cast<const char*>(out), len};
}

std::string hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_mismatch(const std::string& reason) {
  return reason == "signature does not match" || reason == "token does not match" ||
         reason == "write key does not match";
}

// The request signed with the config's first secret the way the platform would; nullopt when this kind
// or secret has no such form here (none; a token that cannot survive header trimming).
std::optional<Headers> signed_headers(const tp::VerifierConfig& c, const Headers& headers,
                                      std::string_view body) {
  const std::string& secret = c.secrets.front();
  switch (c.kind) {
    case tp::VerificationKind::HmacSha256:
    case tp::VerificationKind::HmacSha1: {
      // The header value is trimmed before the prefix is compared, so a prefix starting with a space can
      // never match (a config parse_verifier_config lets through; see docs/TESTING.md).
      if (c.prefix.starts_with(" ") || c.prefix.starts_with("\t")) return std::nullopt;
      const std::string mac =
          hmac(c.kind == tp::VerificationKind::HmacSha1 ? EVP_sha1() : EVP_sha256(), secret, body);
      return with(headers, c.header,
                  c.prefix + (c.encoding == tp::SignatureEncoding::Hex ? hex(mac) : tp::base64_encode(mac)));
    }
    case tp::VerificationKind::StandardWebhooks: {
      const auto key =
          tp::base64_decode(std::string_view(secret).substr(secret.starts_with("whsec_") ? 6 : 0));
      FUZZ_CHECK(key.has_value());
      std::string id = "msg_fuzz";
      if (auto given = lookup(headers)("webhook-id");
          given && !trim(*given).empty() && trim(*given).size() <= 256)
        id = std::string(trim(*given));
      const std::string ts = std::to_string(kNowMs / 1000);
      const std::string sig =
          "v1," + tp::base64_encode(hmac(EVP_sha256(), *key, id + "." + ts + "." + std::string(body)));
      // Appended to whatever was presented: any one matching v1 entry is enough.
      const auto presented = lookup(headers)("webhook-signature");
      return with(with(with(headers, "webhook-id", id), "webhook-timestamp", ts), "webhook-signature",
                  presented ? *presented + " " + sig : sig);
    }
    case tp::VerificationKind::Bearer:
      if (trim(secret) != secret || secret.starts_with(" ")) return std::nullopt;
      return with(headers, "Authorization", "Bearer " + secret);
    case tp::VerificationKind::Basic:
      if (secret.find(':') != std::string::npos) return std::nullopt;
      return with(headers, "Authorization", "Basic " + tp::base64_encode(secret + ":password"));
    case tp::VerificationKind::None:
      break;
  }
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Request r = split(tp::fuzz::as_text(data, size));
  const json node = json::parse(r.config_line, nullptr, /*allow_exceptions=*/false);
  if (node.is_discarded()) return 0;
  const tp::VerifierConfigLoad load = tp::parse_verifier_config(node);
  if (!load.ok()) return 0;
  const tp::VerifierConfig& config = load.config;
  const tp::WebhookVerifier verifier(config);  // must not throw for a config that parsed

  const tp::VerifyResult result = verifier.verify(r.body, lookup(r.headers), kNowMs);
  FUZZ_CHECK(result.ok == result.reason.empty());
  if (config.kind == tp::VerificationKind::None) {
    FUZZ_CHECK(result.ok);
    return 0;
  }
  if (result.ok && config.kind == tp::VerificationKind::StandardWebhooks)
    FUZZ_CHECK(!result.webhook_id.empty());

  // Other secrets: a refusal gives the same reason, unless the secret is what decided it.
  tp::VerifierConfig other = config;
  for (auto& s : other.secrets)
    s = config.kind == tp::VerificationKind::StandardWebhooks
            ? "whsec_" + tp::base64_encode("another key, " + s)
            : "another secret, " + s;
  const tp::VerifyResult other_result = tp::WebhookVerifier(other).verify(r.body, lookup(r.headers), kNowMs);
  if (!result.ok && !other_result.ok) FUZZ_CHECK(result.reason == other_result.reason);
  if (result.ok != other_result.ok) FUZZ_CHECK(is_mismatch(result.ok ? other_result.reason : result.reason));

  // Signed as the sender would: accepted; the same headers on another body: refused (not for tokens,
  // which do not cover the body).
  const auto signed_request = signed_headers(config, r.headers, r.body);
  if (!signed_request) return 0;
  const tp::VerifyResult good = verifier.verify(r.body, lookup(*signed_request), kNowMs);
  FUZZ_CHECK(good.ok);
  if (config.kind == tp::VerificationKind::StandardWebhooks)
    FUZZ_CHECK(good.webhook_id == *lookup(*signed_request)("webhook-id"));
  if (config.kind == tp::VerificationKind::Bearer || config.kind == tp::VerificationKind::Basic) return 0;
  const tp::VerifyResult tampered = verifier.verify(r.body + "!", lookup(*signed_request), kNowMs);
  FUZZ_CHECK(!tampered.ok && tampered.reason == "signature does not match");
  return 0;
}
