// Webhook verification: is this request really from the platform the source is configured for? Pure code
// (no HTTP): the raw body bytes, a header lookup and the current time in, ok or a reason out. Runs on the raw
// bytes before any parsing; every secret comparison is constant-time; a reason never contains a secret or
// the expected value of a signature, token or key.
//
// Kinds (configured per source, see parse_verifier_config for the JSON shape):
//   standard-webhooks  https://www.standardwebhooks.com: webhook-id, webhook-timestamp (Unix seconds),
//                      webhook-signature = space-separated "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>";
//                      any listed v1 signature made with any configured key is accepted (rotation); keys are
//                      "whsec_<base64>" or bare base64 (the reference libraries decode both the same way);
//                      the timestamp must be within the tolerance (300 s) of now, both ways.
//   hmac-sha256        HMAC-SHA256 of the body in a header (default GitHub's "X-Hub-Signature-256:
//   sha256=<hex>"). hmac-sha1          HMAC-SHA1 of the body (default Intercom's "X-Hub-Signature:
//   sha1=<hex>"). bearer             "Authorization: Bearer <token>", one of the configured tokens. basic
//   "Authorization: Basic base64(<write key>:<anything>)", one of the configured keys. none everything passes
//   (the caller allows it only on loopback and logs a warning).
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/diagnostic.h"

namespace tp {

enum class VerificationKind { None, StandardWebhooks, HmacSha256, HmacSha1, Bearer, Basic };
enum class SignatureEncoding { Hex, Base64 };

// "none", "standard-webhooks", "hmac-sha256", "hmac-sha1", "bearer", "basic".
std::string_view to_string(VerificationKind kind);
std::optional<VerificationKind> verification_kind_from(std::string_view name);

struct VerifierConfig {
  VerificationKind kind = VerificationKind::None;
  // Signing keys (standard-webhooks, hmac-*), tokens (bearer) or write keys (basic). Several: rotation.
  std::vector<std::string> secrets;
  std::string header;  // hmac-*: the header carrying the signature
  std::string prefix;  // hmac-*: text before the encoded signature in that header ("sha256=")
  SignatureEncoding encoding = SignatureEncoding::Hex;  // hmac-*: hex (either case) or base64
  int64_t tolerance_s = 300;  // standard-webhooks: allowed clock difference, both ways
};

// The defaults of a kind: header "X-Hub-Signature-256" and prefix "sha256=" for hmac-sha256,
// "X-Hub-Signature" and "sha1=" for hmac-sha1; no secrets.
VerifierConfig default_verifier_config(VerificationKind kind);

struct VerifierConfigLoad {
  VerifierConfig config;
  std::vector<Diagnostic> problems;  // error_at(): JSON pointer below `path`, e.g. "/verification/secrets/1"
  bool ok() const { return problems.empty(); }
};

// Parses one "verification" object. Secrets are taken as given (the caller expands ${ENV} first); problems
// never quote a secret. Shape (keys not used by the type are problems, like unknown keys):
//   {"type": "standard-webhooks", "secret": "whsec_..." | "secrets": [...], "tolerance_s": 300}
//   {"type": "hmac-sha256" | "hmac-sha1", "secret" | "secrets", "header": "...", "prefix": "...",
//    "encoding": "hex" | "base64"}
//   {"type": "bearer", "token": "..." | "tokens": [...]}
//   {"type": "basic", "key": "..." | "keys": [...]}
//   {"type": "none"}   (the string "none" alone is accepted too)
VerifierConfigLoad parse_verifier_config(const nlohmann::json& node,
                                         const std::string& path = "/verification");

// Looks a request header up by name, case-insensitively; nullopt when absent.
using HeaderLookup = std::function<std::optional<std::string>(std::string_view name)>;

struct VerifyResult {
  bool ok = false;
  std::string reason;      // why not, for the 401 and the log; never contains a secret or an expected value
  std::string webhook_id;  // standard-webhooks, when ok: the idempotency key
  explicit operator bool() const { return ok; }
};

class WebhookVerifier {
 public:
  // Decodes the keys once. Throws std::invalid_argument (without quoting a secret) for a configuration that
  // parse_verifier_config would have refused: no secrets for a kind that needs them, a key that is not
  // base64.
  explicit WebhookVerifier(const VerifierConfig& config);

  VerifyResult verify(std::string_view raw_body, const HeaderLookup& headers, int64_t now_unix_ms) const;
  VerificationKind kind() const { return kind_; }

 private:
  VerifyResult verify_standard(std::string_view body, const HeaderLookup& headers, int64_t now_unix_ms) const;
  VerifyResult verify_hmac(std::string_view body, const HeaderLookup& headers) const;
  VerifyResult verify_authorization(const HeaderLookup& headers) const;

  VerificationKind kind_;
  std::vector<std::string> keys_;  // key bytes (decoded for standard-webhooks), tokens or write keys
  std::string header_;
  std::string prefix_;
  SignatureEncoding encoding_;
  int64_t tolerance_s_;
};

}  // namespace tp
