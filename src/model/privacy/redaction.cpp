#include "model/privacy/redaction.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

namespace tp {
namespace {

enum class Kind { Email, Phone, Card, Iban };

struct Span {
  size_t begin;
  size_t end;
  Kind kind;
};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_lower(char c) {
  return c >= 'a' && c <= 'z';
}
bool is_alpha(char c) {
  return is_upper(c) || is_lower(c);
}
bool is_alnum(char c) {
  return is_alpha(c) || is_digit(c);
}
bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// At most `max` bytes before / after `pos`, cut on character boundaries.
std::string_view window_before(std::string_view t, size_t pos, size_t max) {
  size_t start = pos > max ? pos - max : 0;
  while (start < pos && is_continuation(t[start])) ++start;
  return t.substr(start, pos - start);
}
std::string_view window_after(std::string_view t, size_t pos, size_t max) {
  size_t end = std::min(t.size(), pos + max);
  while (end > pos && end < t.size() && is_continuation(t[end])) --end;
  return t.substr(pos, end - pos);
}

std::unique_ptr<RE2> compile(const std::string& pattern) {
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingUTF8);
  o.set_log_errors(false);
  o.set_max_mem(64 << 20);
  auto re = std::make_unique<RE2>(pattern, o);
  if (!re->ok()) throw std::logic_error("redaction: bad built-in pattern: " + re->error());
  return re;
}

// ----------------------------------------------------------------------------------------------- patterns

// Letters of scripts that separate words with spaces. Scripts written without spaces (Han, kana, Thai, ...)
// are left out on purpose: an address glued to Chinese text ("邮箱test@example.com谢谢") must not swallow it.
#define TP_EMAIL_CHARS \
  R"(\p{Latin}\p{Cyrillic}\p{Greek}\p{Armenian}\p{Georgian}\p{Hebrew}\p{Arabic}\p{Devanagari}\p{M}\p{Nd})"

const RE2& email_re() {
  static const auto re =
      compile("[" TP_EMAIL_CHARS "_%+\\-][" TP_EMAIL_CHARS
              "._%+'\\-]*"
              "@(?:[" TP_EMAIL_CHARS "](?:[" TP_EMAIL_CHARS "\\-]*[" TP_EMAIL_CHARS
              "])?\\.)+"
              "(?:xn--[a-zA-Z0-9\\-]+|[\\p{Latin}\\p{Cyrillic}\\p{Greek}\\p{Arabic}\\p{Hebrew}]{2,})");
  return *re;
}

// Fillers allowed between an order word and its number: "Order no.: #", "pasūtījuma numurs ir", "номер".
#define TP_ORDER_FILLERS \
  R"((?:\s|[\p{P}№=]|no|nr|nro|num|number|nummer|numero|numéro|numurs|номер|id|is|ir|on|er|est|ist|es|ref)*)"

// The window before a number ends with an order (invoice, ticket, tracking) word: the number is an
// identifier the business needs, not personal data.
const RE2& order_context_re() {
  static const auto re = compile(
      "(?i)(?:(?:^|[^\\p{L}\\p{N}])(?:order|ordre|orden|ordine|ordem|bestell|bestilling|pasūtījum|заказ|"
      "замовлен|"
      "tilau|invoice|faktur|rēķin|счёт|счет|lasku|tracking|parcel|shipment|sūtījum|посылк|отправлен|ticket|"
      "booking|reservation|confirmation|reference|ref|isbn|ean|sku|artikel|article)[\\p{L}\\p{M}]*"
      "|订单|訂單|单号|單號|طلب|فاتورة|[#№])" TP_ORDER_FILLERS "$");
  return *re;
}

// The window before a bare digit run ends with a phone word and at most three other words. A phone or card
// number redacted just before counts as a phone word: "[card]-8904530" is a list of numbers.
const RE2& phone_context_re() {
  static const auto re = compile(
      "(?i)(?:(?:^|[^\\p{L}\\p{N}])(?:tel|phone|mobile|mob|cell|call|ring|whatsapp|sms|viber|telegram|fax|"
      "телефон|тел|моб|звон|номер|tālr|telefon|mobil|zvan|puh|soita|numero|number|numurs|nummer|"
      "هاتف|جوال|اتصل|رقم)[\\p{L}\\p{M}]*"
      "|电话|電話|手机|手機|致电|联系|\\[(?:phone|card)\\])"
      "(?:[\\s\\p{P}]*[\\p{L}\\p{M}]+){0,3}[\\s\\p{P}]*$");
  return *re;
}

// clang-format re-splits these literals differently on every run (it counts UTF-8 bytes as columns).
// clang-format off
const RE2& currency_before_re() {
  static const auto re = compile(
      "(?i)(?:[$€£¥₽₹₴₩₺]|(?:^|[^\\p{L}])(?:eur|usd|gbp|nok|sek|dkk|rub|руб|pln|chf|cny|rmb|kr|ls)\\.?)"
      "\\s*$");
  return *re;
}

const RE2& currency_after_re() {
  static const auto re = compile(
      "^\\s*(?:[$€£¥₽₹₴₩₺元円]|(?i:eur|euro|eiro|евро|usd|dollar|долл|gbp|pound|nok|sek|dkk|rub|руб|pln|zł|"
      "chf|cny|rmb|yuan|kr|kroner|kronor|krone|ls|lats)(?:[^\\p{L}]|$))");
  return *re;
}
// clang-format on

#undef TP_EMAIL_CHARS
#undef TP_ORDER_FILLERS

bool partial(const RE2& re, std::string_view text) {
  return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), re);
}

// ------------------------------------------------------------------------------------------------- emails

void find_emails(std::string_view text, std::vector<Span>& spans) {
  const re2::StringPiece input(text.data(), text.size());
  re2::StringPiece m;
  size_t pos = 0;
  while (pos < text.size() && email_re().Match(input, pos, text.size(), RE2::UNANCHORED, &m, 1)) {
    const size_t begin = static_cast<size_t>(m.data() - text.data());
    const size_t end = begin + m.size();
    if (end == begin) break;  // cannot happen with this pattern; guards the loop
    spans.push_back({begin, end, Kind::Email});
    pos = end;
  }
}

// -------------------------------------------------------------------------------------------------- IBANs

// Countries that issue IBANs (the SWIFT registry, plus countries that use the format nationally).
bool iban_country(char a, char b) {
  static constexpr const char* kCountries[] = {
      "AD", "AE", "AL", "AT", "AZ", "BA", "BE", "BG", "BH", "BI", "BR", "BY", "CH", "CR", "CY", "CZ",
      "DE", "DJ", "DK", "DO", "EE", "EG", "ES", "FI", "FK", "FO", "FR", "GB", "GE", "GI", "GL", "GR",
      "GT", "HN", "HR", "HU", "IE", "IL", "IQ", "IS", "IT", "JO", "KW", "KZ", "LB", "LC", "LI", "LT",
      "LU", "LV", "LY", "MC", "MD", "ME", "MK", "MN", "MR", "MT", "MU", "NI", "NL", "NO", "OM", "PK",
      "PL", "PS", "PT", "QA", "RO", "RS", "RU", "SA", "SC", "SD", "SE", "SI", "SK", "SM", "SO", "ST",
      "SV", "TL", "TN", "TR", "UA", "VA", "VG", "XK", "YE", "DZ", "AO", "BJ", "BF", "CM", "CV", "CF",
      "CG", "CI", "GA", "GQ", "GW", "IR", "MG", "ML", "MA", "MZ", "NE", "SN", "TG"};
  for (const char* c : kCountries)
    if (c[0] == a && c[1] == b) return true;
  return false;
}

// `compact`: upper-case letters and digits only.
bool iban_checksum_ok(std::string_view compact) {
  if (compact.size() < 15 || compact.size() > 34) return false;
  if (!is_upper(compact[0]) || !is_upper(compact[1]) || !is_digit(compact[2]) || !is_digit(compact[3]))
    return false;
  if (!iban_country(compact[0], compact[1])) return false;
  unsigned remainder = 0;
  auto feed = [&](char c) {
    if (is_digit(c))
      remainder = (remainder * 10 + static_cast<unsigned>(c - '0')) % 97;
    else
      remainder = (remainder * 100 + static_cast<unsigned>(c - 'A' + 10)) % 97;
  };
  for (size_t i = 4; i < compact.size(); ++i) {
    if (!is_upper(compact[i]) && !is_digit(compact[i])) return false;
    feed(compact[i]);
  }
  for (size_t i = 0; i < 4; ++i) feed(compact[i]);
  return remainder == 1;
}

void find_ibans(std::string_view t, const std::vector<bool>& covered, std::vector<Span>& spans) {
  const size_t n = t.size();
  for (size_t p = 0; p + 4 <= n; ++p) {
    if (covered[p]) continue;
    if (!is_alpha(t[p]) || !is_alpha(t[p + 1]) || !is_digit(t[p + 2]) || !is_digit(t[p + 3])) continue;
    if (p > 0 && (is_alnum(t[p - 1]) || t[p - 1] == '_')) continue;
    const bool upper = is_upper(t[p]);
    if (is_upper(t[p + 1]) != upper) continue;
    // Letters and digits from p on, single spaces between groups allowed, letters in the country code's case.
    std::vector<size_t> pos;
    size_t i = p;
    while (i < n && pos.size() < 34 && !covered[i]) {
      const char c = t[i];
      if (is_alnum(c)) {
        if (is_alpha(c) && is_upper(c) != upper) break;
        pos.push_back(i++);
      } else if (c == ' ' && i + 1 < n && is_alnum(t[i + 1]) && !covered[i + 1]) {
        ++i;
      } else {
        break;
      }
    }
    // The longest candidate that ends where a token ends and passes the check.
    for (size_t len = pos.size(); len >= 15; --len) {
      const size_t end = pos[len - 1] + 1;
      if (end < n && is_alnum(t[end])) continue;
      std::string compact;
      for (size_t k = 0; k < len; ++k) {
        const char c = t[pos[k]];
        compact.push_back(is_lower(c) ? static_cast<char>(c - 'a' + 'A') : c);
      }
      if (iban_checksum_ok(compact)) {
        spans.push_back({p, end, Kind::Iban});
        p = end - 1;
        break;
      }
    }
  }
}

// ------------------------------------------------------------------------------------ numbers: cards, phones

struct Group {
  size_t open, close;   // the group's bytes, parentheses included
  size_t dbegin, dend;  // its digits
  bool paren = false;
  size_t len() const { return dend - dbegin; }
};

struct Run {
  size_t begin = 0, end = 0;
  bool plus = false;
  std::vector<Group> groups;
  std::vector<char> seps;  // seps[i] joins groups[i] and groups[i + 1]: ' ', '-', '.', '/' or 0 (parentheses)
};

// One character that may separate digit groups at `k`: its kind and length in bytes (0: none).
std::pair<char, size_t> separator_char_at(std::string_view t, size_t k) {
  if (k >= t.size()) return {0, 0};
  switch (t[k]) {
    case ' ':
    case '-':
    case '.':
    case '/':
      return {t[k], 1};
    default:
      break;
  }
  const std::string_view rest = t.substr(k);
  if (rest.starts_with("\xC2\xA0")) return {' ', 2};      // no-break space
  if (rest.starts_with("\xE2\x80\xAF")) return {' ', 3};  // narrow no-break space
  if (rest.starts_with("\xE2\x80\x89")) return {' ', 3};  // thin space
  if (rest.starts_with("\xE2\x80\x91")) return {'-', 3};  // non-breaking hyphen
  return {0, 0};
}

// A separator between digit groups: one space, dash, dot or slash, or a dash or slash between single spaces
// ("0911 / 123456").
std::pair<char, size_t> separator_at(std::string_view t, size_t k) {
  const auto [c, len] = separator_char_at(t, k);
  if (c == ' ') {
    const auto [c2, len2] = separator_char_at(t, k + len);
    if (c2 == '-' || c2 == '/') {
      const auto [c3, len3] = separator_char_at(t, k + len + len2);
      if (c3 == ' ') return {c2, len + len2 + len3};
    }
  }
  return {c, len};
}

std::optional<Group> group_at(std::string_view t, size_t i, const std::vector<bool>& covered) {
  const size_t n = t.size();
  if (i >= n || covered[i]) return std::nullopt;
  if (t[i] == '(') {
    size_t j = i + 1;
    while (j < n && is_digit(t[j]) && !covered[j]) ++j;
    if (j == i + 1 || j - i - 1 > 6 || j >= n || t[j] != ')' || covered[j]) return std::nullopt;
    return Group{i, j + 1, i + 1, j, true};
  }
  if (!is_digit(t[i])) return std::nullopt;
  size_t j = i;
  while (j < n && is_digit(t[j]) && !covered[j]) ++j;
  return Group{i, j, i, j, false};
}

std::optional<Run> run_at(std::string_view t, size_t p, const std::vector<bool>& covered) {
  const size_t n = t.size();
  Run r;
  r.begin = p;
  size_t i = p;
  std::optional<Group> first;
  if (t[i] == '+') {
    if (i + 1 >= n || covered[i]) return std::nullopt;
    r.plus = true;
    ++i;
  } else if (t[i] == '(' && i + 2 < n && t[i + 1] == '+' && !covered[i + 1]) {  // "(+371) 29123456"
    size_t j = i + 2;
    while (j < n && is_digit(t[j]) && !covered[j]) ++j;
    if (j == i + 2 || j - i - 2 > 4 || j >= n || t[j] != ')' || covered[j]) return std::nullopt;
    r.plus = true;
    first = Group{i, j + 1, i + 2, j, true};
  }
  if (!first) first = group_at(t, i, covered);
  if (!first) return std::nullopt;
  r.groups.push_back(*first);
  i = first->close;
  for (;;) {
    const auto [sep, sep_len] = separator_at(t, i);
    if (sep_len > 0 && covered[i]) break;
    const size_t next_at = i + sep_len;
    if (sep_len == 0 && !(r.groups.back().paren || (next_at < n && t[next_at] == '('))) break;
    auto next = group_at(t, next_at, covered);
    if (!next) break;
    r.seps.push_back(sep);
    r.groups.push_back(*next);
    i = next->close;
  }
  r.end = r.groups.back().close;
  return r;
}

// The digits of the run that would start at `p` (0 when none can).
size_t run_digits(std::string_view t, size_t p, const std::vector<bool>& covered) {
  const std::optional<Run> r = run_at(t, p, covered);
  size_t digits = 0;
  if (r)
    for (const Group& g : r->groups) digits += g.len();
  return digits;
}

unsigned value_of(std::string_view t, const Group& g) {
  unsigned v = 0;
  for (size_t i = g.dbegin; i < g.dend && i < g.dbegin + 9; ++i)
    v = v * 10 + static_cast<unsigned>(t[i] - '0');
  return v;
}

bool day_month(unsigned a, unsigned b) {
  return (a >= 1 && a <= 31 && b >= 1 && b <= 12) || (a >= 1 && a <= 12 && b >= 1 && b <= 31);
}

// Marks the groups of a run that belong to dates, IP addresses or dot-grouped amounts: never phone digits.
std::vector<bool> non_phone_groups(std::string_view t, const Run& r) {
  const size_t g = r.groups.size();
  std::vector<bool> marked(g, false);
  auto plain = [&](size_t i) { return !r.groups[i].paren; };
  // Dates: 2026-11-23, 2026.11.23, 23.11.2026, 11/23/2026, 23.11.26, 23/11/26.
  for (size_t i = 0; i + 2 < g; ++i) {
    const char s = r.seps[i];
    if (s != r.seps[i + 1] || (s != '-' && s != '.' && s != '/') || !plain(i) || !plain(i + 1) ||
        !plain(i + 2))
      continue;
    const Group &a = r.groups[i], &b = r.groups[i + 1], &c = r.groups[i + 2];
    const unsigned va = value_of(t, a), vb = value_of(t, b), vc = value_of(t, c);
    bool date = false;
    if (a.len() == 4 && b.len() <= 2 && c.len() <= 2)
      date = va >= 1000 && va <= 2999 && vb >= 1 && vb <= 12 && vc >= 1 && vc <= 31;
    else if (a.len() <= 2 && b.len() <= 2 && c.len() == 4)
      date = vc >= 1000 && vc <= 2999 && day_month(va, vb);
    else if (a.len() <= 2 && b.len() <= 2 && c.len() == 2 && s != '-')
      date = day_month(va, vb);
    if (date) marked[i] = marked[i + 1] = marked[i + 2] = true;
  }
  // IPv4 addresses.
  for (size_t i = 0; i + 3 < g; ++i) {
    bool ip = true;
    for (size_t k = i; k < i + 4 && ip; ++k) {
      ip = plain(k) && r.groups[k].len() <= 3 && value_of(t, r.groups[k]) <= 255;
      if (k < i + 3) ip = ip && r.seps[k] == '.';
    }
    if (ip)
      for (size_t k = i; k < i + 4; ++k) marked[k] = true;
  }
  // Dot-grouped thousands: 1.299.000 (three groups or more, all after the first of exactly three digits).
  for (size_t i = 0; i < g;) {
    size_t j = i;
    while (j + 1 < g && r.seps[j] == '.' && plain(j + 1) && r.groups[j + 1].len() == 3) ++j;
    if (j - i >= 2 && plain(i) && r.groups[i].len() <= 3)
      for (size_t k = i; k <= j; ++k) marked[k] = true;
    i = j + 1;
  }
  return marked;
}

std::string digits_of(std::string_view t, const Run& r, size_t a, size_t b) {
  std::string d;
  for (size_t k = a; k <= b; ++k) d.append(t.substr(r.groups[k].dbegin, r.groups[k].len()));
  return d;
}

// Cards: the longest Luhn-valid run of 13-19 digits from group `s` on, grouped with spaces or dashes only.
std::optional<size_t> card_end(std::string_view t, const Run& r, size_t s, size_t b) {
  if (s == 0 && r.plus) return std::nullopt;
  if (r.groups[s].paren || t[r.groups[s].dbegin] < '2' || t[r.groups[s].dbegin] > '6') return std::nullopt;
  std::optional<size_t> best;
  size_t digits = 0;
  for (size_t e = s; e <= b; ++e) {
    if (e > s && (r.seps[e - 1] != ' ' && r.seps[e - 1] != '-')) break;
    if (r.groups[e].paren) break;
    digits += r.groups[e].len();
    if (digits > 19) break;
    if (digits >= 13 && luhn_valid(digits_of(t, r, s, e))) best = e;
  }
  return best;
}

// What a number's surroundings say, read from the text as it will be stored: spans already redacted to the
// left appear as their placeholders, exactly as a second redaction pass would see them (idempotence).
class NumberRedactor {
 public:
  NumberRedactor(std::string_view text, const std::vector<bool>& covered, const RedactionOptions& options,
                 RedactionCounts* counts)
      : t_(text), covered_(covered), options_(options), counts_(counts) {
    out_.reserve(text.size());
  }

  std::string run() {
    const size_t n = t_.size();
    for (size_t p = 0; p < n;) {
      const char c = t_[p];
      const bool starts =
          !covered_[p] && (is_digit(c) || ((c == '+' || c == '(') && p + 1 < n)) && can_start_run(p);
      std::optional<Run> run = starts ? run_at(t_, p, covered_) : std::nullopt;
      if (!run) {
        ++p;
        continue;
      }
      p = run->end;
      process(*run);
    }
    out_.append(t_.substr(copied_));
    return std::move(out_);
  }

 private:
  // The byte `back` places before `p` in the text as it will be stored: what is already redacted reads as
  // its placeholder, as a second pass would see it; 0 before the start.
  char stored_before(size_t p, size_t back) const {
    const size_t pending = p - copied_;
    if (back <= pending) return t_[p - back];
    back -= pending;
    return back <= out_.size() ? out_[out_.size() - back] : 0;
  }

  bool can_start_run(size_t p) const {
    const char prev = stored_before(p, 1);
    if (is_alnum(prev) || prev == '_' || prev == '+') return false;
    // "1.5", "12,50", "1,299": the continuation of a number, not a new one. A run of seven digits or more
    // after the comma is a list ("29123456,29654321", "12,+37129654321", "12,555.123.4567"), read as
    // numbers of their own. A number already redacted before the comma is no longer digits, so the
    // second pass decides as the first one did.
    if ((prev == '.' || prev == ',') && is_digit(stored_before(p, 2)))
      return run_digits(t_, p, covered_) >= 7;
    return true;
  }

  void process(const Run& r) {
    const size_t n = t_.size();
    // Glued to a word ("123abc", "2026-11-23T09", "id_42"): an identifier, not a number.
    if (r.end < n && (is_alpha(t_[r.end]) || t_[r.end] == '_' || t_[r.end] == '@')) return;
    if (partial(order_context_re(), before(r.begin, 64))) return;

    const std::vector<bool> marked = non_phone_groups(t_, r);
    const size_t g = r.groups.size();
    for (size_t a = 0; a < g;) {
      if (marked[a]) {
        ++a;
        continue;
      }
      size_t b = a;
      while (b + 1 < g && !marked[b + 1]) ++b;
      // Within the segment [a, b]: cards first, phone numbers in what is left between them.
      size_t rest = a;
      for (size_t s = a; s <= b; ++s) {
        const auto e = card_end(t_, r, s, b);
        if (!e) continue;
        if (s > rest) phones(r, rest, s - 1);
        emit(r.groups[s].open, r.groups[*e].close, Kind::Card);
        rest = *e + 1;
        s = *e;
      }
      if (rest <= b) phones(r, rest, b);
      a = b + 1;
    }
  }

  // Groups [a, b] as one phone number, or, when they hold too many digits for one, as several
  // ("29123456/29654321", "29123456 29654321", "555.123.4567.555.987.6543").
  void phones(const Run& r, size_t a, size_t b) {
    size_t digits = 0;
    for (size_t k = a; k <= b; ++k) digits += r.groups[k].len();
    if (digits <= 15) {
      if (is_phone(r, a, b)) emit(start_of(r, a), r.groups[b].close, Kind::Phone);
      return;
    }
    if (card_shaped(r, a, b, digits)) return;  // "4111 1111 1111 1112": a mistyped card, not phone numbers
    // From each group on, a phone number where one starts; a group none starts at stays as written. A
    // group is kept only when no number of up to 15 digits starts there, so a second pass, which sees the
    // kept groups between placeholders, finds none either (redaction is idempotent). Where several
    // lengths would do, the one that leaves a number after it and ends at a likely split is taken, then
    // the longest ("0911/123456/0911/654321" is two numbers, not "0911/123456/0911" and "654321").
    for (size_t from = a; from <= b;) {
      // The lengths shaped like a phone number, best first; the first whose context agrees is taken (the
      // context is read with regular expressions: only as often as needed).
      std::array<std::pair<int, size_t>, 16> candidates;  // (score, to); at most 15 lengths of 1-15 digits
      size_t count = 0, d = 0;
      for (size_t to = from; to <= b; ++to) {
        d += r.groups[to].len();
        if (d > 15) break;
        if (d < 7 || !shaped_like_phone(r, from, to, d)) continue;
        const int score = (to == b || shaped_like_phone_from(r, to + 1, b) ? 2 : 0) +
                          (to == b || split_after(r, from, to) ? 1 : 0);
        candidates[count++] = {score, to};
      }
      std::sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(count),
                std::greater<>());
      std::optional<size_t> chosen;
      for (size_t i = 0; i < count && !chosen; ++i)
        if (is_phone(r, from, candidates[i].second)) chosen = candidates[i].second;
      if (!chosen) {
        ++from;
        continue;
      }
      emit(start_of(r, from), r.groups[*chosen].close, Kind::Phone);
      from = *chosen + 1;
    }
  }

  // Written like a card number (13-19 digits from 2-6, short groups joined by spaces or dashes) without
  // passing the Luhn check.
  bool card_shaped(const Run& r, size_t a, size_t b, size_t digits) const {
    if (digits > 19 || (a == 0 && r.plus) || t_[r.groups[a].dbegin] < '2' || t_[r.groups[a].dbegin] > '6')
      return false;
    for (size_t k = a; k <= b; ++k) {
      if (r.groups[k].paren || r.groups[k].len() > 6) return false;
      if (k < b && r.seps[k] != ' ' && r.seps[k] != '-') return false;
    }
    return true;
  }

  // Whether groups from `s` on (up to `b`) begin with something shaped like a phone number, context aside.
  bool shaped_like_phone_from(const Run& r, size_t s, size_t b) const {
    size_t d = 0;
    for (size_t to = s; to <= b; ++to) {
      d += r.groups[to].len();
      if (d > 15) return false;
      if (d < 7) continue;
      if (shaped_like_phone(r, s, to, d)) return true;
    }
    return false;
  }

  // Whether the separator after group `to` likely ends the number [from, to]: a slash, a space or dot
  // between blocks long enough to be numbers of their own, an area code in parentheses next, or a
  // separator the number does not use inside ("+44 20 7946 0958.0049-30-1234567").
  static bool split_after(const Run& r, size_t from, size_t to) {
    const char sep = r.seps[to];
    if (sep == '/' || r.groups[to + 1].paren) return true;
    if ((sep == ' ' || sep == '.') && r.groups[to].len() >= 7 && r.groups[to + 1].len() >= 7) return true;
    if (from == to) return false;
    return std::find(r.seps.begin() + static_cast<std::ptrdiff_t>(from),
                     r.seps.begin() + static_cast<std::ptrdiff_t>(to),
                     sep) == r.seps.begin() + static_cast<std::ptrdiff_t>(to);
  }

  static size_t start_of(const Run& r, size_t a) { return (a == 0 && r.plus) ? r.begin : r.groups[a].open; }

  // The last `max` bytes (about) before `pos`: the output so far, then the text not yet copied.
  std::string before(size_t pos, size_t max) const {
    const std::string_view pending = t_.substr(copied_, pos - copied_);
    std::string w;
    if (pending.size() < max) w = std::string(window_before(out_, out_.size(), max - pending.size()));
    w.append(window_before(pending, pending.size(), max));
    return w;
  }

  void emit(size_t begin, size_t end, Kind kind) {
    out_.append(t_.substr(copied_, begin - copied_));
    copied_ = end;
    const bool on = kind == Kind::Card ? options_.cards : options_.phones;
    if (!on) {
      out_.append(t_.substr(begin, end - begin));
      return;
    }
    out_ += kind == Kind::Card ? "[card]" : "[phone]";
    if (counts_) ++(kind == Kind::Card ? counts_->cards : counts_->phones);
  }

  // Decided from the groups [a, b], the stored text before them and the text after the run (never the
  // text between b and the run's end, which a second pass may see redacted).
  bool is_phone(const Run& r, size_t a, size_t b) const {
    size_t digits = 0;
    for (size_t k = a; k <= b; ++k) digits += r.groups[k].len();
    if (digits < 7 || digits > 15) return false;
    const size_t begin = start_of(r, a);
    const size_t end = r.groups[b].close;

    if (!shaped_like_phone(r, a, b, digits)) return false;
    const bool intl = international(r, a, digits);
    const bool formatted = b > a || r.groups[a].paren;

    if (partial(currency_before_re(), before(begin, 16))) return false;
    if (partial(currency_after_re(), window_after(t_, end, 16))) return false;
    // "12 345 678,90": the integer part of an amount, unless what follows the comma is read as a number
    // of its own (can_start_run: "29123456,29654321" is a list).
    if (end == r.end && end + 1 < t_.size() && (t_[end] == ',' || t_[end] == '.') && is_digit(t_[end + 1]) &&
        run_digits(t_, end + 1, covered_) < 7)
      return false;

    if (intl) return true;
    if (!formatted) return partial(phone_context_re(), before(begin, 64));
    return true;
  }

  // Groups [a, b] (`digits` digits) read as a phone number, before their context is looked at: an
  // international number, one bare digit run, or groups shaped as phone numbers are written.
  bool shaped_like_phone(const Run& r, size_t a, size_t b, size_t digits) const {
    const bool formatted = b > a || r.groups[a].paren;
    return international(r, a, digits) || !formatted || formatted_like_phone(r, a, b);
  }

  // "+CC ..." or "00CC..." from group `a` on, `digits` digits in all.
  bool international(const Run& r, size_t a, size_t digits) const {
    const Group& g0 = r.groups[a];
    const std::string_view d0 = t_.substr(g0.dbegin, g0.len());
    return (a == 0 && r.plus) || (!g0.paren && d0.starts_with("00") && !d0.starts_with("000") && digits >= 9);
  }

  // The shape of groups [a, b] (more than one, or one in parentheses) tells a national phone number from
  // a decimal, a version, a year range or an amount.
  bool formatted_like_phone(const Run& r, size_t a, size_t b) const {
    const Group& g0 = r.groups[a];
    bool only_spaces = true, all_years = true, dots = false, other_seps = false, long_by_dot = false;
    for (size_t k = a; k < b; ++k) {
      only_spaces = only_spaces && r.seps[k] == ' ';
      if (r.seps[k] == '.') {
        dots = true;
        long_by_dot = long_by_dot || r.groups[k].len() > 4 || r.groups[k + 1].len() > 4;
      } else {
        other_seps = true;
      }
    }
    // Dots group phone numbers in short blocks, alone ("555.123.4567"). "1.2345678", "10.0.19045.3693" and
    // "56.9496 24.1052" are decimals, versions and coordinates.
    if (dots && (long_by_dot || other_seps)) return false;
    for (size_t k = a; k <= b; ++k) {
      const unsigned v = value_of(t_, r.groups[k]);
      all_years = all_years && r.groups[k].len() == 4 && !r.groups[k].paren && v >= 1900 && v <= 2099;
    }
    if (b > a && all_years) return false;  // 2019-2026, "2024 2025"
    // "1 299.50": a decimal part after the last dot, and no other dots.
    if (b > a && r.seps[b - 1] == '.' && r.groups[b].len() <= 2) {
      bool other_dots = false;
      for (size_t k = a; k + 1 < b; ++k) other_dots = other_dots || r.seps[k] == '.';
      if (!other_dots) return false;
    }
    // "1 000 000", "25 000": space-grouped thousands ending in 000 are amounts (phone numbers rarely end so).
    if (b > a && only_spaces && !g0.paren && g0.len() <= 3 &&
        t_.substr(r.groups[b].dbegin, r.groups[b].len()) == "000") {
      bool thousands = true;
      for (size_t k = a + 1; k <= b; ++k)
        thousands = thousands && r.groups[k].len() == 3 && !r.groups[k].paren;
      if (thousands) return false;
    }
    return true;
  }

  std::string_view t_;
  const std::vector<bool>& covered_;
  const RedactionOptions& options_;
  RedactionCounts* counts_;
  std::string out_;
  size_t copied_ = 0;
};

}  // namespace

bool luhn_valid(std::string_view digits) {
  if (digits.empty()) return false;
  unsigned sum = 0;
  bool twice = false;
  for (size_t i = digits.size(); i-- > 0;) {
    if (!is_digit(digits[i])) return false;
    unsigned d = static_cast<unsigned>(digits[i] - '0');
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool iban_valid(std::string_view iban) {
  std::string compact;
  for (const char c : iban) {
    if (c == ' ') continue;
    if (!is_alnum(c)) return false;
    compact.push_back(is_lower(c) ? static_cast<char>(c - 'a' + 'A') : c);
  }
  return iban_checksum_ok(compact);
}

std::string redact(std::string_view text, const RedactionOptions& options, RedactionCounts* counts) {
  // Most of what is sent has nothing to redact (event names, short chat lines): skip the scan when no kind
  // can match. E-mail addresses need an '@'; phone, card and IBAN numbers need ASCII digits.
  if (text.find_first_of("@0123456789") == std::string_view::npos) return std::string(text);
  return redact_scan(text, options, counts);
}

std::string redact_scan(std::string_view text, const RedactionOptions& options, RedactionCounts* counts) {
  // Stage 1: e-mail addresses, then IBANs (their digits must not be read as phone numbers).
  std::vector<Span> spans;
  find_emails(text, spans);
  std::vector<bool> covered(text.size() + 1, false);
  for (const Span& s : spans)
    std::fill(covered.begin() + static_cast<std::ptrdiff_t>(s.begin),
              covered.begin() + static_cast<std::ptrdiff_t>(s.end), true);
  find_ibans(text, covered, spans);
  std::sort(spans.begin(), spans.end(), [](const Span& x, const Span& y) { return x.begin < y.begin; });

  // A kind switched off is copied as written and stays covered, so stage 2 does not read it as another kind.
  std::string stage1;
  stage1.reserve(text.size());
  std::vector<bool> keep;  // per byte of stage1: part of a span left as written
  keep.reserve(text.size() + 1);
  size_t at = 0;
  auto copy = [&](size_t from, size_t to, bool covered_bytes) {
    stage1.append(text.substr(from, to - from));
    keep.insert(keep.end(), to - from, covered_bytes);
  };
  for (const Span& s : spans) {
    copy(at, s.begin, false);
    at = s.end;
    const bool email = s.kind == Kind::Email;
    if (!(email ? options.emails : options.ibans)) {
      copy(s.begin, s.end, true);
      continue;
    }
    const std::string_view placeholder = email ? "[email]" : "[iban]";
    stage1.append(placeholder);
    keep.insert(keep.end(), placeholder.size(), false);
    if (counts) ++(email ? counts->emails : counts->ibans);
  }
  copy(at, text.size(), false);
  keep.push_back(false);

  // Stage 2: card and phone numbers, on the text as stage 1 left it.
  return NumberRedactor(stage1, keep, options, counts).run();
}

}  // namespace tp
