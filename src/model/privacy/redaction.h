// PII redaction before storage. Pure code, no I/O.
//
// redact() replaces what it recognises with typed placeholders and leaves every other byte as it was, so
// valid UTF-8 in gives valid UTF-8 out (a replaced span always starts and ends on a character boundary):
//   "[email]"  addresses, including non-ASCII local parts and domains in Latin, Cyrillic, Greek, Arabic,
//              Hebrew and a few other spaced scripts ("jānis.bērziņš@example.lv", "иван@почта.рф").
//   "[phone]"  "+CC ..." international numbers and "00CC..."; national numbers written with spaces, dashes,
//              dots, slashes or parentheses ("040 123 4567", "8 (912) 345-67-89"); a bare digit run only
//              after a phone word ("tel", "телефон", "tālrunis", "电话", ...) or a number just redacted.
//              7 to 15 digits; longer runs are read as several numbers side by side. Dates, times,
//              amounts (decimals, currency next to them, "1 000 000"), IP addresses, year ranges and
//              anything after an order word ("order", "pasūtījums", "заказ", "ordre", "tilaus", "#", ...)
//              are left alone.
//   "[card]"   13 to 19 digits (optionally grouped with spaces or dashes), first digit 2-6, Luhn-valid,
//              and not after an order word.
//   "[iban]"   a known IBAN country code, two check digits and 11-30 letters/digits (single spaces
//              allowed), 15-34 characters in all, passing the ISO 7064 mod-97 check.
// Not recognised (see docs/privacy.md): names, postal addresses, free-form ids, numbers spelled out or in
// non-ASCII digits, e-mail addresses written in CJK scripts or obfuscated ("name at example dot com").
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace tp {

struct RedactionOptions {
  bool emails = true;
  bool phones = true;
  bool cards = true;
  bool ibans = true;
};

struct RedactionCounts {
  size_t emails = 0;
  size_t phones = 0;
  size_t cards = 0;
  size_t ibans = 0;
  size_t total() const { return emails + phones + cards + ibans; }
};

// Redaction is idempotent: redact(redact(x)) == redact(x). A kind switched off is left as written, and its
// digits are not re-read as another kind (a card number is never turned into "[phone]"). `counts`, when
// given, is incremented by the number of spans replaced of each kind.
std::string redact(std::string_view text, const RedactionOptions& options = {},
                   RedactionCounts* counts = nullptr);

// redact() without its shortcut: text with no '@' and no ASCII digit holds nothing redact() recognises
// (every kind needs one or the other) and is returned as it is, without a scan. For tests of that claim.
std::string redact_scan(std::string_view text, const RedactionOptions& options = {},
                        RedactionCounts* counts = nullptr);

// The checks redact() uses, exposed for tests and callers that validate input.
bool luhn_valid(std::string_view digits);  // ASCII digits only; false for anything else or an empty string
bool iban_valid(std::string_view iban);    // spaces allowed; known country, 15-34 characters, mod-97 == 1

}  // namespace tp
