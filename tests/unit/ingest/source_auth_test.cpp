#include "ingest/source_auth.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "util/text.h"

namespace tp {
namespace {

SourceConfig source(const std::string& name, const std::string& kind, AuthType auth,
                    std::vector<std::string> secrets = {}) {
  SourceConfig s;
  s.name = name;
  s.kind = kind;
  s.auth = auth;
  s.secrets = std::move(secrets);
  return s;
}

Credentials bearer(const std::string& token) {
  return parse_authorization("Bearer " + token);
}
Credentials basic(const std::string& user_colon_password) {
  return parse_authorization("Basic " + base64_encode(user_colon_password));
}

std::string name_of(const SourceConfig* s) {
  return s ? s->name : "(none)";
}

TEST(ParseAuthorization, NoHeader) {
  const Credentials c = parse_authorization("");
  EXPECT_FALSE(c.present);
  EXPECT_TRUE(c.bearer.empty());
  EXPECT_FALSE(c.basic);
}

TEST(ParseAuthorization, Bearer) {
  EXPECT_EQ(parse_authorization("Bearer abc.def-123").bearer, "abc.def-123");
  EXPECT_EQ(parse_authorization("bearer tok").bearer, "tok");    // the scheme is case-insensitive
  EXPECT_EQ(parse_authorization("BEARER   tok").bearer, "tok");  // extra spaces before the token
  const Credentials c = parse_authorization("Bearer tok");
  EXPECT_TRUE(c.present);
  EXPECT_FALSE(c.basic);
}

TEST(ParseAuthorization, BasicCarriesTheWriteKeyAsUser) {
  Credentials c = basic("wk_live_123:");  // Segment's SDKs: the write key, an empty password
  EXPECT_TRUE(c.present);
  EXPECT_TRUE(c.basic);
  EXPECT_EQ(c.basic_user, "wk_live_123");
  EXPECT_TRUE(c.bearer.empty());

  EXPECT_EQ(basic("user:pass:with:colons").basic_user, "user");
  EXPECT_EQ(basic("no-colon").basic_user, "no-colon");
  EXPECT_EQ(parse_authorization("basic " + base64_encode("k:")).basic_user, "k");
}

TEST(ParseAuthorization, MalformedHeadersArePresentButCarryNothing) {
  for (const char* header : {"Bearer", "Basic", "Basic !!!notbase64", "Digest abc", "Token x", "tok"}) {
    const Credentials c = parse_authorization(header);
    EXPECT_TRUE(c.present) << header;
    EXPECT_TRUE(c.bearer.empty()) << header;
    EXPECT_FALSE(c.basic) << header;
  }
}

TEST(SourceAuthenticator, BearerTokenPicksItsSource) {
  const SourceAuthenticator auth({
      source("crm", "native", AuthType::Bearer, {"tok-crm"}),
      source("bot", "native", AuthType::Bearer, {"tok-bot-old", "tok-bot-new"}),
  });
  EXPECT_EQ(name_of(auth.authenticate("native", bearer("tok-crm"))), "crm");
  EXPECT_EQ(name_of(auth.authenticate("native", bearer("tok-bot-old"))), "bot");
  EXPECT_EQ(name_of(auth.authenticate("native", bearer("tok-bot-new"))),
            "bot");  // rotation: any listed token
}

TEST(SourceAuthenticator, WrongOrMissingCredentialsAreRefusedWithoutAnOpenSource) {
  const SourceAuthenticator auth({source("crm", "native", AuthType::Bearer, {"tok-crm"})});
  EXPECT_EQ(auth.authenticate("native", bearer("tok-crX")), nullptr);
  EXPECT_EQ(auth.authenticate("native", bearer("tok-crm-and-more")), nullptr);
  EXPECT_EQ(auth.authenticate("native", bearer("tok")), nullptr);
  EXPECT_EQ(auth.authenticate("native", parse_authorization("")), nullptr);
  EXPECT_EQ(auth.authenticate("native", basic("tok-crm:")), nullptr)
      << "a bearer source takes no Basic credentials";
}

TEST(SourceAuthenticator, WriteKeyViaBasicPicksTheSegmentSource) {
  const SourceAuthenticator auth({
      source("events", "native", AuthType::Bearer, {"wk-1"}),
      source("web", "segment", AuthType::WriteKey, {"wk-1"}),
      source("app", "segment", AuthType::WriteKey, {"wk-2"}),
  });
  EXPECT_EQ(name_of(auth.authenticate("segment", basic("wk-1:"))), "web");
  EXPECT_EQ(name_of(auth.authenticate("segment", basic("wk-2:"))), "app");
  EXPECT_EQ(auth.authenticate("segment", basic("wk-3:")), nullptr);
  // The route's kind decides which sources are candidates.
  EXPECT_EQ(auth.authenticate("segment", bearer("wk-1")), nullptr)
      << "a write key source takes no bearer token";
  EXPECT_EQ(name_of(auth.authenticate("native", bearer("wk-1"))), "events");
  EXPECT_EQ(auth.authenticate("native", basic("wk-1:")), nullptr);
}

TEST(SourceAuthenticator, AnOpenSourceTakesWhatNoCredentialedSourceClaims) {
  const SourceAuthenticator auth({
      source("open", "native", AuthType::None),
      source("crm", "native", AuthType::Bearer, {"tok-crm"}),
  });
  // A matching credential wins even though the open source is listed first.
  EXPECT_EQ(name_of(auth.authenticate("native", bearer("tok-crm"))), "crm");
  EXPECT_EQ(name_of(auth.authenticate("native", parse_authorization(""))), "open");
  EXPECT_EQ(name_of(auth.authenticate("native", bearer("wrong"))), "open");
  // ...but only for its own kind.
  EXPECT_EQ(auth.authenticate("segment", parse_authorization("")), nullptr);
}

TEST(SourceAuthenticator, FirstOpenSourceOfTheKindIsUsed) {
  const SourceAuthenticator auth({
      source("seg-open", "segment", AuthType::None),
      source("native-a", "native", AuthType::None),
      source("native-b", "native", AuthType::None),
  });
  EXPECT_EQ(name_of(auth.authenticate("native", parse_authorization(""))), "native-a");
  EXPECT_EQ(name_of(auth.authenticate("segment", basic("anything:"))), "seg-open");
}

TEST(SourceAuthenticator, HasKind) {
  const SourceAuthenticator auth({source("web", "segment", AuthType::None)});
  EXPECT_TRUE(auth.has_kind("segment"));
  EXPECT_FALSE(auth.has_kind("native"));
  EXPECT_FALSE(SourceAuthenticator({}).has_kind("segment"));
}

}  // namespace
}  // namespace tp
