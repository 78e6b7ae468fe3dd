#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "model/privacy/protection.h"
#include "model/privacy/pseudonyms.h"
#include "model/privacy/suppression_list.h"

namespace tp {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Expected values computed with:  printf %s customer-42 | openssl dgst -sha256 -hmac pseudonym-key-2026
// (and the same for the other inputs), then "p_" + the first 32 hex digits.
TEST(Pseudonymize, IsTheTruncatedHmacSha256) {
  EXPECT_EQ(pseudonymize("customer-42", "pseudonym-key-2026"), "p_b12f62a7293452be0533057c795e85ff");
  EXPECT_EQ(pseudonymize("jānis.bērziņš@example.lv", "pseudonym-key-2026"),
            "p_da2e9b3bc24b73016c915af690b325d9");
  EXPECT_EQ(pseudonymize("customer-42", "another-key"), "p_773257978299480553f45ab2767e856c");
}

// A lookup may name a customer by the id the client knows or by the pseudonym it read back.
TEST(Pseudonymize, StoredIdMapsClientIdsAndKeepsPseudonyms) {
  const std::string p = pseudonymize("customer-42", "pseudonym-key-2026");
  EXPECT_TRUE(is_pseudonym(p));
  EXPECT_EQ(stored_id("customer-42", "pseudonym-key-2026"), p);
  EXPECT_EQ(stored_id(p, "pseudonym-key-2026"), p);
  EXPECT_EQ(stored_id("customer-42", ""), "customer-42");  // no key: ids are stored as sent
  for (const std::string not_one :
       {"p_", "p_b12f62a7293452be0533057c795e85f", "p_b12f62a7293452be0533057c795e85ff0",
        "p_B12F62A7293452BE0533057C795E85FF", "q_b12f62a7293452be0533057c795e85ff",
        "p_b12f62a7293452be0533057c795e85fg", "customer-42"})
    EXPECT_FALSE(is_pseudonym(not_one)) << not_one;
}

TEST(Pseudonymize, DeterministicDistinctAndShaped) {
  const std::string a = pseudonymize("customer-42", "k1");
  EXPECT_EQ(a, pseudonymize("customer-42", "k1"));
  EXPECT_NE(a, pseudonymize("customer-43", "k1"));
  EXPECT_NE(a, pseudonymize("customer-42", "k2"));
  EXPECT_NE(a, pseudonymize("Customer-42", "k1"));
  ASSERT_EQ(a.size(), 34u);
  EXPECT_EQ(a.substr(0, 2), "p_");
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef", 2), std::string::npos);
  EXPECT_THAT(a, Not(HasSubstr("customer")));
  EXPECT_EQ(pseudonymize("", "k1").size(), 34u);  // an empty id still maps to a pseudonym
}

TEST(Pseudonymize, EmptyKeyIsRefused) {
  EXPECT_THROW(pseudonymize("customer-42", ""), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------- id hashes

// Expected value: printf %s jane@example.com | sha256sum
TEST(IdHash, IsPrefixedSha256OfTheIdAsGiven) {
  const std::string h = id_hash("jane@example.com");
  EXPECT_EQ(h, "h:8c87b489ce35cf2e2f39f80e282cb2e804932a56a213983eeeb428407d43b52d");
  EXPECT_TRUE(is_id_hash(h));
  EXPECT_NE(id_hash("Jane@example.com"), h);  // the suppression list hashes ids exactly as stored
  EXPECT_EQ(suppression_hash("jane@example.com"), h);
  for (const std::string& not_one :
       {std::string("h:"), h.substr(0, 65), h + "0", "H" + h.substr(1),
        std::string("h:8C87B489CE35CF2E2F39F80E282CB2E804932A56A213983EEEB428407D43B52D")})
    EXPECT_FALSE(is_id_hash(not_one)) << not_one;
}

// A hashed identity trait is one identity however the sender cased or padded it.
TEST(IdHash, HashedIdentityTrimsAndLowerCases) {
  const std::string h = id_hash("jane@example.com");
  EXPECT_EQ(hashed_identity("jane@example.com"), h);
  EXPECT_EQ(hashed_identity("  Jane@Example.COM\t"), h);
  EXPECT_NE(hashed_identity("jane@example.co"), h);
}

// ---------------------------------------------------------------------------------------------- suppression

TEST(SuppressionList, RecognisesAnErasedIdInAnyOfAnEventsIds) {
  SuppressionList list;
  Interaction in;
  in.customer_id = "cust-1";
  in.anonymous_id = "anon-1";
  EXPECT_FALSE(is_suppressed(list, in));
  list.add(suppression_hash("alias-9"));
  EXPECT_EQ(list.size(), 1u);
  EXPECT_FALSE(is_suppressed(list, in));
  EXPECT_FALSE(list.contains_id(""));
  in.extra_aliases.push_back("alias-9");
  EXPECT_TRUE(is_suppressed(list, in));
  in.extra_aliases.clear();
  list.add(suppression_hash("anon-1"));
  EXPECT_TRUE(is_suppressed(list, in));
  EXPECT_FALSE(list.contains_id("ANON-1"));
}

// ---------------------------------------------------------------------------------------------- protection

TEST(Protect, HashesLinksRedactsAndPseudonymises) {
  PrivacyOptions options;
  options.pseudonym_key = "k";
  options.hashed_traits = {"email"};
  options.link_traits = {"crm_id"};
  Interaction in;
  in.customer_id = "cust-1";
  in.anonymous_id = "anon-1";
  in.text = "write to jane@example.com or call +371 29 123 456";
  in.traits_json = R"({"email":" Jane@Example.com","crm_id":"crm-7","plan":"gold"})";
  protect(in, options);
  EXPECT_EQ(in.customer_id, pseudonymize("cust-1", "k"));
  EXPECT_EQ(in.anonymous_id, pseudonymize("anon-1", "k"));
  EXPECT_EQ(in.text, "write to [email] or call [phone]");
  const std::string email = pseudonymize(hashed_identity("jane@example.com"), "k");
  EXPECT_THAT(in.extra_aliases, ::testing::ElementsAre(email, pseudonymize("crm-7", "k")));
  EXPECT_THAT(in.traits_json, HasSubstr(email));
  EXPECT_THAT(in.traits_json, Not(HasSubstr("Jane")));
  EXPECT_THAT(in.traits_json, Not(HasSubstr("crm-7")));
  EXPECT_THAT(in.traits_json, HasSubstr("gold"));
}

TEST(Protect, RawTextIsPseudonymisedRedactedAndCutOnACharacter) {
  PrivacyOptions options;
  options.pseudonym_key = "k";
  const std::string raw =
      R"({"userId":"u-1","text":"mail jane@example.com","note":")" + std::string(200, 'x') + R"("})";
  const std::string kept = protect_raw(raw, options, 4096);
  EXPECT_THAT(kept, HasSubstr(pseudonymize("u-1", "k")));
  EXPECT_THAT(kept, Not(HasSubstr("u-1")));
  EXPECT_THAT(kept, HasSubstr("[email]"));
  // Cut short: never inside a character, never longer than asked.
  const std::string cut = protect_raw("éééé", PrivacyOptions{}, 5);
  EXPECT_EQ(cut, "éé");
  // No key: ids stay as sent (only redaction applies).
  EXPECT_THAT(protect_raw(R"({"userId":"u-1"})", PrivacyOptions{}, 100), HasSubstr("u-1"));
}

}  // namespace
}  // namespace tp
