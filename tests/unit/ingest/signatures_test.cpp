#include "ingest/signatures.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "util/text.h"

namespace tp {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

// --- Standard Webhooks: the published test vector --------------------------------------------------------
// From the Standard Webhooks reference libraries' own test suite
// (github.com/standard-webhooks/standard-webhooks, libraries/go/webhook_test.go, TestWebhookSign).
// Independently re-computed with:
//   KEYHEX=$(printf %s MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw | base64 -d | xxd -p -c 100)
//   printf %s 'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}' |
//     openssl dgst -sha256 -mac HMAC -macopt hexkey:$KEYHEX -binary | base64
constexpr const char* kSwSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* kSwKeyBase64 = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* kSwId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr int64_t kSwTimestamp = 1614265330;
constexpr const char* kSwBody = R"({"test": 2432232314})";
constexpr const char* kSwSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
constexpr const char* kSwSignatureB64 = "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

// A second key for rotation, made for this test; the signature of the same message with it was computed with
//   printf %s touchpoint-second-key-0123456789 | base64       -> the whsec_ part
//   KEYHEX=$(printf %s touchpoint-second-key-0123456789 | xxd -p -c 100)
//   printf %s 'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}' |
//     openssl dgst -sha256 -mac HMAC -macopt hexkey:$KEYHEX -binary | base64
constexpr const char* kSwSecret2 = "whsec_dG91Y2hwb2ludC1zZWNvbmQta2V5LTAxMjM0NTY3ODk=";
constexpr const char* kSwSignature2 = "v1,jywRExlK6gVe//GjUQevT3HeatorqilejW6BOZPgi0M=";

// --- GitHub-style hmac-sha256 ------------------------------------------------------------------------------
// The example of GitHub's "Validating webhook deliveries" docs (secret "It's a Secret to Everybody", payload
// "Hello, World!"), re-computed with:
//   printf %s 'Hello, World!' | openssl dgst -sha256 -hmac "It's a Secret to Everybody"
constexpr const char* kGhSecret = "It's a Secret to Everybody";
constexpr const char* kGhBody = "Hello, World!";
constexpr const char* kGhHex = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
// printf %s 'Hello, World!' | openssl dgst -sha256 -hmac old-secret-before-rotation
constexpr const char* kGhOldSecret = "old-secret-before-rotation";
constexpr const char* kGhOldHex = "1d223a0360dd3024d6448e1d08ba0f77f6c8742bd5834d09a3ebf97c9dc4fbc2";

// --- Intercom-style hmac-sha1 ------------------------------------------------------------------------------
// printf %s "$kIcBody" | openssl dgst -sha1 -hmac intercom-client-secret
constexpr const char* kIcSecret = "intercom-client-secret";
constexpr const char* kIcBody =
    R"({"type":"notification_event","topic":"conversation.user.replied","data":{"item":{"id":"123"}}})";
constexpr const char* kIcHex = "ac7d79b9e43a0bd886f2dbec993e52b0247cfa4d";
// printf %s 'Hello, World!' | openssl dgst -sha1 -hmac "It's a Secret to Everybody"
constexpr const char* kGhSha1Hex = "01dc10d0c83e72ed246219cdd91669667fe2ca59";

// --- base64-encoded hmac-sha256 (Shopify's shape: its own header, no prefix)
// -------------------------------- printf %s "$kIcBody" | openssl dgst -sha256 -hmac shopify-style-secret
// -binary | base64
constexpr const char* kB64Secret = "shopify-style-secret";
constexpr const char* kB64Signature = "uZiNqnYYoijiPr5yegurlnr0X/fOZrjQtnUbuhMGL2w=";

using Headers = std::map<std::string, std::string>;  // keys lower-case

HeaderLookup lookup(const Headers& h) {
  return [h](std::string_view name) -> std::optional<std::string> {
    auto it = h.find(ascii_lower(name));
    if (it == h.end()) return std::nullopt;
    return it->second;
  };
}

int64_t at_s(int64_t unix_s) {
  return unix_s * 1000;
}

VerifierConfig standard(std::vector<std::string> secrets, int64_t tolerance_s = 300) {
  VerifierConfig c = default_verifier_config(VerificationKind::StandardWebhooks);
  c.secrets = std::move(secrets);
  c.tolerance_s = tolerance_s;
  return c;
}

VerifierConfig hmac_config(VerificationKind kind, std::vector<std::string> secrets) {
  VerifierConfig c = default_verifier_config(kind);
  c.secrets = std::move(secrets);
  return c;
}

Headers sw_headers(std::string signature, int64_t ts = kSwTimestamp, std::string id = kSwId) {
  return {{"webhook-id", std::move(id)},
          {"webhook-timestamp", std::to_string(ts)},
          {"webhook-signature", std::move(signature)}};
}

// A signer for cases the literal vectors do not cover (other timestamps). It is itself checked against the
// published vector first (SignerReproducesThePublishedVector), so it is not an untested oracle.
std::string sw_sign(std::string_view key_base64, std::string_view id, int64_t ts, std::string_view body) {
  const std::string key = *base64_decode(key_base64);
  const std::string content = std::string(id) + "." + std::to_string(ts) + "." + std::string(body);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(content.data()), content.size(), out, &len);
  return "v1," + base64_encode(std::string(reinterpret_cast<const char*>(out), len));
}

std::string flip_byte(std::string s, size_t i) {
  s[i] = static_cast<char>(s[i] ^ 0x01);
  return s;
}

// ============================================ Standard Webhooks ============================================

TEST(StandardWebhooks, SignerReproducesThePublishedVector) {
  EXPECT_EQ(sw_sign(kSwKeyBase64, kSwId, kSwTimestamp, kSwBody), kSwSignature);
}

TEST(StandardWebhooks, PublishedVectorVerifiesAndYieldsTheWebhookId) {
  const WebhookVerifier v(standard({kSwSecret}));
  const VerifyResult r = v.verify(kSwBody, lookup(sw_headers(kSwSignature)), at_s(kSwTimestamp));
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_EQ(r.reason, "");
  EXPECT_EQ(r.webhook_id, kSwId);
}

TEST(StandardWebhooks, WhsecPrefixIsStrippedAndTheRestDecodedAsTheKey) {
  // The same key without the prefix (what the reference libraries also accept) gives the same result ...
  EXPECT_TRUE(WebhookVerifier(standard({kSwKeyBase64}))
                  .verify(kSwBody, lookup(sw_headers(kSwSignature)), at_s(kSwTimestamp))
                  .ok);
  // ... while using the literal text (prefix included, or the base64 characters) as key bytes would not.
  VerifierConfig literal =
      standard({"whsec_" + base64_encode(kSwSecret)});  // key bytes = the text "whsec_MfK..."
  EXPECT_FALSE(
      WebhookVerifier(literal).verify(kSwBody, lookup(sw_headers(kSwSignature)), at_s(kSwTimestamp)).ok);
  VerifierConfig undecoded = standard({"whsec_" + base64_encode(kSwKeyBase64)});  // key bytes = "MfKQ9r8..."
  EXPECT_FALSE(
      WebhookVerifier(undecoded).verify(kSwBody, lookup(sw_headers(kSwSignature)), at_s(kSwTimestamp)).ok);
}

TEST(StandardWebhooks, FlippedBodyByteFails) {
  const WebhookVerifier v(standard({kSwSecret}));
  const std::string body = kSwBody;
  for (size_t i : {size_t{0}, body.size() / 2, body.size() - 1}) {
    const VerifyResult r = v.verify(flip_byte(body, i), lookup(sw_headers(kSwSignature)), at_s(kSwTimestamp));
    EXPECT_FALSE(r.ok) << "byte " << i;
    EXPECT_EQ(r.reason, "signature does not match");
    EXPECT_EQ(r.webhook_id, "");
  }
  // One byte more or less fails too.
  EXPECT_FALSE(v.verify(body + " ", lookup(sw_headers(kSwSignature)), at_s(kSwTimestamp)).ok);
  EXPECT_FALSE(v.verify(body.substr(1), lookup(sw_headers(kSwSignature)), at_s(kSwTimestamp)).ok);
}

TEST(StandardWebhooks, IdAndTimestampAreSignedToo) {
  const WebhookVerifier v(standard({kSwSecret}));
  EXPECT_FALSE(
      v.verify(kSwBody, lookup(sw_headers(kSwSignature, kSwTimestamp, "msg_other")), at_s(kSwTimestamp)).ok);
  EXPECT_FALSE(v.verify(kSwBody, lookup(sw_headers(kSwSignature, kSwTimestamp + 1)), at_s(kSwTimestamp)).ok);
}

TEST(StandardWebhooks, WrongSecretFails) {
  const WebhookVerifier v(standard({kSwSecret2}));
  const VerifyResult r = v.verify(kSwBody, lookup(sw_headers(kSwSignature)), at_s(kSwTimestamp));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "signature does not match");
}

TEST(StandardWebhooks, RotatedSecretListAcceptsEitherKey) {
  const WebhookVerifier both(standard({kSwSecret2, kSwSecret}));
  EXPECT_TRUE(both.verify(kSwBody, lookup(sw_headers(kSwSignature)), at_s(kSwTimestamp)).ok);
  EXPECT_TRUE(both.verify(kSwBody, lookup(sw_headers(kSwSignature2)), at_s(kSwTimestamp)).ok);
  const WebhookVerifier only_new(standard({kSwSecret2}));
  EXPECT_TRUE(only_new.verify(kSwBody, lookup(sw_headers(kSwSignature2)), at_s(kSwTimestamp)).ok);
  EXPECT_FALSE(only_new.verify(kSwBody, lookup(sw_headers(kSwSignature)), at_s(kSwTimestamp)).ok);
}

TEST(StandardWebhooks, AnyOfSeveralSignaturesInTheHeaderMayMatch) {
  // The sender signs with old and new key during its rotation; we know only one of them.
  const std::string pair = std::string(kSwSignature2) + " " + kSwSignature;
  EXPECT_TRUE(WebhookVerifier(standard({kSwSecret}))
                  .verify(kSwBody, lookup(sw_headers(pair)), at_s(kSwTimestamp))
                  .ok);
  EXPECT_TRUE(WebhookVerifier(standard({kSwSecret2}))
                  .verify(kSwBody, lookup(sw_headers(pair)), at_s(kSwTimestamp))
                  .ok);

  // Junk, other versions and a wrong v1 before the good one (the reference suite's "valid multi sig" case).
  const std::string mixed = std::string("v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,") +
                            kSwSignatureB64 + " v1a,AAAA not-a-signature v1,!!! " + kSwSignature +
                            " v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
  EXPECT_TRUE(WebhookVerifier(standard({kSwSecret}))
                  .verify(kSwBody, lookup(sw_headers(mixed)), at_s(kSwTimestamp))
                  .ok);

  // The right signature under another version label does not count.
  const VerifyResult r =
      WebhookVerifier(standard({kSwSecret}))
          .verify(kSwBody, lookup(sw_headers(std::string("v2,") + kSwSignatureB64)), at_s(kSwTimestamp));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "webhook-signature has no v1 signature");
  const VerifyResult wrong =
      WebhookVerifier(standard({kSwSecret}))
          .verify(kSwBody, lookup(sw_headers("v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v1,###")),
                  at_s(kSwTimestamp));
  EXPECT_FALSE(wrong.ok);
  EXPECT_EQ(wrong.reason, "signature does not match");
}

TEST(StandardWebhooks, TimestampToleranceIs300SecondsBothWays) {
  const WebhookVerifier v(standard({kSwSecret}));
  const Headers h = sw_headers(kSwSignature);
  EXPECT_TRUE(v.verify(kSwBody, lookup(h), at_s(kSwTimestamp + 300)).ok);
  EXPECT_TRUE(v.verify(kSwBody, lookup(h), at_s(kSwTimestamp - 300)).ok);
  EXPECT_TRUE(
      v.verify(kSwBody, lookup(h), at_s(kSwTimestamp + 300) + 999).ok);  // 300.999 s: still 300 whole seconds

  const VerifyResult old = v.verify(kSwBody, lookup(h), at_s(kSwTimestamp + 301));
  EXPECT_FALSE(old.ok);
  EXPECT_EQ(old.reason, "webhook-timestamp is 301 s in the past, outside the 300 s tolerance");
  const VerifyResult future = v.verify(kSwBody, lookup(h), at_s(kSwTimestamp - 301));
  EXPECT_FALSE(future.ok);
  EXPECT_EQ(future.reason, "webhook-timestamp is 301 s in the future, outside the 300 s tolerance");
  // Far off: the reference suite's year-2000 timestamp.
  EXPECT_FALSE(v.verify(kSwBody,
                        lookup(sw_headers(sw_sign(kSwKeyBase64, kSwId, 946684800, kSwBody), 946684800)),
                        at_s(kSwTimestamp))
                   .ok);
}

TEST(StandardWebhooks, FreshSignatureAtAnotherTimeVerifies) {
  const int64_t now = 1795000000;  // 2026-11-18
  const WebhookVerifier v(standard({kSwSecret}));
  const std::string body = R"({"type":"message.created","data":{"text":"Sveiki! Привет"}})";
  const Headers h = sw_headers(sw_sign(kSwKeyBase64, "evt_42", now - 10, body), now - 10, "evt_42");
  const VerifyResult r = v.verify(body, lookup(h), at_s(now));
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(r.webhook_id, "evt_42");
  EXPECT_FALSE(v.verify(body, lookup(h), at_s(now + 291)).ok);  // 301 s old
}

TEST(StandardWebhooks, ConfigurableTolerance) {
  const WebhookVerifier v(standard({kSwSecret}, 60));
  const Headers h = sw_headers(kSwSignature);
  EXPECT_TRUE(v.verify(kSwBody, lookup(h), at_s(kSwTimestamp + 60)).ok);
  const VerifyResult r = v.verify(kSwBody, lookup(h), at_s(kSwTimestamp + 61));
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.reason, HasSubstr("outside the 60 s tolerance"));
}

TEST(StandardWebhooks, MissingHeadersAreNamed) {
  const WebhookVerifier v(standard({kSwSecret}));
  for (const std::string missing : {"webhook-id", "webhook-timestamp", "webhook-signature"}) {
    Headers h = sw_headers(kSwSignature);
    h.erase(missing);
    const VerifyResult r = v.verify(kSwBody, lookup(h), at_s(kSwTimestamp));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.reason, "missing " + missing + " header");
  }
}

TEST(StandardWebhooks, MalformedTimestampOrIdFails) {
  const WebhookVerifier v(standard({kSwSecret}));
  for (const std::string ts :
       {"", "abc", "1614265330.0", "-1614265330", "+1614265330", "1e9", "99999999999999999999"}) {
    Headers h = sw_headers(kSwSignature);
    h["webhook-timestamp"] = ts;
    const VerifyResult r = v.verify(kSwBody, lookup(h), at_s(kSwTimestamp));
    EXPECT_FALSE(r.ok) << ts;
    EXPECT_EQ(r.reason, "webhook-timestamp must be a Unix time in whole seconds") << ts;
  }
  EXPECT_FALSE(v.verify(kSwBody, lookup(sw_headers(kSwSignature, kSwTimestamp, "")), at_s(kSwTimestamp)).ok);
  EXPECT_FALSE(v.verify(kSwBody, lookup(sw_headers(kSwSignature, kSwTimestamp, std::string(300, 'x'))),
                        at_s(kSwTimestamp))
                   .ok);
}

TEST(StandardWebhooks, ReasonsNeverContainTheSecretOrTheExpectedSignature) {
  const WebhookVerifier v(standard({kSwSecret}));
  std::vector<VerifyResult> failures;
  failures.push_back(v.verify("tampered", lookup(sw_headers(kSwSignature)), at_s(kSwTimestamp)));
  failures.push_back(v.verify(kSwBody, lookup(sw_headers("v1,AAAA")), at_s(kSwTimestamp)));
  failures.push_back(v.verify(kSwBody, lookup(sw_headers(kSwSignature)), at_s(kSwTimestamp + 5000)));
  failures.push_back(v.verify(kSwBody, lookup(sw_headers("v2,xyz")), at_s(kSwTimestamp)));
  failures.push_back(v.verify(kSwBody, lookup({}), at_s(kSwTimestamp)));
  for (const auto& r : failures) {
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.reason.empty());
    EXPECT_THAT(r.reason, Not(HasSubstr(kSwKeyBase64)));
    EXPECT_THAT(r.reason, Not(HasSubstr("MfKQ9r8")));
    EXPECT_THAT(r.reason, Not(HasSubstr(kSwSignatureB64)));
    EXPECT_THAT(r.reason, Not(HasSubstr("g0hM9SsE")));
    EXPECT_EQ(r.webhook_id, "");
  }
}

// ============================================== hmac-sha256 ===============================================

Headers gh(std::string value) {
  return {{"x-hub-signature-256", std::move(value)}};
}

TEST(HmacSha256, GitHubDocsVectorVerifies) {
  const WebhookVerifier v(hmac_config(VerificationKind::HmacSha256, {kGhSecret}));
  const VerifyResult r = v.verify(kGhBody, lookup(gh(std::string("sha256=") + kGhHex)), 0);
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(r.webhook_id, "");
}

TEST(HmacSha256, UppercaseHexIsAccepted) {
  std::string upper = kGhHex;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const WebhookVerifier v(hmac_config(VerificationKind::HmacSha256, {kGhSecret}));
  EXPECT_TRUE(v.verify(kGhBody, lookup(gh("sha256=" + upper)), 0).ok);
  EXPECT_TRUE(
      v.verify(kGhBody, lookup(gh("SHA256=" + upper)), 0).ok);  // the prefix's case does not matter either
}

TEST(HmacSha256, FlippedBodyByteWrongSecretAndWrongHashFail) {
  const WebhookVerifier v(hmac_config(VerificationKind::HmacSha256, {kGhSecret}));
  const std::string sig = std::string("sha256=") + kGhHex;
  const VerifyResult tampered = v.verify(flip_byte(kGhBody, 7), lookup(gh(sig)), 0);
  EXPECT_FALSE(tampered.ok);
  EXPECT_EQ(tampered.reason, "signature does not match");
  EXPECT_FALSE(WebhookVerifier(hmac_config(VerificationKind::HmacSha256, {"It's a secret to everybody"}))
                   .verify(kGhBody, lookup(gh(sig)), 0)
                   .ok);
  // A SHA-1 signature of the same body (right secret) is not a SHA-256 one.
  EXPECT_FALSE(v.verify(kGhBody, lookup(gh(std::string("sha256=") + kGhSha1Hex)), 0).ok);
  // A truncated signature.
  EXPECT_FALSE(v.verify(kGhBody, lookup(gh(sig.substr(0, sig.size() - 2))), 0).ok);
}

TEST(HmacSha256, RotatedSecrets) {
  const WebhookVerifier v(hmac_config(VerificationKind::HmacSha256, {kGhSecret, kGhOldSecret}));
  EXPECT_TRUE(v.verify(kGhBody, lookup(gh(std::string("sha256=") + kGhHex)), 0).ok);
  EXPECT_TRUE(v.verify(kGhBody, lookup(gh(std::string("sha256=") + kGhOldHex)), 0).ok);
  const WebhookVerifier only_new(hmac_config(VerificationKind::HmacSha256, {kGhSecret}));
  EXPECT_FALSE(only_new.verify(kGhBody, lookup(gh(std::string("sha256=") + kGhOldHex)), 0).ok);
}

TEST(HmacSha256, MissingOrMalformedHeader) {
  const WebhookVerifier v(hmac_config(VerificationKind::HmacSha256, {kGhSecret}));
  VerifyResult r = v.verify(kGhBody, lookup({}), 0);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "missing X-Hub-Signature-256 header");
  r = v.verify(kGhBody, lookup(gh(kGhHex)), 0);  // no prefix
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "X-Hub-Signature-256 does not start with sha256=");
  r = v.verify(kGhBody, lookup(gh("sha256=zz" + std::string(kGhHex).substr(2))), 0);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "X-Hub-Signature-256 is not hex after the prefix");
  // GitHub's SHA-1 header is a different header.
  EXPECT_FALSE(v.verify(kGhBody, lookup({{"x-hub-signature", std::string("sha1=") + kGhSha1Hex}}), 0).ok);
}

TEST(HmacSha256, Base64EncodingCustomHeaderAndNoPrefix) {
  VerifierConfig c = hmac_config(VerificationKind::HmacSha256, {kB64Secret});
  c.header = "X-Shopify-Hmac-Sha256";
  c.prefix = "";
  c.encoding = SignatureEncoding::Base64;
  const WebhookVerifier v(c);
  EXPECT_TRUE(v.verify(kIcBody, lookup({{"x-shopify-hmac-sha256", kB64Signature}}), 0).ok);
  EXPECT_FALSE(v.verify(flip_byte(kIcBody, 3), lookup({{"x-shopify-hmac-sha256", kB64Signature}}), 0).ok);
  const VerifyResult missing = v.verify(kIcBody, lookup({{"x-hub-signature-256", kB64Signature}}), 0);
  EXPECT_FALSE(missing.ok);
  EXPECT_EQ(missing.reason, "missing X-Shopify-Hmac-Sha256 header");
}

TEST(HmacSha256, ReasonsNeverContainTheSecretOrTheExpectedSignature) {
  const WebhookVerifier v(hmac_config(VerificationKind::HmacSha256, {kGhSecret}));
  for (const Headers& h : {gh("sha256=00"), gh("sha256=" + std::string(64, 'a')), gh("nope"), Headers{}}) {
    const VerifyResult r = v.verify(kGhBody, lookup(h), 0);
    EXPECT_FALSE(r.ok);
    EXPECT_THAT(r.reason, Not(HasSubstr(kGhSecret)));
    EXPECT_THAT(r.reason, Not(HasSubstr(kGhHex)));
    EXPECT_THAT(r.reason, Not(HasSubstr("757107ea")));
  }
}

// =============================================== hmac-sha1 ================================================

TEST(HmacSha1, IntercomShapeVerifies) {
  const WebhookVerifier v(hmac_config(VerificationKind::HmacSha1, {kIcSecret}));
  EXPECT_TRUE(v.verify(kIcBody, lookup({{"x-hub-signature", std::string("sha1=") + kIcHex}}), 0).ok);
  // The right shape with another secret's signature.
  EXPECT_FALSE(v.verify(kGhBody, lookup({{"x-hub-signature", std::string("sha1=") + kGhSha1Hex}}), 0).ok);
  const WebhookVerifier gh_secret(hmac_config(VerificationKind::HmacSha1, {kGhSecret}));
  EXPECT_TRUE(
      gh_secret.verify(kGhBody, lookup({{"x-hub-signature", std::string("sha1=") + kGhSha1Hex}}), 0).ok);
}

TEST(HmacSha1, TamperedWrongSecretMissingHeader) {
  const WebhookVerifier v(hmac_config(VerificationKind::HmacSha1, {kIcSecret}));
  const Headers h = {{"x-hub-signature", std::string("sha1=") + kIcHex}};
  EXPECT_FALSE(v.verify(flip_byte(kIcBody, 10), lookup(h), 0).ok);
  EXPECT_FALSE(
      WebhookVerifier(hmac_config(VerificationKind::HmacSha1, {"other"})).verify(kIcBody, lookup(h), 0).ok);
  const VerifyResult r =
      v.verify(kIcBody, lookup({{"x-hub-signature-256", std::string("sha1=") + kIcHex}}), 0);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "missing X-Hub-Signature header");
  EXPECT_FALSE(v.verify(kIcBody, lookup({{"x-hub-signature", std::string("sha256=") + kIcHex}}), 0).ok);
  // Rotation: the old secret still listed.
  const WebhookVerifier rotated(hmac_config(VerificationKind::HmacSha1, {"new-secret", kIcSecret}));
  EXPECT_TRUE(rotated.verify(kIcBody, lookup(h), 0).ok);
}

// ============================================ bearer, basic, none
// ===========================================

TEST(Bearer, TokenFromTheListPasses) {
  VerifierConfig c = default_verifier_config(VerificationKind::Bearer);
  c.secrets = {"tok-old-0123456789", "tok-new-0123456789"};
  const WebhookVerifier v(c);
  EXPECT_TRUE(v.verify("{}", lookup({{"authorization", "Bearer tok-new-0123456789"}}), 0).ok);
  EXPECT_TRUE(v.verify("{}", lookup({{"authorization", "bearer tok-old-0123456789"}}), 0).ok);
  VerifyResult r = v.verify("{}", lookup({{"authorization", "Bearer tok-new-012345678"}}), 0);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "token does not match");
  EXPECT_THAT(r.reason, Not(HasSubstr("tok-")));
  r = v.verify("{}", lookup({}), 0);
  EXPECT_EQ(r.reason, "missing Authorization header");
  r = v.verify("{}", lookup({{"authorization", "Basic " + base64_encode("tok-new-0123456789:")}}), 0);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "Authorization is not a Bearer token");
}

TEST(Basic, WriteKeyAsUserNamePasses) {
  VerifierConfig c = default_verifier_config(VerificationKind::Basic);
  c.secrets = {"wk_live_abcdef"};
  const WebhookVerifier v(c);
  EXPECT_TRUE(v.verify("{}", lookup({{"authorization", "Basic " + base64_encode("wk_live_abcdef:")}}), 0).ok);
  EXPECT_TRUE(
      v.verify("{}", lookup({{"authorization", "Basic " + base64_encode("wk_live_abcdef:x")}}), 0).ok);
  VerifyResult r =
      v.verify("{}", lookup({{"authorization", "Basic " + base64_encode("wk_live_abcdeF:")}}), 0);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "write key does not match");
  r = v.verify("{}", lookup({{"authorization", "Bearer wk_live_abcdef"}}), 0);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "Authorization is not Basic credentials");
}

TEST(NoVerification, EverythingPasses) {
  const WebhookVerifier v(default_verifier_config(VerificationKind::None));
  EXPECT_TRUE(v.verify("anything", lookup({}), 0).ok);
  EXPECT_EQ(v.kind(), VerificationKind::None);
}

TEST(WebhookVerifier, RefusesConfigsWithoutSecretsWithoutQuotingThem) {
  EXPECT_THROW(WebhookVerifier(standard({})), std::invalid_argument);
  EXPECT_THROW(WebhookVerifier(hmac_config(VerificationKind::HmacSha256, {})), std::invalid_argument);
  EXPECT_THROW(WebhookVerifier(hmac_config(VerificationKind::HmacSha1, {""})), std::invalid_argument);
  try {
    WebhookVerifier bad(standard({"whsec_not*base64*secret"}));
    FAIL() << "accepted a key that is not base64";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), Not(HasSubstr("not*base64*secret")));
  }
}

// ============================================ parse_verifier_config
// =========================================

std::vector<std::string> paths_of(const std::vector<Diagnostic>& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.pointer);
  return out;
}

TEST(VerifierConfigParse, StandardWebhooks) {
  const auto load = parse_verifier_config(
      json::parse(R"({"type": "standard-webhooks", "secrets": ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
                      "secret": "whsec_dG91Y2hwb2ludC1zZWNvbmQta2V5LTAxMjM0NTY3ODk=", "tolerance_s": 120})"));
  ASSERT_TRUE(load.ok()) << load.problems[0].pointer << ": " << load.problems[0].message;
  EXPECT_EQ(load.config.kind, VerificationKind::StandardWebhooks);
  EXPECT_EQ(load.config.secrets.size(), 2u);
  EXPECT_EQ(load.config.tolerance_s, 120);
  // What was parsed works.
  EXPECT_TRUE(
      WebhookVerifier(load.config).verify(kSwBody, lookup(sw_headers(kSwSignature)), at_s(kSwTimestamp)).ok);
}

TEST(VerifierConfigParse, HmacDefaultsAndOverrides) {
  auto load = parse_verifier_config(json::parse(R"({"type": "hmac-sha256", "secret": "s3cret"})"));
  ASSERT_TRUE(load.ok());
  EXPECT_EQ(load.config.header, "X-Hub-Signature-256");
  EXPECT_EQ(load.config.prefix, "sha256=");
  EXPECT_EQ(load.config.encoding, SignatureEncoding::Hex);
  EXPECT_EQ(load.config.tolerance_s, 300);

  load = parse_verifier_config(json::parse(R"({"type": "hmac-sha1", "secrets": ["a", "b"]})"));
  ASSERT_TRUE(load.ok());
  EXPECT_EQ(load.config.header, "X-Hub-Signature");
  EXPECT_EQ(load.config.prefix, "sha1=");
  EXPECT_EQ(load.config.secrets, (std::vector<std::string>{"a", "b"}));

  load = parse_verifier_config(json::parse(
      R"({"type": "hmac-sha256", "secret": "x", "header": "X-Shopify-Hmac-Sha256", "prefix": "", "encoding": "base64"})"));
  ASSERT_TRUE(load.ok());
  EXPECT_EQ(load.config.header, "X-Shopify-Hmac-Sha256");
  EXPECT_EQ(load.config.prefix, "");
  EXPECT_EQ(load.config.encoding, SignatureEncoding::Base64);
}

TEST(VerifierConfigParse, BearerBasicNone) {
  auto load =
      parse_verifier_config(json::parse(R"({"type": "bearer", "tokens": ["t1", "t2"], "token": "t3"})"));
  ASSERT_TRUE(load.ok());
  EXPECT_EQ(load.config.kind, VerificationKind::Bearer);
  EXPECT_EQ(load.config.secrets.size(), 3u);
  load = parse_verifier_config(json::parse(R"({"type": "basic", "key": "wk"})"));
  ASSERT_TRUE(load.ok());
  EXPECT_EQ(load.config.kind, VerificationKind::Basic);
  load = parse_verifier_config(json::parse(R"({"type": "none"})"));
  ASSERT_TRUE(load.ok());
  EXPECT_EQ(load.config.kind, VerificationKind::None);
  load = parse_verifier_config(json("none"));
  ASSERT_TRUE(load.ok());
  EXPECT_EQ(load.config.kind, VerificationKind::None);
}

TEST(VerifierConfigParse, ProblemsAreCollectedByJsonPath) {
  EXPECT_EQ(paths_of(parse_verifier_config(json::parse("{}")).problems),
            std::vector<std::string>{"/verification/type"});
  EXPECT_EQ(paths_of(parse_verifier_config(json::parse(R"({"type": "hmac-md5"})")).problems),
            std::vector<std::string>{"/verification/type"});
  EXPECT_EQ(paths_of(parse_verifier_config(json::parse("[]")).problems),
            std::vector<std::string>{"/verification"});
  EXPECT_EQ(paths_of(parse_verifier_config(json("bearer")).problems),
            std::vector<std::string>{"/verification"});
  EXPECT_EQ(paths_of(parse_verifier_config(json::parse(R"({"type": "hmac-sha256"})")).problems),
            std::vector<std::string>{"/verification/secrets"});
  EXPECT_EQ(paths_of(parse_verifier_config(json::parse(R"({"type": "bearer"})")).problems),
            std::vector<std::string>{"/verification/tokens"});

  const auto load = parse_verifier_config(
      json::parse(R"({"type": "hmac-sha256", "secrets": ["ok", "", 3], "secret": "", "encoding": "hex2",
                      "header": "Bad Header", "prefix": 1, "tolerance_s": 10, "tokens": ["t"], "colour": "blue"})"),
      "/sources/intercom/verification");
  std::vector<std::string> paths = paths_of(load.problems);
  std::sort(paths.begin(), paths.end());
  EXPECT_EQ(paths, (std::vector<std::string>{
                       "/sources/intercom/verification/colour", "/sources/intercom/verification/encoding",
                       "/sources/intercom/verification/header", "/sources/intercom/verification/prefix",
                       "/sources/intercom/verification/secret", "/sources/intercom/verification/secrets/1",
                       "/sources/intercom/verification/secrets/2", "/sources/intercom/verification/tokens",
                       "/sources/intercom/verification/tolerance_s"}));
  for (const auto& p : load.problems) {
    if (p.pointer.ends_with("/colour")) {
      EXPECT_EQ(p.message, "unknown key");
    }
    if (p.pointer.ends_with("/tokens")) {
      EXPECT_EQ(p.message, "is not used by type hmac-sha256");
    }
  }
}

TEST(VerifierConfigParse, StandardWebhooksSecretMustBeBase64AndIsNeverQuoted) {
  const std::string secret = "whsec_this is *not* base64";
  const auto load = parse_verifier_config(json{{"type", "standard-webhooks"}, {"secrets", {secret}}});
  ASSERT_EQ(load.problems.size(), 1u);
  EXPECT_EQ(load.problems[0].pointer, "/verification/secrets/0");
  EXPECT_THAT(load.problems[0].message, Not(HasSubstr("not* base64")));
  EXPECT_THAT(load.problems[0].message, HasSubstr("whsec_ followed by base64"));

  for (int bad : {0, -5, 86401}) {
    const auto l = parse_verifier_config(
        json{{"type", "standard-webhooks"}, {"secret", kSwSecret}, {"tolerance_s", bad}});
    EXPECT_EQ(paths_of(l.problems), std::vector<std::string>{"/verification/tolerance_s"}) << bad;
  }
}

TEST(VerificationKind, NamesRoundTrip) {
  for (auto k : {VerificationKind::None, VerificationKind::StandardWebhooks, VerificationKind::HmacSha256,
                 VerificationKind::HmacSha1, VerificationKind::Bearer, VerificationKind::Basic})
    EXPECT_EQ(verification_kind_from(to_string(k)), k);
  EXPECT_EQ(verification_kind_from("HMAC-SHA256"), std::nullopt);
}

}  // namespace
}  // namespace tp
