// From "these events arrived for this source" to an answer the sender can trust: validates each event,
// commits the valid ones and dead-letters the rest in one group-committed transaction, and says what
// happened. No HTTP in here: the routes only read bodies and write replies.
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/field_error.h"
#include "model/interaction.h"
#include "model/privacy/protection.h"
#include "store/group_commit_writer.h"

namespace tp {

class CounterFamily;

// A reply lists at most this many problems (`errors`) and counts the rest (`errors_omitted`): a 1 MiB body
// of empty objects is 350,000 invalid events, and listing all of them took 800 MB and a 75 MB reply.
inline constexpr size_t kMaxListedErrors = 100;
// Likewise a request keeps at most this many rejected events as dead letters one by one; one more dead
// letter counts the rest (the same body stored 76 MB of dead letters).
inline constexpr size_t kMaxDeadLettersPerRequest = 100;

struct IngestLimits {
  size_t max_event_bytes = size_t{32} * 1024;
  size_t dead_letter_raw_bytes = 8192;
  int retry_after_s = 1;
};

struct IngestReply {
  int status = 202;
  nlohmann::json body;
  int retry_after_s = 0;  // > 0: send Retry-After
};

// One event (raw JSON) -> an interaction, or nullopt with the errors.
using EventTranslator = std::function<std::optional<Interaction>(const nlohmann::json& event,
                                                                 int64_t received_ms, FieldErrors& errors)>;

class IngestService {
 public:
  // `events_total` counts events by source and outcome (accepted, duplicate, rejected); may be null.
  IngestService(GroupCommitWriter& writer, IngestLimits limits, CounterFamily* events_total = nullptr,
                PrivacyOptions privacy = {}, const SuppressionList* suppressed = nullptr);

  IngestReply ingest(const std::string& source, const std::vector<const nlohmann::json*>& events,
                     const EventTranslator& translate, int64_t received_ms);
  // The same without blocking: events are translated on the calling thread (the JSON may go once this
  // returns); `done` gets the reply on the writer thread after the commit (see submit_async).
  using ReplyCallback = std::function<void(IngestReply)>;
  void ingest_async(const std::string& source, const std::vector<const nlohmann::json*>& events,
                    const EventTranslator& translate, int64_t received_ms, ReplyCallback done);

  // Interactions an adapter already translated from one platform payload (webhooks): stored like
  // events; `errors` (parts of the payload not understood) dead-letter the raw payload; `ignored`
  // counts platform events without an interaction. All rejected: 400.
  IngestReply ingest_translated(const std::string& source, std::vector<Interaction> interactions,
                                const FieldErrors& errors, size_t rejected, size_t ignored,
                                std::string_view raw, int64_t received_ms);
  // The same without blocking: `done` gets the reply after the commit (see ingest_async).
  void ingest_translated_async(const std::string& source, std::vector<Interaction> interactions,
                               const FieldErrors& errors, size_t rejected, size_t ignored,
                               std::string_view raw, int64_t received_ms, ReplyCallback done);

  // Redaction and pseudonyms, applied to every interaction before storage.
  void protect(Interaction& in) const;

  // A body that could not be read as events at all: 400, and the raw body kept as a dead letter
  // (the sender was authenticated, so what it sent is not dropped).
  IngestReply reject_body(const std::string& source, std::string_view raw, const std::string& field,
                          const std::string& error, int64_t received_ms);
  void reject_body_async(const std::string& source, std::string_view raw, const std::string& field,
                         const std::string& error, int64_t received_ms, ReplyCallback done);

  // The answer to a submit that did not commit (429, or 503 with Retry-After): also what a caller that
  // stopped waiting for the commit (commit timeout) sends.
  IngestReply failure_reply(const SubmitResult& result) const;

 private:
  // What a request's reply needs once its batch committed.
  struct Outcome {
    std::string source;
    nlohmann::json errors;      // the first kMaxListedErrors problems
    size_t errors_omitted = 0;  // problems beyond them, counted only
    size_t rejected = 0, suppressed = 0;
    bool none_valid = false;
  };
  struct Prepared {
    WriteBatch batch;
    Outcome outcome;
  };
  Prepared prepare(const std::string& source, const std::vector<const nlohmann::json*>& events,
                   const EventTranslator& translate, int64_t received_ms) const;
  IngestReply finish(Outcome outcome, const SubmitResult& result) const;
  // What a dead letter keeps of a rejected event or payload (see the definition).
  std::string dead_letter_raw(std::string_view raw) const;
  WriteBatch body_dead_letter(const std::string& source, std::string_view raw, const std::string& field,
                              const std::string& error, int64_t received_ms) const;
  void count_body_dead_letter(const std::string& source, const SubmitResult& result) const;

  GroupCommitWriter& writer_;
  IngestLimits limits_;
  CounterFamily* events_total_;
  PrivacyOptions privacy_;
  const SuppressionList* suppressed_;
  bool is_suppressed(const Interaction& in) const;
};

}  // namespace tp
