#include "model/privacy/redaction.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace tp {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Case {
  const char* in;
  const char* out;
};

// Strict UTF-8 validation (no overlongs, no surrogates, at most U+10FFFF), independent of the code under
// test.
bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

// ------------------------------------------------------------------------------------------------ the table

const std::vector<Case> kEmails = {
    {"Mans e-pasts ir jānis.bērziņš@example.lv", "Mans e-pasts ir [email]"},
    {"Write to anna.svensson+support@firma.no, takk!", "Write to [email], takk!"},
    {"Почта: иван.петров@почта.рф.", "Почта: [email]."},
    {"Sähköposti: matti.meikäläinen@yritys.fi kiitos", "Sähköposti: [email] kiitos"},
    {"Min e-post er øystein.ås@bedrift.no", "Min e-post er [email]"},
    {"我的邮箱是test.user@example.com谢谢", "我的邮箱是[email]谢谢"},
    {"بريدي الإلكتروني هو ali.hassan@example.sa شكرا", "بريدي الإلكتروني هو [email] شكرا"},
    {"UPPER.CASE@EXAMPLE.COM", "[email]"},
    {"<mailto:a_b-c@sub.domain.co.uk>", "<mailto:[email]>"},
    {"two: a@b.io,c@d.io", "two: [email],[email]"},
    {"(o'brien@example.ie)", "([email])"},
    {"digits 29123456@sms.example.com too", "digits [email] too"},
};

const std::vector<Case> kPhones = {
    {"Мой телефон +7 912 345-67-89", "Мой телефон [phone]"},
    {"Zvani man: +371 2912 3456!", "Zvani man: [phone]!"},
    {"Mans tālrunis ir 29123456.", "Mans tālrunis ir [phone]."},
    {"Ring meg på 912 34 567", "Ring meg på [phone]"},
    {"Soita numeroon 040 123 4567, kiitos", "Soita numeroon [phone], kiitos"},
    {"Call (555) 123-4567 today", "Call [phone] today"},
    {"+1 (555) 123-4567", "[phone]"},
    {"UK office +44 20 7946 0958 or +44 (0)20 7946 0958", "UK office [phone] or [phone]"},
    {"Звоните 8 (912) 345-67-89 после обеда", "Звоните [phone] после обеда"},
    {"电话：138 1234 5678", "电话：[phone]"},
    {"我的手机13812345678", "我的手机[phone]"},
    {"رقم هاتفي +966 50 123 4567", "رقم هاتفي [phone]"},
    {"Tel.: 67 123 456", "Tel.: [phone]"},
    {"0037129123456", "[phone]"},
    {"+37129123456", "[phone]"},
    {"555.123.4567", "[phone]"},
    {"Büro 0911/123456", "Büro [phone]"},
    {"+47\u00a0912\u00a034\u00a0567 (no-break spaces)", "[phone] (no-break spaces)"},
    {"Tikšanās 2026-11-23, zvaniet 29 123 456", "Tikšanās 2026-11-23, zvaniet [phone]"},
    {"2026-11-23 29 123 456", "2026-11-23 [phone]"},
    {"call me at 29123456", "call me at [phone]"},
    {"US local: 555-1234", "US local: [phone]"},
    {"(29 123 456)", "([phone])"},
    {"(+371) 29123456", "[phone]"},
    {"Zentrale +49 (0) 911 / 123 45-6", "Zentrale [phone]"},
    // Several numbers side by side.
    {"tel 29123456/29654321", "tel [phone]/[phone]"},
    {"phone 29123456, 29654321", "phone [phone], [phone]"},
    {"Tel 29123456 29654321", "Tel [phone] [phone]"},
    {"tel. 020-7946-0958, fax 020 7946 0959", "tel. [phone], fax [phone]"},
};

const std::vector<Case> kCards = {
    {"Kortnummer 4111 1111 1111 1111", "Kortnummer [card]"},
    {"card: 4111-1111-1111-1111, exp 12/27", "card: [card], exp 12/27"},
    {"5555555555554444", "[card]"},
    {"Amex 3782 822463 10005", "Amex [card]"},
    {"Номер карты 4012 8888 8888 1881, срок 12/27", "Номер карты [card], срок 12/27"},
    {"Kortin numero 4222222222222", "Kortin numero [card]"},
    {"卡号 6011 1111 1111 1117 谢谢", "卡号 [card] 谢谢"},
    {"Kartes numurs: 4111 1111 1111 1111 12/27", "Kartes numurs: [card] 12/27"},
    {"cards 4111111111111111,5555555555554444", "cards [card],[card]"},
    {"4111 1111 1111 1111 4012 8888 8888 1881", "[card] [card]"},
};

const std::vector<Case> kIbans = {
    {"IBAN LV80BANK0000435195001", "IBAN [iban]"},
    {"IBAN: LV80 BANK 0000 4351 9500 1.", "IBAN: [iban]."},
    {"Kontonummer NO93 8601 1117 947 takk", "Kontonummer [iban] takk"},
    {"Tilinumero FI21 1234 5600 0007 85", "Tilinumero [iban]"},
    {"DE89 3704 0044 0532 0130 00 bitte", "[iban] bitte"},
    {"gb82west12345698765432", "[iban]"},
    {"Счёт FR14 2004 1010 0505 0001 3M02 606", "Счёт [iban]"},
    {"رقم الآيبان DE89370400440532013000 شكرا", "رقم الآيبان [iban] شكرا"},
};

// Look-alikes that must survive untouched.
const std::vector<const char*> kUntouched = {
    // dates and times
    "Piegāde 2026-11-23 plkst. 14:30",
    "Доставка 23.11.2026 в 14:30",
    "Delivery 11/23/2026 at 09.15",
    "Leveranse 23.11.26 kl. 14.30",
    "2026-11-23T09:15:00Z",
    "Valid 2019-2026",
    "seit 1990 2000 2010",
    // prices and amounts
    "Hinta 1 299,00 €",
    "Cena: 1 299 000,00 EUR",
    "Price € 1 299 000",
    "Цена 12 345 678 руб.",
    "Total 1.299.000 kr",
    "Sum 12 345 678.90",
    "We have 1 000 000 users",
    "Cost: $ 4 500 000",
    // order, ticket and other business numbers
    "Order 4111 1111 1111 1111",
    "Order #4111111111111111",
    "order id: 5555 5555 5555 4444",
    "pasūtījums Nr. 1234 5678",
    "Jūsu pasūtījuma numurs ir 4111 1111 1111 1111",
    "Ваш заказ № 123-456-789 отправлен",
    "Номер заказа 4012 8888 8888 1881",
    "Ordre 912 34 567 er sendt",
    "Ordrenummer: 4111111111111111",
    "Tilaus 040 123 4567 on lähetetty",
    "Tilausnumero 4111-1111-1111-1111",
    "Commande #912 345 678",
    "订单号：13812345678",
    "Ticket 555-123-4567",
    "ISBN 978-3-16-148410-0",
    "see #4012888888881881",
    // Luhn, IBAN and length failures
    "4111 1111 1111 1112",
    "IBAN LV80BANK0000435195002",
    "DE89370400440532013001",
    "XX80BANK0000435195001",
    "Ab12cdef",
    "12-345",
    "12 34 56",
    "1234567890123456789012",
    // identifiers and other numbers
    "Server 192.168.100.200 is down",
    "Kurs 1.2345678",
    "Build 10.0.19045.3693",
    "Coordinates 56.9496 24.1052",
    "PIN 1234, code 567890",
    "Room 101, floor 3, building 12",
    "Date: 23/11/2026 14:30:00",
    "I paid 1 299 for it",
    "Version 1.2.3 and 10.4.22",
    "Customer 12345678 wrote",
    "timestamp 1795000000000",
    "id_29123456 and ABC29123456 and 29123456abc",
    "https://example.com/track?id=29123456",
    // not e-mail addresses
    "user@localhost",
    "@handle and a@b and price@5",
    "name at example dot com",
    // plain text in several scripts
    "Sveiki! Kā jums klājas? Ļoti labi.",
    "Привет! Как дела? Всё хорошо.",
    "Hei! Hvordan går det? Bra, takk. Æøå.",
    "Hei! Mitä kuuluu? Hyvää, kiitos. Äö.",
    "你好！最近怎么样？很好，谢谢。",
    "مرحبا! كيف حالك؟ بخير، شكرا.",
};

std::vector<Case> all_positive_cases() {
  std::vector<Case> all;
  for (const auto* table : {&kEmails, &kPhones, &kCards, &kIbans})
    all.insert(all.end(), table->begin(), table->end());
  return all;
}

TEST(Redact, Emails) {
  for (const auto& c : kEmails) EXPECT_EQ(redact(c.in), c.out) << c.in;
}

TEST(Redact, Phones) {
  for (const auto& c : kPhones) EXPECT_EQ(redact(c.in), c.out) << c.in;
}

TEST(Redact, Cards) {
  for (const auto& c : kCards) EXPECT_EQ(redact(c.in), c.out) << c.in;
}

TEST(Redact, Ibans) {
  for (const auto& c : kIbans) EXPECT_EQ(redact(c.in), c.out) << c.in;
}

TEST(Redact, LookAlikesSurvive) {
  for (const char* in : kUntouched) {
    RedactionCounts counts;
    EXPECT_EQ(redact(in, {}, &counts), in);
    EXPECT_EQ(counts.total(), 0u) << in;
  }
}

TEST(Redact, OrderContextOnlyProtectsTheNumberRightAfterIt) {
  EXPECT_EQ(redact("Order 12345, call me at +371 2912 3456"), "Order 12345, call me at [phone]");
  EXPECT_EQ(redact("my order 123 456 and my phone 29 123 456"), "my order 123 456 and my phone [phone]");
  EXPECT_EQ(redact("Pasūtījums 1234; karte 4111 1111 1111 1111"), "Pasūtījums 1234; karte [card]");
  // An order word must be a word of its own: "border" is not "order".
  EXPECT_EQ(redact("border 4111 1111 1111 1111"), "border [card]");
}

TEST(Redact, MixedMessage) {
  const std::string in =
      "Sveiki! Esmu Jānis, jānis.bērziņš@example.lv, tālr. +371 2912 3456. Pasūtījums Nr. 2026-1123 no "
      "2026-11-23 "
      "par 1 299,00 €. Karte 4111 1111 1111 1111, IBAN LV80 BANK 0000 4351 9500 1. Paldies!";
  const std::string expected =
      "Sveiki! Esmu Jānis, [email], tālr. [phone]. Pasūtījums Nr. 2026-1123 no 2026-11-23 "
      "par 1 299,00 €. Karte [card], IBAN [iban]. Paldies!";
  RedactionCounts counts;
  EXPECT_EQ(redact(in, {}, &counts), expected);
  EXPECT_EQ(counts.emails, 1u);
  EXPECT_EQ(counts.phones, 1u);
  EXPECT_EQ(counts.cards, 1u);
  EXPECT_EQ(counts.ibans, 1u);
  EXPECT_EQ(counts.total(), 4u);
}

TEST(Redact, CountsAccumulate) {
  RedactionCounts counts;
  redact("a@b.io c@d.io", {}, &counts);
  redact("+371 2912 3456", {}, &counts);
  EXPECT_EQ(counts.emails, 2u);
  EXPECT_EQ(counts.phones, 1u);
  EXPECT_EQ(counts.total(), 3u);
  EXPECT_NO_THROW(redact("a@b.io", {}, nullptr));
}

TEST(Redact, EachKindCanBeSwitchedOffWithoutBeingReadAsAnother) {
  const std::string in = "x.y@example.com +371 2912 3456 4111 1111 1111 1111 LV80BANK0000435195001";
  EXPECT_EQ(redact(in), "[email] [phone] [card] [iban]");

  RedactionOptions o;
  o.emails = false;
  EXPECT_EQ(redact(in, o), "x.y@example.com [phone] [card] [iban]");
  o = {};
  o.phones = false;
  EXPECT_EQ(redact(in, o), "[email] +371 2912 3456 [card] [iban]");
  o = {};
  o.cards = false;
  RedactionCounts counts;
  EXPECT_EQ(redact(in, o, &counts), "[email] [phone] 4111 1111 1111 1111 [iban]");
  EXPECT_EQ(counts.cards, 0u);
  EXPECT_EQ(counts.phones, 1u);
  o = {};
  o.ibans = false;
  EXPECT_EQ(redact(in, o), "[email] [phone] [card] LV80BANK0000435195001");
  o = {false, false, false, false};
  EXPECT_EQ(redact(in, o), in);

  // A 13-digit Luhn-valid card with cards off stays a card, not a phone number; an e-mail address made of
  // digits stays an address.
  o = {};
  o.cards = false;
  EXPECT_EQ(redact("4222222222222", o), "4222222222222");
  o = {};
  o.emails = false;
  EXPECT_EQ(redact("tel 29123456@sms.example.com", o), "tel 29123456@sms.example.com");
  o = {};
  o.ibans = false;
  EXPECT_EQ(redact("NO93 8601 1117 947", o), "NO93 8601 1117 947");
}

TEST(Redact, IsIdempotent) {
  std::vector<std::string> inputs;
  for (const auto& c : all_positive_cases()) inputs.push_back(c.in);
  for (const char* in : kUntouched) inputs.push_back(in);
  inputs.push_back("call me a@b.cc 29123456");
  inputs.push_back("john@x.com29 123 456");
  inputs.push_back("tel 4111111111111111 29123456");
  inputs.push_back("[phone] 29 123 456 [email]");
  for (const auto& in : inputs) {
    const std::string once = redact(in);
    EXPECT_EQ(redact(once), once) << in;
  }
}

TEST(Redact, OutputIsValidUtf8AndTextAroundIsKeptByteForByte) {
  std::vector<std::string> inputs;
  for (const auto& c : all_positive_cases()) inputs.push_back(c.in);
  for (const char* in : kUntouched) inputs.push_back(in);
  // PII glued to multi-byte characters on both sides, in several scripts.
  inputs.push_back("ā+371 2912 3456ā");
  inputs.push_back("Ж4111 1111 1111 1111Ж");
  inputs.push_back("电话13812345678。邮箱test@example.com。");
  inputs.push_back("€LV80BANK0000435195001€");
  inputs.push_back("\u200e+966 50 123 4567\u200f");
  for (const auto& in : inputs) {
    ASSERT_TRUE(valid_utf8(in)) << "bad test input: " << in;
    EXPECT_TRUE(valid_utf8(redact(in))) << in;
  }
  EXPECT_EQ(redact("ā+371 2912 3456ā"), "ā[phone]ā");
  EXPECT_EQ(redact("Ж4111 1111 1111 1111Ж"), "Ж[card]Ж");
  EXPECT_EQ(redact("电话13812345678。邮箱test@example.com。"), "电话[phone]。邮箱[email]。");
  EXPECT_EQ(redact("€LV80BANK0000435195001€"), "€[iban]€");
  EXPECT_EQ(redact("\u200e+966 50 123 4567\u200f"), "\u200e[phone]\u200f");
}

TEST(Redact, InvalidUtf8IsPassedThroughNotMadeWorse) {
  const std::string in = std::string("bad \xC3 byte, a@b.io \xFF\xFE and +371 2912 3456 \xE2\x82");
  const std::string out = redact(in);
  EXPECT_EQ(out, std::string("bad \xC3 byte, [email] \xFF\xFE and [phone] \xE2\x82"));
}

// redact() returns text without '@' and ASCII digits unscanned; the full scan must agree that such text
// holds nothing to redact, whatever else is in it (letters of many scripts, punctuation, phone and order
// words, invalid UTF-8), with every kind switched on.
TEST(Redact, TextWithoutAtSignOrDigitsHasNothingToRedact) {
  const std::vector<std::string> pieces = {
      "a",   "Z",     " ",     ".",    "-",    "+",  "(",      ")",      "/",    "#",
      "tel", "phone", "order", "IBAN", "LV",   "GB", "DE",     "e-mail", "mail", "at",
      "dot", "com",   "ā",     "Ж",    "电话", "€",  "\u200e", "\xC3",   "\xFF", "٣",
      "０",  "＠",    "-- ",   "xn--", "card", "\t", "\n",     "№",      "ref",  "номер"};
  std::mt19937 rng(7);
  for (int round = 0; round < 5000; ++round) {
    std::string text;
    for (unsigned n = rng() % 24; n > 0; --n) text += pieces[rng() % pieces.size()];
    ASSERT_EQ(text.find_first_of("@0123456789"), std::string::npos);
    RedactionCounts counts;
    EXPECT_EQ(redact_scan(text, {}, &counts), text);
    EXPECT_EQ(counts.total(), 0u) << text;
    EXPECT_EQ(redact(text), text);
  }
}

TEST(Redact, EmptyAndPlaceholdersOnly) {
  EXPECT_EQ(redact(""), "");
  EXPECT_EQ(redact("[email] [phone] [card] [iban]"), "[email] [phone] [card] [iban]");
}

TEST(Redact, LongInputWithManyCandidatesStaysLinear) {
  std::string in;
  for (int i = 0; i < 5000; ++i) in += "a@b.io, 29 123 456, 1 299,00 €, 2026-11-23, 4111 1111 1111 1111; ";
  RedactionCounts counts;
  const std::string out = redact(in, {}, &counts);
  EXPECT_EQ(counts.emails, 5000u);
  EXPECT_EQ(counts.phones, 5000u);
  EXPECT_EQ(counts.cards, 5000u);
  EXPECT_THAT(out, Not(HasSubstr("4111")));
}

// Numbers glued to punctuation and to each other. A number right after "digit," or "digit." used to start
// only when seven digits followed, so one starting with '+' or '(' was kept, and a second pass (which sees
// the first number as a placeholder) redacted what the first had kept.
const std::vector<Case> kAdjacentPhones = {
    // From a hostile-testing run: each was stored as sent.
    {"room 12,+37129654321", "room 12,[phone]"},
    {"my numbers: 29123456,+37129654321", "my numbers: [phone],[phone]"},
    {"card 4111 1111 1111 1111,555.123.4567", "card [card],[phone]"},
    {"call 782 82246+3 140005111", "call [phone][phone]"},
    // International and national formats, alone and glued to punctuation.
    {"+44 20 7946 0958", "[phone]"},
    {"(555) 123-4567", "[phone]"},
    {"0049-30-1234567", "[phone]"},
    {"tel:+371-2912-3456,", "tel:[phone],"},
    {"<+44 20 7946 0958>", "<[phone]>"},
    {"\"(555) 123-4567\"!", "\"[phone]\"!"},
    {"room 12,(555) 123-4567", "room 12,[phone]"},
    {"tel 29123456,555.123.4567", "tel [phone],[phone]"},
    // Adjacent numbers separated by , . / ;
    {"+44 20 7946 0958,+44 20 7946 0959", "[phone],[phone]"},
    {"+44 20 7946 0958.+44 20 7946 0959", "[phone].[phone]"},
    {"+44 20 7946 0958/+44 20 7946 0959", "[phone]/[phone]"},
    {"+44 20 7946 0958;+44 20 7946 0959", "[phone];[phone]"},
    {"(555) 123-4567,(555) 987-6543", "[phone],[phone]"},
    {"(555) 123-4567/(555) 987-6543", "[phone]/[phone]"},
    {"0049-30-1234567/0049-30-7654321", "[phone]/[phone]"},
    {"0049-30-1234567;0049-30-7654321", "[phone];[phone]"},
    {"0049-30-1234567.0049-30-7654321", "[phone].[phone]"},
    {"555.123.4567.555.987.6543", "[phone].[phone]"},
    {"tel 29123456.29654321", "tel [phone].[phone]"},
    {"call 29123456;29654321", "call [phone];[phone]"},
    {"Büro 0911/123456/0911/654321", "Büro [phone]/[phone]"},
    {"+44 20 7946 0958 0049 30 1234567", "[phone] [phone]"},
};

TEST(Redact, AdjacentAndGluedPhones) {
  for (const auto& c : kAdjacentPhones) {
    const std::string once = redact(c.in);
    EXPECT_EQ(once, c.out) << c.in;
    EXPECT_EQ(redact(once), once) << c.in;
  }
}

bool has_digit_run(const std::string& s, size_t n) {
  size_t run = 0;
  for (const char c : s) {
    run = (c >= '0' && c <= '9') ? run + 1 : 0;
    if (run >= n) return true;
  }
  return false;
}

// Phone numbers in several formats, side by side with the separators people type between them, after
// words and numbers that glue to them: every one is redacted (no 7 digits in a row are left) and a
// second pass changes nothing.
TEST(Redact, GeneratedPhoneListsAreRedactedAndStayRedacted) {
  std::mt19937 rng(2026);
  auto digits = [&](size_t n, bool nonzero_first = false) {
    std::string d;
    for (size_t i = 0; i < n; ++i)
      d.push_back(static_cast<char>('0' + ((i == 0 && nonzero_first) ? 1 + rng() % 9 : rng() % 10)));
    return d;
  };
  const std::vector<std::function<std::string()>> formats = {
      [&] { return "+" + digits(1 + rng() % 3, true) + " " + digits(3) + " " + digits(4); },
      [&] { return "+" + digits(2, true) + " " + digits(2) + " " + digits(4) + " " + digits(4); },
      [&] { return "+" + digits(2, true) + digits(9); },
      [&] { return "(" + digits(3) + ") " + digits(3) + "-" + digits(4); },
      [&] { return "00" + digits(2, true) + "-" + digits(2) + "-" + digits(7); },
      [&] { return "00" + digits(2, true) + digits(9); },
      [&] { return digits(3) + "." + digits(3) + "." + digits(4); },
      [&] { return "0" + digits(3) + "/" + digits(6); },
  };
  const std::vector<std::string> joins = {",", ".", "/", ";", ", ", "; ", " / ", " ", ",\u00a0"};
  // "room 12." is glued to numbers that start with '+' or '(' only: "12.0049..." is one run of digits.
  const std::vector<std::string> prefixes = {"",         "call ", "tel: ", "my numbers: ", "room 12,",
                                             "room 12.", "(",     "<",     "Nr.",          "x "};
  const std::vector<std::string> suffixes = {"", ".", "!", ")", ">", ",", " ok", ";"};
  for (int round = 0; round < 20000; ++round) {
    std::string text = prefixes[rng() % prefixes.size()];
    for (unsigned n = 1 + rng() % 4; n > 0; --n) {
      const std::string number = formats[rng() % formats.size()]();
      if (text.ends_with("12.") && number[0] != '+' && number[0] != '(') text.back() = ',';
      text += number;
      if (n > 1) text += joins[rng() % joins.size()];
    }
    text += suffixes[rng() % suffixes.size()];
    const std::string once = redact(text);
    EXPECT_FALSE(has_digit_run(once, 7)) << text << "\n -> " << once;
    EXPECT_EQ(redact(once), once) << text;
  }
}

// Idempotence over text made of the pieces the number rules look at (digits, separators, phone and order
// words, currencies, dates, cards, placeholders), with every kind on and with each kind off.
TEST(Redact, GeneratedTextIsIdempotent) {
  std::vector<std::string> pieces = {"0", "1", "7", "12", "29123456", "555", "4567", "0049", "2026"};
  for (const char* p : {" ", ",", ".", "/", ";", "-", "+", "(", ")", ":", "\u00a0", "_", "@", "x"})
    pieces.push_back(p);
  for (const char* p :
       {"tel ", "call ", "order ", "#", "€", "EUR", "[phone]", "1 000", "2026-11-23", "23.11.2026"})
    pieces.push_back(p);
  for (const char* p : {"a@b.io", "LV80BANK0000435195001", "4111 1111 1111 1111"}) pieces.push_back(p);
  std::vector<RedactionOptions> option_sets(5);
  option_sets[1].phones = false;
  option_sets[2].cards = false;
  option_sets[3].emails = false;
  option_sets[4].ibans = false;
  std::mt19937 rng(11);
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    for (unsigned n = 1 + rng() % 24; n > 0; --n) text += pieces[rng() % pieces.size()];
    const RedactionOptions& o = option_sets[rng() % option_sets.size()];
    const std::string once = redact(text, o);
    ASSERT_EQ(redact(once, o), once) << text;
  }
}

// ------------------------------------------------------------------------------------------------ checks

TEST(Luhn, KnownNumbers) {
  for (const char* ok : {"4111111111111111", "5555555555554444", "378282246310005", "4012888888881881",
                         "4222222222222", "6011111111111117", "79927398713", "0"})
    EXPECT_TRUE(luhn_valid(ok)) << ok;
  for (const char* bad :
       {"4111111111111112", "5555555555554440", "79927398710", "", "4111 1111 1111 1111", "12a4"})
    EXPECT_FALSE(luhn_valid(bad)) << bad;
}

TEST(Iban, Mod97) {
  for (const char* ok : {"LV80BANK0000435195001", "LV80 BANK 0000 4351 9500 1", "NO9386011117947",
                         "FI2112345600000785", "DE89370400440532013000", "GB82WEST12345698765432",
                         "gb82west12345698765432", "FR1420041010050500013M02606"})
    EXPECT_TRUE(iban_valid(ok)) << ok;
  for (const char* bad : {"LV80BANK0000435195002", "DE89370400440532013001", "NO9386011117948",
                          "XX80BANK0000435195001",       // not an IBAN country
                          "LV80BANK00004351950",         // truncated
                          "LV80-BANK-0000-4351-9500-1",  // dashes are not IBAN grouping
                          "", "LV", "8080BANK0000435195001"})
    EXPECT_FALSE(iban_valid(bad)) << bad;
}

}  // namespace
}  // namespace tp
