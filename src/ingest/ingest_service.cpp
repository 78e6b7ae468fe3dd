#include "ingest/ingest_service.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <future>

#include "http/replies.h"
#include "ingest/event_body.h"
#include "model/interaction_json.h"
#include "util/metrics.h"
#include "util/text.h"

namespace tp {

using json = nlohmann::json;

IngestService::IngestService(GroupCommitWriter& writer, IngestLimits limits, CounterFamily* events_total,
                             PrivacyOptions privacy, const SuppressionList* suppressed)
    : writer_(writer),
      limits_(limits),
      events_total_(events_total),
      privacy_(std::move(privacy)),
      suppressed_(suppressed) {}

std::string SuppressionList::hash(std::string_view id) {
  return suppression_hash(id);
}

void SuppressionList::add(const std::string& id_hash) {
  std::lock_guard lock(mu_);
  hashes_.insert(id_hash);
}

bool SuppressionList::contains_id(std::string_view id) const {
  if (id.empty()) return false;
  const std::string h = hash(id);
  std::lock_guard lock(mu_);
  return hashes_.count(h) > 0;
}

size_t SuppressionList::size() const {
  std::lock_guard lock(mu_);
  return hashes_.size();
}

bool IngestService::is_suppressed(const Interaction& in) const {
  if (!suppressed_ || suppressed_->size() == 0) return false;
  if (suppressed_->contains_id(in.customer_id) || suppressed_->contains_id(in.anonymous_id)) return true;
  for (const auto& a : in.extra_aliases)
    if (suppressed_->contains_id(a)) return true;
  return false;
}

std::string hashed_identity(std::string_view value) {
  size_t b = 0, e = value.size();
  while (b < e && std::isspace(static_cast<unsigned char>(value[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(value[e - 1]))) --e;
  return "h:" + sha256_hex(ascii_lower(value.substr(b, e - b)));
}

namespace {

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

}  // namespace

void IngestService::protect(Interaction& in) const {
  link_identities(in, privacy_);
  if (privacy_.redact) {
    in.text = redact(in.text, privacy_.kinds);
    if (!in.name.empty()) in.name = redact(in.name, privacy_.kinds);
  }
  if (!privacy_.pseudonym_key.empty()) {
    if (!in.customer_id.empty()) in.customer_id = pseudonymize(in.customer_id, privacy_.pseudonym_key);
    if (!in.anonymous_id.empty()) in.anonymous_id = pseudonymize(in.anonymous_id, privacy_.pseudonym_key);
    // extra_aliases are in their stored form already (link_identities).
  }
}

IngestService::Prepared IngestService::prepare(const std::string& source,
                                               const std::vector<const json*>& events,
                                               const EventTranslator& translate, int64_t received_ms) const {
  Prepared p;
  WriteBatch& batch = p.batch;
  batch.source = source;
  batch.received_ms = received_ms;
  batch.events.reserve(events.size());
  p.outcome.source = source;
  p.outcome.errors = json::array();
  FieldErrors event_errors;
  size_t first_not_kept = 0;

  for (size_t i = 0; i < events.size(); ++i) {
    const json& event = *events[i];
    event_errors.clear();
    std::optional<Interaction> interaction;
    if (approx_json_size(event) > limits_.max_event_bytes) {
      event_errors.push_back(
          {"", "event is larger than " + std::to_string(limits_.max_event_bytes) + " bytes"});
    } else {
      interaction = translate(event, received_ms, event_errors);
    }
    if (interaction) {
      protect(*interaction);
      if (is_suppressed(*interaction)) {
        ++p.outcome.suppressed;  // an erased customer: dropped, counted, acknowledged
        continue;
      }
      batch.events.push_back(std::move(*interaction));
      continue;
    }
    json reasons = json::array();
    for (const auto& e : event_errors) {
      json entry = {{"index", i}, {"field", e.field}, {"error", e.error}};
      reasons.push_back(entry);
      if (p.outcome.errors.size() < kMaxListedErrors) {
        p.outcome.errors.push_back(std::move(entry));
      } else {
        ++p.outcome.errors_omitted;
      }
    }
    if (++p.outcome.rejected <= kMaxDeadLettersPerRequest) {
      batch.dead_letters.push_back(
          {source, received_ms, reasons.dump(-1, ' ', false, json::error_handler_t::replace),
           dead_letter_raw(event.dump(-1, ' ', false, json::error_handler_t::replace))});
    } else if (p.outcome.rejected == kMaxDeadLettersPerRequest + 1) {
      first_not_kept = i;
    }
  }
  if (p.outcome.rejected > kMaxDeadLettersPerRequest) {
    const size_t more = p.outcome.rejected - kMaxDeadLettersPerRequest;
    const json reason = json::array(
        {{{"index", first_not_kept},
          {"field", ""},
          {"error", std::to_string(more) + " more rejected events of this request (from "
                                           "this index on) are counted but not kept one by one"}}});
    batch.dead_letters.push_back(
        {source, received_ms, reason.dump(-1, ' ', false, json::error_handler_t::replace),
         dead_letter_raw(events[first_not_kept]->dump(-1, ' ', false, json::error_handler_t::replace))});
  }
  p.outcome.none_valid = batch.events.empty() && p.outcome.suppressed == 0;
  return p;
}

IngestReply IngestService::finish(Outcome outcome, const SubmitResult& result) const {
  if (result.status != SubmitStatus::Committed) return failure_reply(result);
  const std::string& source = outcome.source;
  if (events_total_) {
    events_total_->inc({source, "accepted"}, result.counts.accepted);
    events_total_->inc({source, "duplicate"}, result.counts.duplicates);
    events_total_->inc({source, "rejected"}, outcome.rejected);
    if (outcome.suppressed) events_total_->inc({source, "suppressed"}, outcome.suppressed);
  }
  IngestReply reply;
  // Nothing storable at all is the sender's error (400); a partly valid batch is accepted (202).
  reply.status = outcome.none_valid ? 400 : 202;
  reply.body = {{"accepted", result.counts.accepted},
                {"duplicates", result.counts.duplicates},
                {"rejected", outcome.rejected},
                {"errors", std::move(outcome.errors)}};
  if (outcome.errors_omitted) reply.body["errors_omitted"] = outcome.errors_omitted;
  if (outcome.none_valid) reply.body["error"] = "no valid events";
  return reply;
}

IngestReply IngestService::ingest(const std::string& source, const std::vector<const json*>& events,
                                  const EventTranslator& translate, int64_t received_ms) {
  Prepared p = prepare(source, events, translate, received_ms);
  const SubmitResult result = writer_.submit(std::move(p.batch));
  return finish(std::move(p.outcome), result);
}

void IngestService::ingest_async(const std::string& source, const std::vector<const json*>& events,
                                 const EventTranslator& translate, int64_t received_ms, ReplyCallback done) {
  Prepared p = prepare(source, events, translate, received_ms);
  // Called once, on the writer thread: the outcome moves into the reply instead of being copied.
  writer_.submit_async(std::move(p.batch),
                       [this, outcome = std::move(p.outcome), done = std::move(done)](
                           const SubmitResult& result) mutable { done(finish(std::move(outcome), result)); });
}

IngestReply IngestService::ingest_translated(const std::string& source, std::vector<Interaction> interactions,
                                             const FieldErrors& errors, size_t rejected, size_t ignored,
                                             std::string_view raw, int64_t received_ms) {
  std::promise<IngestReply> promise;
  auto answered = promise.get_future();
  ingest_translated_async(source, std::move(interactions), errors, rejected, ignored, raw, received_ms,
                          [&promise](IngestReply r) { promise.set_value(std::move(r)); });
  return answered.get();
}

void IngestService::ingest_translated_async(const std::string& source, std::vector<Interaction> interactions,
                                            const FieldErrors& errors, size_t rejected, size_t ignored,
                                            std::string_view raw, int64_t received_ms, ReplyCallback done) {
  WriteBatch batch;
  batch.source = source;
  batch.received_ms = received_ms;
  // The first problems are listed (in the reply and the dead letter), the rest counted: see kMaxListedErrors.
  json error_list = json::array();
  for (size_t i = 0; i < errors.size() && i < kMaxListedErrors; ++i)
    error_list.push_back({{"field", errors[i].field}, {"error", errors[i].error}});
  const size_t errors_omitted = errors.size() - error_list.size();
  size_t suppressed = 0;
  for (auto& in : interactions) {
    protect(in);
    if (is_suppressed(in)) {
      ++suppressed;
      continue;
    }
    batch.events.push_back(std::move(in));
  }
  if (suppressed && events_total_) events_total_->inc({source, "suppressed"}, suppressed);
  if (!errors.empty()) {
    json reason = error_list;
    if (errors_omitted)
      reason.push_back(
          {{"field", ""}, {"error", std::to_string(errors_omitted) + " more problems not listed"}});
    batch.dead_letters.push_back({source, received_ms,
                                  reason.dump(-1, ' ', false, json::error_handler_t::replace),
                                  dead_letter_raw(raw)});
  }
  const bool none_valid = batch.events.empty();
  if (none_valid && errors.empty()) {
    ignored += suppressed;
    // Only platform events without interactions (pings, typing): acknowledged, nothing to store.
    if (events_total_) events_total_->inc({source, "ignored"}, ignored);
    return done({200,
                 json{{"accepted", 0},
                      {"duplicates", 0},
                      {"ignored", ignored},
                      {"rejected", 0},
                      {"errors", json::array()}},
                 0});
  }
  // Called once, on the writer thread after the commit (or at once when refused).
  writer_.submit_async(std::move(batch), [this, source, error_list = std::move(error_list), errors_omitted,
                                          none_valid, rejected, ignored,
                                          done = std::move(done)](const SubmitResult& result) mutable {
    if (result.status != SubmitStatus::Committed) return done(failure_reply(result));
    if (events_total_) {
      events_total_->inc({source, "accepted"}, result.counts.accepted);
      events_total_->inc({source, "duplicate"}, result.counts.duplicates);
      events_total_->inc({source, "rejected"}, rejected);
      events_total_->inc({source, "ignored"}, ignored);
    }
    IngestReply reply;
    reply.status = none_valid ? 400 : 202;
    reply.body = {{"accepted", result.counts.accepted},
                  {"duplicates", result.counts.duplicates},
                  {"ignored", ignored},
                  {"rejected", rejected},
                  {"errors", std::move(error_list)}};
    if (errors_omitted) reply.body["errors_omitted"] = errors_omitted;
    if (none_valid) reply.body["error"] = "the payload could not be understood";
    done(std::move(reply));
  });
}

// The keys under which senders put a customer's or visitor's id (canonical, Segment).
constexpr std::string_view kIdKeys[] = {"customer_id", "anonymous_id", "userId", "anonymousId", "previousId"};

namespace {
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

// A dead letter is stored too, so it gets what an interaction gets before storage, as far as text that
// failed to parse allows: the ids under the keys above and the configured identity traits and properties
// become pseudonyms when there is a key (wherever they sit, when the text is JSON), personal data in the
// kept text is redacted when redaction is on. The text is cut before it is redacted (redaction_cut), and
// once more after (a 6-byte address becomes the 7-byte "[email]").
std::string IngestService::dead_letter_raw(std::string_view raw) const {
  std::string text(raw);
  const std::string& key = privacy_.pseudonym_key;
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
            if (listed(privacy_.hashed_traits, k)) {
              *it = pseudonymize(v.rfind("h:", 0) == 0 ? v : hashed_identity(v), key);
              changed = true;
            } else if (std::find(std::begin(kIdKeys), std::end(kIdKeys), k) != std::end(kIdKeys) ||
                       listed(privacy_.link_traits, k) || listed(privacy_.link_properties, k)) {
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
  if (privacy_.redact) {
    text.resize(redaction_cut(text, limits_.dead_letter_raw_bytes));
    text = redact(text, privacy_.kinds);
  }
  return truncate_utf8(text, limits_.dead_letter_raw_bytes);
}

WriteBatch IngestService::body_dead_letter(const std::string& source, std::string_view raw,
                                           const std::string& field, const std::string& error,
                                           int64_t received_ms) const {
  WriteBatch batch;
  batch.source = source;
  batch.received_ms = received_ms;
  batch.dead_letters.push_back({source, received_ms,
                                json::array({{{"field", field}, {"error", error}}})
                                    .dump(-1, ' ', false, json::error_handler_t::replace),
                                dead_letter_raw(raw)});
  return batch;
}

// The reply is 400 whatever happens to the dead letter; a full queue or a failing disk only costs the
// dead letter, which is counted.
void IngestService::count_body_dead_letter(const std::string& source, const SubmitResult& result) const {
  if (events_total_)
    events_total_->inc(
        {source, result.status == SubmitStatus::Committed ? "rejected_body" : "rejected_body_lost"});
}

IngestReply IngestService::reject_body(const std::string& source, std::string_view raw,
                                       const std::string& field, const std::string& error,
                                       int64_t received_ms) {
  count_body_dead_letter(source, writer_.submit(body_dead_letter(source, raw, field, error, received_ms)));
  return {400, error_body(field, error), 0};
}

void IngestService::reject_body_async(const std::string& source, std::string_view raw,
                                      const std::string& field, const std::string& error, int64_t received_ms,
                                      ReplyCallback done) {
  writer_.submit_async(body_dead_letter(source, raw, field, error, received_ms),
                       [this, source, reply = IngestReply{400, error_body(field, error), 0},
                        done = std::move(done)](const SubmitResult& result) {
                         count_body_dead_letter(source, result);
                         done(reply);
                       });
}

IngestReply IngestService::failure_reply(const SubmitResult& result) const {
  switch (result.status) {
    case SubmitStatus::QueueFull:
      return {429, error_body("", "ingest queue is full; retry later"), limits_.retry_after_s};
    case SubmitStatus::ShuttingDown:
      return {503, error_body("", "shutting down; retry later"), limits_.retry_after_s};
    case SubmitStatus::TimedOut:
    case SubmitStatus::StorageFailed:
    default:
      return {503, error_body("", "storage could not commit; nothing was acknowledged, retry later"),
              limits_.retry_after_s};
  }
}

}  // namespace tp
