// The pipeline between commit and tags, over real SQLite: what is committed gets tagged and written
// back; what was stored but never tagged (a crash) is caught up at the next start; customer memory
// survives a restart through storage.
#include "app/tagging_pipeline.h"

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "engine/rule_set.h"
#include "model/journey.h"
#include "store/sqlite_store.h"
#include "support/demo_journey.h"
#include "support/temp_dir.h"

namespace tp {
namespace {

using testing::demo_journey;

std::shared_ptr<const Tagger> tagger() {
  auto load = compile_rules({{"p.json", R"({"rules": [
    { "id": "refund", "description": "d", "when": {"field": "text", "keywords": ["refund"]}, "then": {"stage": "support", "pain": ["refund_request"]} },
    { "id": "checkout", "description": "d", "when": {"field": "path", "glob": "/checkout*"}, "then": {"stage": "purchase"} },
    { "id": "after", "description": "d", "priority": -1, "when": {"reached_stage": "purchase"}, "then": {"pain": ["after_purchase"]} }
  ]})"}},
                            demo_journey());
  EXPECT_TRUE(load.ok());
  return std::make_shared<Tagger>(load.rules, demo_journey());
}

Interaction chat(const std::string& id, const std::string& customer, const std::string& text) {
  Interaction in;
  in.id = id;
  in.type = EventType::Message;
  in.customer_id = customer;
  in.channel = "chatbot";
  in.role = Role::User;
  in.text = text;
  return in;
}

// A page view of the checkout: the "checkout" rule's purchase stage, which the customer then remembers.
Interaction checkout_page(const std::string& id, const std::string& customer) {
  Interaction in;
  in.id = id;
  in.type = EventType::Page;
  in.customer_id = customer;
  in.url = "https://shop.example/checkout";
  return in;
}

WriteBatch batch(std::vector<Interaction> events) {
  WriteBatch b;
  b.source = "events";
  b.received_ms = 1;
  b.events = std::move(events);
  return b;
}

// Waits (bounded readiness wait, not a timing assertion) until the pipeline has tagged n interactions.
bool wait_tagged(const TaggingPipeline& p, uint64_t n) {
  for (int i = 0; i < 2000; ++i) {
    if (p.tagged() >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

StoredInteraction by_id(Store& store, const std::string& id) {
  for (auto& s : store.scan({0, 1000, false}))
    if (s.interaction.id == id) return s;
  ADD_FAILURE() << "no interaction " << id;
  return {};
}

// A store, its group-commit writer and a started tagging pipeline, wired as the daemon wires them.
struct Running {
  explicit Running(const SqliteOptions& o, PipelineOptions p = {})
      : store(o), writer(store, {}), pipeline(store, writer, tagger(), p) {
    writer.set_commit_listener([this](WriteBatch& b, const BatchCounts& c) { pipeline.on_committed(b, c); });
    pipeline.start();
  }
  SqliteStore store;
  GroupCommitWriter writer;
  TaggingPipeline pipeline;
};

class Pipeline : public ::testing::Test {
 protected:
  SqliteOptions options() {
    SqliteOptions o;
    o.path = (dir_.path() / "t.db").string();
    return o;
  }
  testing::TempDir dir_;
};

TEST_F(Pipeline, CommittedInteractionsGetTaggedAndWrittenBack) {
  Running running(options());
  auto& [store, writer, pipeline] = running;
  ASSERT_EQ(writer.submit(batch({chat("a", "c1", "I want a refund"), chat("b", "c1", "hello")})).status,
            SubmitStatus::Committed);
  ASSERT_EQ(writer.submit(batch({chat("a", "c1", "I want a refund")})).counts.duplicates,
            1u);  // not tagged again
  ASSERT_TRUE(wait_tagged(pipeline, 2));
  pipeline.stop();

  const StoredInteraction a = by_id(store, "a");
  EXPECT_EQ(a.tag_version, tagger()->version());
  EXPECT_EQ(a.tags.stage, "support");
  EXPECT_EQ(a.tags.touchpoint, "chatbot");
  EXPECT_EQ(a.tags.pain, std::vector<std::string>{"refund_request"});
  EXPECT_EQ(a.tags.rules, std::vector<std::string>{"refund"});
  const StoredInteraction b = by_id(store, "b");
  EXPECT_EQ(b.tag_version, tagger()->version());
  EXPECT_TRUE(b.tags.stage.empty());
  EXPECT_EQ(pipeline.tagged(), 2u);
  writer.stop();
}

TEST_F(Pipeline, UntaggedRowsFromBeforeAStartAreCaughtUp) {
  {
    // Stored, acknowledged, and then the process died before tagging.
    SqliteStore store(options());
    std::vector<BatchCounts> counts;
    const WriteBatch b = batch({chat("x", "c1", "refund please"), chat("y", "c2", "hi")});
    const WriteBatch* one[] = {&b};
    store.commit(one, counts);
    EXPECT_TRUE(by_id(store, "x").tag_version.empty());
  }
  Running running(options());
  auto& [store, writer, pipeline] = running;
  ASSERT_TRUE(wait_tagged(pipeline, 2));
  pipeline.stop();
  EXPECT_EQ(by_id(store, "x").tags.stage, "support");
  EXPECT_FALSE(by_id(store, "y").tag_version.empty());
  writer.stop();
}

TEST_F(Pipeline, CustomerMemorySurvivesARestart) {
  const Interaction checkout = checkout_page("p1", "c1");
  {
    Running running(options());
    auto& [store, writer, pipeline] = running;
    ASSERT_EQ(writer.submit(batch({checkout})).status, SubmitStatus::Committed);
    ASSERT_TRUE(wait_tagged(pipeline, 1));
    pipeline.stop();
    writer.stop();
  }
  Running running(options());
  auto& [store, writer, pipeline] = running;
  ASSERT_EQ(store.customer_states().size(), 1u);
  ASSERT_EQ(writer.submit(batch({chat("q", "c1", "a question")})).status, SubmitStatus::Committed);
  ASSERT_TRUE(wait_tagged(pipeline, 1));
  pipeline.stop();
  EXPECT_EQ(by_id(store, "q").tags.pain, std::vector<std::string>{"after_purchase"});
  writer.stop();
}

// Under load every batch touches thousands of customers; a customer row is written again only when what
// is remembered about the customer changed. Shown by removing the stored rows behind the pipeline's
// back: an unchanged customer's row stays gone, a changed one's comes back.
TEST_F(Pipeline, OnlyCustomersWhoseStateChangedAreWrittenBack) {
  const Interaction checkout = checkout_page("p1", "c1");
  Running running(options());
  auto& [store, writer, pipeline] = running;
  ASSERT_EQ(writer.submit(batch({checkout, chat("q0", "c2", "hello")})).status, SubmitStatus::Committed);
  ASSERT_TRUE(wait_tagged(pipeline, 2));
  ASSERT_EQ(store.customer_states().size(), 1u);  // c1 reached purchase; c2's memory is still empty
  {
    SQLite::Database db(options().path, SQLite::OPEN_READWRITE);
    db.exec("DELETE FROM customer_state");
  }
  // c1 asks a question (nothing new to remember); c2 checks out (reaches purchase).
  ASSERT_EQ(writer.submit(batch({chat("q1", "c1", "a question"), checkout_page("p2", "c2")})).status,
            SubmitStatus::Committed);
  ASSERT_TRUE(wait_tagged(pipeline, 4));
  pipeline.stop();
  const auto rows = store.customer_states();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].customer_id, "c2");
  EXPECT_NE(rows[0].stages_reached, 0u);
  writer.stop();
}

TEST_F(Pipeline, ReplacingTheTaggerAppliesToLaterInteractions) {
  Running running(options());
  auto& [store, writer, pipeline] = running;
  ASSERT_EQ(writer.submit(batch({chat("1", "c", "refund")})).status, SubmitStatus::Committed);
  ASSERT_TRUE(wait_tagged(pipeline, 1));
  auto empty = compile_rules({{"e.json", R"({"rules": []})"}}, demo_journey());
  pipeline.replace_tagger(std::make_shared<Tagger>(empty.rules, demo_journey()));
  ASSERT_EQ(writer.submit(batch({chat("2", "c", "refund")})).status, SubmitStatus::Committed);
  ASSERT_TRUE(wait_tagged(pipeline, 2));
  pipeline.stop();
  EXPECT_EQ(by_id(store, "1").tags.stage, "support");
  EXPECT_TRUE(by_id(store, "2").tags.stage.empty());
  EXPECT_EQ(by_id(store, "2").tag_version, empty.rules->version());
  EXPECT_NE(by_id(store, "1").tag_version, by_id(store, "2").tag_version);
  writer.stop();
}

// Commits events as one request does; a failed commit fails the test.
void commit(GroupCommitWriter& writer, std::vector<Interaction> events) {
  ASSERT_EQ(writer.submit(batch(std::move(events))).status, SubmitStatus::Committed);
}

// A linger far longer than any wait in these tests: whatever is tagged in time was not waited out.
PipelineOptions lingering() {
  PipelineOptions p;
  p.linger = std::chrono::minutes(10);
  return p;
}

// Under steady traffic the pipeline lingers to tag larger batches, but a full batch is taken at once.
TEST_F(Pipeline, AFullBatchIsTaggedWithoutWaitingOutTheLinger) {
  PipelineOptions p = lingering();
  p.batch = 3;
  Running running(options(), p);
  auto& [store, writer, pipeline] = running;
  // The first interaction after a quiet spell is tagged at once.
  commit(writer, {chat("a", "c1", "refund")});
  ASSERT_TRUE(wait_tagged(pipeline, 1));
  // Two more, in two commits: fewer than a batch, they wait ...
  commit(writer, {chat("b", "c1", "hello")});
  commit(writer, {chat("c", "c2", "hello")});
  // ... until a third fills the batch.
  commit(writer, {chat("d", "c2", "refund")});
  ASSERT_TRUE(wait_tagged(pipeline, 4));
  pipeline.stop();
  EXPECT_EQ(by_id(store, "d").tags.stage, "support");
  writer.stop();
}

// A full queue leaves interactions to storage: they are found there by a scan and tagged all the same. The
// overflow also ends a linger: the thread is behind.
TEST_F(Pipeline, InteractionsBeyondAFullQueueAreTaggedFromStorage) {
  PipelineOptions p = lingering();
  p.max_queue = 2;
  Running running(options(), p);
  auto& [store, writer, pipeline] = running;
  commit(writer, {chat("a", "c1", "hello")});
  ASSERT_TRUE(wait_tagged(pipeline, 1));
  commit(writer, {chat("b", "c1", "hello")});
  commit(writer, {chat("c", "c2", "refund"), chat("d", "c2", "hi"), chat("e", "c3", "refund")});  // beyond
  ASSERT_TRUE(wait_tagged(pipeline, 5));
  EXPECT_EQ(pipeline.backlog(), 0u);
  pipeline.stop();
  for (const char* id : {"a", "b", "c", "d", "e"})
    EXPECT_EQ(by_id(store, id).tag_version, tagger()->version()) << id;
  EXPECT_EQ(by_id(store, "e").tags.stage, "support");
  writer.stop();
}

// Stopping does not wait out the linger: what is queued is tagged and written before stop() returns.
TEST_F(Pipeline, StopTagsWhatIsLingering) {
  Running running(options(), lingering());
  auto& [store, writer, pipeline] = running;
  commit(writer, {chat("a", "c1", "hello")});
  ASSERT_TRUE(wait_tagged(pipeline, 1));
  commit(writer, {chat("b", "c1", "refund")});
  const auto started = std::chrono::steady_clock::now();
  pipeline.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::minutes(1));
  EXPECT_EQ(pipeline.tagged(), 2u);
  EXPECT_EQ(by_id(store, "b").tags.stage, "support");
  writer.stop();
}

}  // namespace
}  // namespace tp
