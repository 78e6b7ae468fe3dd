#include "ingest/ingest_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "http/replies.h"
#include "ingest/segment_adapter.h"
#include "model/interaction_json.h"
#include "model/privacy/pseudonyms.h"
#include "store/sqlite_store.h"
#include "support/fake_store.h"
#include "support/temp_dir.h"
#include "util/metrics.h"

namespace tp {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

constexpr int64_t kReceived = 1'800'000'000'000;

const EventTranslator kNative = [](const json& e, int64_t now, FieldErrors& errors) {
  return interaction_from_json(e, now, errors);
};

std::vector<const json*> pointers(const json& array) {
  std::vector<const json*> out;
  for (const auto& e : array) out.push_back(&e);
  return out;
}

json valid(const std::string& id) {
  return {{"id", id}, {"type", "message"}, {"customer_id", "c-1"}, {"text", "hi"}};
}

// IngestService over the real SQLite store through a real group-commit writer.
class IngestServiceTest : public ::testing::Test {
 protected:
  IngestServiceTest() {
    SqliteOptions o;
    o.path = dir.file("ingest.db");
    store = std::make_unique<SqliteStore>(o);
    writer = std::make_unique<GroupCommitWriter>(*store, WriterOptions{});
  }
  ~IngestServiceTest() override {
    writer->stop();
    writer.reset();
    store.reset();
  }

  IngestService service(IngestLimits limits = {}) { return IngestService(*writer, limits, &events_total); }

  testing::TempDir dir;
  std::unique_ptr<SqliteStore> store;
  std::unique_ptr<GroupCommitWriter> writer;
  CounterFamily events_total{"touchpoint_events_total", "Events.", {"source", "outcome"}};
};

TEST_F(IngestServiceTest, ValidAndInvalidMixIsAcceptedWithPerEventErrors) {
  const json body = json::array({valid("e1"), {{"type", "message"}, {"customer_id", "c-1"}}, valid("e2")});
  const IngestReply reply = service().ingest("events", pointers(body), kNative, kReceived);

  EXPECT_EQ(reply.status, 202);
  EXPECT_EQ(reply.retry_after_s, 0);
  EXPECT_EQ(reply.body["accepted"], 2);
  EXPECT_EQ(reply.body["duplicates"], 0);
  EXPECT_EQ(reply.body["rejected"], 1);
  EXPECT_FALSE(reply.body.contains("error"));
  ASSERT_EQ(reply.body["errors"].size(), 1u);
  EXPECT_EQ(reply.body["errors"][0]["index"], 1);
  EXPECT_EQ(reply.body["errors"][0]["field"], "id");
  EXPECT_THAT(reply.body["errors"][0]["error"].get<std::string>(), HasSubstr("required"));

  // The valid events are stored, with the source and receive time...
  const auto rows = store->interactions({});
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& r : rows) {
    EXPECT_EQ(r.source, "events");
    EXPECT_EQ(r.received_ms, kReceived);
  }
  // ...and the invalid one is kept as a dead letter: its reasons and the event as sent.
  const auto letters = store->dead_letters(10);
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].letter.source, "events");
  EXPECT_EQ(letters[0].letter.received_ms, kReceived);
  const json reasons = json::parse(letters[0].letter.reason_json);
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0]["index"], 1);
  EXPECT_EQ(reasons[0]["field"], "id");
  EXPECT_EQ(json::parse(letters[0].letter.raw), body[1]);

  EXPECT_EQ(events_total.value({"events", "accepted"}), 2u);
  EXPECT_EQ(events_total.value({"events", "rejected"}), 1u);
  EXPECT_EQ(events_total.value({"events", "duplicate"}), 0u);
}

TEST_F(IngestServiceTest, AllInvalidIs400AndEveryEventIsDeadLettered) {
  const json body = json::array({{{"id", "x"}}, 42});
  const IngestReply reply = service().ingest("events", pointers(body), kNative, kReceived);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body["error"], "no valid events");
  EXPECT_EQ(reply.body["accepted"], 0);
  EXPECT_EQ(reply.body["rejected"], 2);
  std::set<int> indexes;
  for (const auto& e : reply.body["errors"]) indexes.insert(e["index"].get<int>());
  EXPECT_EQ(indexes, (std::set<int>{0, 1}));
  // Event 0 lacks type and ids: each error is listed with its field.
  std::set<std::string> fields;
  for (const auto& e : reply.body["errors"])
    if (e["index"] == 0) fields.insert(e["field"].get<std::string>());
  EXPECT_EQ(fields, (std::set<std::string>{"type", "customer_id"}));

  EXPECT_TRUE(store->interactions({}).empty());
  EXPECT_EQ(store->dead_letters(10).size(), 2u);
}

// A small body can hold a great many invalid events (a 1 MiB body of `{}` is 350,000). The reply lists the
// first problems and counts the rest; the first rejected events are dead letters one by one and one more
// counts the rest; the counts stay exact. The valid events are stored as ever.
TEST_F(IngestServiceTest, ManyInvalidEventsAreCountedButListedAndKeptOnlyUpToACap) {
  const size_t invalid = kMaxDeadLettersPerRequest + 150;
  json body = json::array({valid("first")});
  for (size_t i = 0; i < invalid; ++i) body.push_back(json::object());  // three problems each
  body.push_back(valid("last"));
  const IngestReply reply = service().ingest("events", pointers(body), kNative, kReceived);

  EXPECT_EQ(reply.status, 202);
  EXPECT_EQ(reply.body["accepted"], 2);
  EXPECT_EQ(reply.body["rejected"], invalid);
  ASSERT_EQ(reply.body["errors"].size(), kMaxListedErrors);
  EXPECT_EQ(reply.body["errors"][0]["index"], 1);
  EXPECT_EQ(reply.body["errors_omitted"], 3 * invalid - kMaxListedErrors);
  EXPECT_EQ(events_total.value({"events", "rejected"}), invalid);
  EXPECT_EQ(store->interactions({}).size(), 2u);

  const auto letters = store->dead_letters(1000);  // newest first
  ASSERT_EQ(letters.size(), kMaxDeadLettersPerRequest + 1);
  const json summary = json::parse(letters[0].letter.reason_json);
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary[0]["index"], kMaxDeadLettersPerRequest + 1);  // the first rejected event not kept
  EXPECT_THAT(summary[0]["error"].get<std::string>(), HasSubstr("150 more rejected events"));
  EXPECT_EQ(letters[0].letter.raw, "{}");
  EXPECT_EQ(json::parse(letters.back().letter.reason_json)[0]["index"], 1);

  // Below the caps nothing is omitted and no summary is written.
  const json few = json::array({json::object(), valid("ok")});
  const IngestReply small = service().ingest("events", pointers(few), kNative, kReceived);
  EXPECT_FALSE(small.body.contains("errors_omitted"));
  EXPECT_EQ(store->dead_letters(1000).size(), kMaxDeadLettersPerRequest + 2);
}

// A webhook payload whose many parts cannot be read: the reply lists the first problems and counts the rest,
// and the one dead letter (the raw payload) holds the same first problems and a note of how many more.
TEST_F(IngestServiceTest, AWebhookPayloadWithManyProblemsListsOnlyTheFirst) {
  FieldErrors errors;
  for (int i = 0; i < 250; ++i) errors.push_back({"/events[" + std::to_string(i) + "]/id", "is required"});
  Interaction in;
  in.id = "ok-1";
  in.type = EventType::Message;
  in.customer_id = "c-1";
  std::vector<Interaction> interactions{in};
  const IngestReply reply = service().ingest_translated("hook", std::move(interactions), errors, 250, 0,
                                                        R"({"events":[]})", kReceived);
  EXPECT_EQ(reply.status, 202);
  EXPECT_EQ(reply.body["accepted"], 1);
  EXPECT_EQ(reply.body["rejected"], 250);
  ASSERT_EQ(reply.body["errors"].size(), kMaxListedErrors);
  EXPECT_EQ(reply.body["errors"][0]["field"], "/events[0]/id");
  EXPECT_EQ(reply.body["errors_omitted"], 250 - kMaxListedErrors);
  const auto letters = store->dead_letters(10);
  ASSERT_EQ(letters.size(), 1u);
  const json reason = json::parse(letters[0].letter.reason_json);
  ASSERT_EQ(reason.size(), kMaxListedErrors + 1);
  EXPECT_EQ(reason.back()["error"], std::to_string(250 - kMaxListedErrors) + " more problems not listed");
  EXPECT_EQ(letters[0].letter.raw, R"({"events":[]})");
}

// A dead letter is stored too: personal data in it is redacted like an interaction's text, and with a
// pseudonym key the ids in it are pseudonyms, so a rejected event does not keep what a stored one would not.
TEST_F(IngestServiceTest, DeadLettersAreRedactedAndKeepIdsAsPseudonyms) {
  PrivacyOptions privacy;
  privacy.pseudonym_key = "unit-pseudonym-key-0123456789";
  privacy.link_traits = {"chatbot_user_id"};
  privacy.hashed_traits = {"email"};
  IngestService ingest(*writer, {}, &events_total, privacy);
  const json body =
      json::array({{{"id", "r1"},
                    {"type", "message"},
                    {"customer_id", "cust-secret"},
                    {"rating", 9},
                    {"text", "mail jane.doe@example.com or call +1 415 555 0100"}},
                   {{"messageId", "s1"},
                    {"userId", "user-secret"},
                    {"anonymousId", "anon-secret"},
                    {"traits", {{"chatbot_user_id", "bot-secret"}, {"email", "Jane.Doe@Example.com"}}}}});
  const IngestReply reply = ingest.ingest("events", pointers(body), kNative, kReceived);
  EXPECT_EQ(reply.body["rejected"], 2);
  EXPECT_EQ(
      ingest.reject_body("events", "{not json, mail jane.doe@example.com", "body", "bad", kReceived).status,
      400);

  const auto letters = store->dead_letters(10);
  ASSERT_EQ(letters.size(), 3u);
  std::string all;
  for (const auto& l : letters) all += l.letter.raw + "\n";
  for (const char* kept : {"jane.doe@example.com", "Jane.Doe@Example.com", "415 555", "cust-secret",
                           "user-secret", "anon-secret", "bot-secret"})
    EXPECT_EQ(all.find(kept), std::string::npos) << kept << " kept in:\n" << all;
  EXPECT_NE(all.find("[email]"), std::string::npos) << all;
  EXPECT_NE(all.find(pseudonymize("cust-secret", privacy.pseudonym_key)), std::string::npos) << all;
  EXPECT_NE(all.find(pseudonymize("bot-secret", privacy.pseudonym_key)), std::string::npos) << all;
  EXPECT_NE(all.find(pseudonymize(hashed_identity("Jane.Doe@Example.com"), privacy.pseudonym_key)),
            std::string::npos)
      << all;
  // A body refused for its depth is kept as text: never parsed (the walk over it would recurse that deep).
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  EXPECT_EQ(ingest.reject_body("events", deep, "body", "nested too deeply", kReceived).status, 400);
  EXPECT_EQ(store->dead_letters(1)[0].letter.raw, deep.substr(0, IngestLimits{}.dead_letter_raw_bytes));
}

TEST_F(IngestServiceTest, DuplicatesAreCountedNotStoredAgain) {
  const json body = json::array({valid("d1"), valid("d2")});
  IngestService ingest = service();
  EXPECT_EQ(ingest.ingest("events", pointers(body), kNative, kReceived).body["accepted"], 2);

  const json again = json::array({valid("d1"), valid("d2"), valid("d3")});
  const IngestReply reply = ingest.ingest("events", pointers(again), kNative, kReceived + 1);
  EXPECT_EQ(reply.status, 202);
  EXPECT_EQ(reply.body["accepted"], 1);
  EXPECT_EQ(reply.body["duplicates"], 2);
  EXPECT_EQ(reply.body["rejected"], 0);
  EXPECT_TRUE(reply.body["errors"].empty());
  EXPECT_EQ(store->interactions({}).size(), 3u);
  EXPECT_EQ(events_total.value({"events", "duplicate"}), 2u);
  EXPECT_EQ(events_total.value({"events", "accepted"}), 3u);

  // Only duplicates: still a success (the sender's retry worked), not "no valid events".
  const IngestReply retry = ingest.ingest("events", pointers(again), kNative, kReceived + 2);
  EXPECT_EQ(retry.status, 202);
  EXPECT_EQ(retry.body["duplicates"], 3);
}

TEST_F(IngestServiceTest, OversizedEventIsRejectedWithoutBeingTranslated) {
  IngestLimits limits;
  limits.max_event_bytes = 256;
  int translated = 0;
  const EventTranslator counting = [&](const json& e, int64_t now, FieldErrors& errors) {
    ++translated;
    return interaction_from_json(e, now, errors);
  };
  json big = valid("big");
  big["text"] = std::string(1000, 'x');
  const json body = json::array({valid("small"), big});
  const IngestReply reply = service(limits).ingest("events", pointers(body), counting, kReceived);
  EXPECT_EQ(reply.status, 202);
  EXPECT_EQ(translated, 1);
  ASSERT_EQ(reply.body["errors"].size(), 1u);
  EXPECT_EQ(reply.body["errors"][0]["index"], 1);
  EXPECT_EQ(reply.body["errors"][0]["field"], "");
  EXPECT_THAT(reply.body["errors"][0]["error"].get<std::string>(), HasSubstr("256"));
}

TEST_F(IngestServiceTest, DeadLetterRawIsTruncatedOnACharacterBoundary) {
  IngestLimits limits;
  limits.dead_letter_raw_bytes = 41;
  const json bad = {{"type", "message"}, {"text", "Привет, как дела? Ļoti labi, paldies! 😀"}};
  const json body = json::array({bad});
  service(limits).ingest("events", pointers(body), kNative, kReceived);
  const auto letters = store->dead_letters(1);
  ASSERT_EQ(letters.size(), 1u);
  const std::string& raw = letters[0].letter.raw;
  EXPECT_LE(raw.size(), 41u);
  EXPECT_GE(raw.size(), 38u);
  EXPECT_EQ(bad.dump().compare(0, raw.size(), raw), 0) << "a prefix of the event as sent";
  // Valid UTF-8 means a JSON string built from it can be dumped strictly.
  EXPECT_NO_THROW(json(raw).dump());
}

// A large body is cut to the dead letter's size before it is redacted (redacting all of a 1 MiB body took
// 0.19 s for a dead letter that keeps 8 KiB). What straddles the cut is redacted whole: from where it
// starts, only its placeholder (or the placeholder's start) is kept, never a half that redaction would no
// longer recognise ("jane.doe@exa").
TEST_F(IngestServiceTest, ALargeBodyIsCutThenRedactedWithNothingHalfVisibleAtTheCut) {
  IngestLimits limits;
  limits.dead_letter_raw_bytes = 300;
  IngestService ingest = service(limits);
  const std::string filler = "lorem ipsum dolor sit amet ";  // nothing to redact, no digits, no '@'
  std::string tail = "\", \"more\": \"";
  while (tail.size() < size_t{1} << 20) tail += filler;
  const std::pair<std::string, std::string> secrets[] = {{"jane.doe@example.com", "[email]"},
                                                         {"+371 2912 3456", "[phone]"},
                                                         {"4111 1111 1111 1111", "[card]"},
                                                         {"LV80 BANK 0000 4351 9500 1", "[iban]"}};
  for (const auto& [secret, placeholder] : secrets) {
    for (size_t before_cut = 1; before_cut < secret.size(); ++before_cut) {
      std::string head = "{not json, \"text\": \"";
      while (head.size() < 300 - before_cut) head += filler;
      head.resize(300 - before_cut);
      head.back() = ' ';
      ASSERT_EQ(ingest.reject_body("events", head + secret + tail, "body", "bad", kReceived).status, 400);
      const std::string raw = store->dead_letters(1)[0].letter.raw;
      const std::string redacted = head + placeholder + tail;
      EXPECT_LE(raw.size(), 300u);
      EXPECT_EQ(redacted.compare(0, raw.size(), raw), 0) << raw << "\n"
                                                         << secret << " cut after " << before_cut;
      EXPECT_GE(raw.size(), std::min<size_t>(300, head.size() + placeholder.size())) << raw;
    }
  }
  // Without a character to cut before near the limit, the cut is at the limit, on a character boundary.
  std::string letters;
  while (letters.size() < size_t{1} << 20) letters += "\u0101";  // ā, 2 bytes
  ASSERT_EQ(ingest.reject_body("events", "x" + letters, "body", "bad", kReceived).status, 400);
  const std::string raw = store->dead_letters(1)[0].letter.raw;
  EXPECT_EQ(raw, ("x" + letters).substr(0, 299));
  EXPECT_NO_THROW((void)json(raw).dump());
}

TEST_F(IngestServiceTest, SegmentErrorsNameSegmentFields) {
  const EventTranslator segment = [](const json& e, int64_t now, FieldErrors& errors) {
    return segment_to_interaction(e, "track", now, errors);
  };
  const json body = json::array({{{"userId", "u"}, {"event", "x"}}, {{"messageId", "m"}, {"userId", "u"}}});
  const IngestReply reply = service().ingest("segment", pointers(body), segment, kReceived);
  EXPECT_EQ(reply.status, 202);
  EXPECT_EQ(reply.body["accepted"], 1);
  ASSERT_EQ(reply.body["errors"].size(), 1u);
  EXPECT_EQ(reply.body["errors"][0]["index"], 0);
  EXPECT_EQ(reply.body["errors"][0]["field"], "messageId");
}

// The contract for a batch with one bad event is 202 with that event rejected. A long non-ASCII "type"
// was quoted in its error cut inside a character; the dead letter's reason then failed to serialise and
// the whole batch was answered 500.
TEST_F(IngestServiceTest, SegmentBatchWithALongNonAsciiTypeRejectsOnlyThatEvent) {
  const EventTranslator batch = [](const json& e, int64_t now, FieldErrors& errors) {
    return segment_to_interaction(e, "", now, errors);
  };
  std::string type;
  for (int i = 0; i < 40; ++i) type += "\u0161";
  const json body = json::array({{{"type", "track"}, {"messageId", "a"}, {"userId", "u"}, {"event", "x"}},
                                 {{"type", "x" + type}, {"messageId", "b"}, {"userId", "u"}},
                                 {{"type", "page"}, {"messageId", "c"}, {"userId", "u"}}});
  const IngestReply reply = service().ingest("segment", pointers(body), batch, kReceived);
  EXPECT_EQ(reply.status, 202);
  EXPECT_EQ(reply.body["accepted"], 2);
  EXPECT_EQ(reply.body["rejected"], 1);
  ASSERT_EQ(reply.body["errors"].size(), 1u);
  EXPECT_EQ(reply.body["errors"][0]["index"], 1);
  EXPECT_EQ(reply.body["errors"][0]["field"], "type");
  EXPECT_NO_THROW((void)reply.body.dump());  // strict: the reply is valid UTF-8 too
  EXPECT_EQ(store->interactions({}).size(), 2u);
  const auto letters = store->dead_letters(10);
  ASSERT_EQ(letters.size(), 1u);
  const json reasons = json::parse(letters[0].letter.reason_json);
  EXPECT_EQ(reasons[0]["field"], "type");
  EXPECT_NE(reasons[0]["error"].get<std::string>().find("' is not supported"), std::string::npos);
}

TEST_F(IngestServiceTest, RejectBodyKeepsTheRawBodyAsADeadLetter) {
  IngestLimits limits;
  limits.dead_letter_raw_bytes = 10;
  const IngestReply reply = service(limits).reject_body("events", "{\"not json at all", "body",
                                                        "not valid JSON (at byte 17)", kReceived);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body, error_body("body", "not valid JSON (at byte 17)"));
  const auto letters = store->dead_letters(10);
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].letter.raw, "{\"not json");
  const json reasons = json::parse(letters[0].letter.reason_json);
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0]["field"], "body");
  EXPECT_EQ(reasons[0]["error"], "not valid JSON (at byte 17)");
  EXPECT_EQ(events_total.value({"events", "rejected_body"}), 1u);
}

// The non-blocking forms give the same replies, once the commit happened; the JSON may go at once.
TEST_F(IngestServiceTest, AsyncFormsReplyAfterTheCommitLikeTheBlockingOnes) {
  IngestService svc = service();
  std::promise<IngestReply> ingested, rejected;
  {
    const json body = json::array({valid("a1"), {{"type", "message"}}, valid("a2")});
    svc.ingest_async("events", pointers(body), kNative, kReceived,
                     [&](IngestReply r) { ingested.set_value(std::move(r)); });
  }  // the body is gone before the commit: the events were translated (copied) already
  svc.reject_body_async("events", "{oops", "body", "not valid JSON (at byte 1)", kReceived,
                        [&](IngestReply r) { rejected.set_value(std::move(r)); });
  const IngestReply a = ingested.get_future().get();
  EXPECT_EQ(a.status, 202);
  EXPECT_EQ(a.body["accepted"], 2);
  EXPECT_EQ(a.body["rejected"], 1);
  EXPECT_EQ(a.body["errors"][0]["index"], 1);
  const IngestReply b = rejected.get_future().get();
  EXPECT_EQ(b.status, 400);
  EXPECT_EQ(b.body, error_body("body", "not valid JSON (at byte 1)"));
  // Replied after the commit: the rows and both dead letters are there as soon as the replies are.
  EXPECT_EQ(store->interactions({}).size(), 2u);
  EXPECT_EQ(store->dead_letters(10).size(), 2u);
  EXPECT_EQ(events_total.value({"events", "accepted"}), 2u);
  EXPECT_EQ(events_total.value({"events", "rejected_body"}), 1u);
}

TEST(ErrorBody, HasErrorAndField) {
  EXPECT_EQ(error_body("Authorization", "credentials required"),
            (json{{"error", "credentials required"}, {"field", "Authorization"}}));
}

// Replies when the writer does not commit: nothing is acknowledged and the sender is told to retry.
TEST(IngestServiceFailures, StorageFailureIs503WithRetryAfter) {
  testing::ScriptedStore store;
  store.fail_commit(0);
  GroupCommitWriter writer(store, WriterOptions{});
  CounterFamily total("t", "T.", {"source", "outcome"});
  IngestLimits limits;
  limits.retry_after_s = 7;
  IngestService service(writer, limits, &total);
  const json body = json::array({valid("a"), {{"id", "bad"}}});
  const IngestReply reply = service.ingest("events", pointers(body), kNative, kReceived);
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.retry_after_s, 7);
  EXPECT_EQ(reply.body["field"], "");
  EXPECT_THAT(reply.body["error"].get<std::string>(), HasSubstr("nothing was acknowledged"));
  EXPECT_FALSE(reply.body.contains("accepted"));
  EXPECT_EQ(total.value({"events", "accepted"}), 0u);
  EXPECT_EQ(total.value({"events", "rejected"}), 0u);
  EXPECT_TRUE(store.stored().empty());
}

TEST(IngestServiceFailures, FullQueueIs429WithRetryAfter) {
  testing::ScriptedStore store;
  store.hold_from(0);
  WriterOptions options;
  options.queue_capacity = 1;
  GroupCommitWriter writer(store, options);
  testing::Submitters submitters(writer, store);
  submitters.submit(testing::batch_of("held", 1));
  ASSERT_TRUE(store.wait_entered(1));
  submitters.submit(testing::batch_of("queued", 1));
  ASSERT_TRUE(testing::eventually([&] { return writer.queued() == 1; }));

  IngestService service(writer, IngestLimits{});
  const json body = json::array({valid("a")});
  const IngestReply reply = service.ingest("events", pointers(body), kNative, kReceived);
  EXPECT_EQ(reply.status, 429);
  EXPECT_EQ(reply.retry_after_s, IngestLimits{}.retry_after_s);
  EXPECT_GT(reply.retry_after_s, 0);
  EXPECT_THAT(reply.body["error"].get<std::string>(), HasSubstr("full"));
}

TEST(IngestServiceFailures, ShuttingDownIs503) {
  testing::ScriptedStore store;
  GroupCommitWriter writer(store, WriterOptions{});
  writer.stop();
  IngestService service(writer, IngestLimits{});
  const json body = json::array({valid("a")});
  const IngestReply reply = service.ingest("events", pointers(body), kNative, kReceived);
  EXPECT_EQ(reply.status, 503);
  EXPECT_GT(reply.retry_after_s, 0);
  EXPECT_THAT(reply.body["error"].get<std::string>(), HasSubstr("shutting down"));
}

TEST(IngestServiceFailures, RejectedBodyIs400EvenWhenItsDeadLetterIsLost) {
  testing::ScriptedStore store;
  store.fail_commit(0);
  GroupCommitWriter writer(store, WriterOptions{});
  CounterFamily total("t", "T.", {"source", "outcome"});
  IngestService service(writer, IngestLimits{}, &total);
  const IngestReply reply = service.reject_body("events", "[]", "body", "contains no events", kReceived);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.retry_after_s, 0);
  EXPECT_EQ(total.value({"events", "rejected_body_lost"}), 1u);
  EXPECT_EQ(total.value({"events", "rejected_body"}), 0u);
}

}  // namespace
}  // namespace tp
