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

void IngestService::protect(Interaction& in) const {
  tp::protect(in, privacy_);
}

bool IngestService::is_suppressed(const Interaction& in) const {
  return suppressed_ && tp::is_suppressed(*suppressed_, in);
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
  writer_.submit_async(std::move(batch),
                       [this, source, error_list = std::move(error_list), errors_omitted, none_valid,
                        rejected, ignored, done = std::move(done)](const SubmitResult& result) mutable {
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

// A dead letter is stored too, so it gets what an interaction gets before storage, as far as text that
// failed to parse allows (model/privacy/protection.h).
std::string IngestService::dead_letter_raw(std::string_view raw) const {
  return protect_raw(raw, privacy_, limits_.dead_letter_raw_bytes);
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
