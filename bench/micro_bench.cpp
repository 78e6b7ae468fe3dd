// Micro-benchmarks of the per-event CPU work on the ingest path (parse, validate, translate, store), to see
// where the time goes when the load benchmark moves. Reported per event.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "ingest/event_body.h"
#include "ingest/segment_adapter.h"
#include "model/interaction_json.h"
#include "store/sqlite_store.h"

namespace {

std::string canonical_batch(int n) {
  std::string body = "[";
  for (int i = 0; i < n; ++i) {
    if (i) body += ",";
    body +=
        R"({"id":"e-)" + std::to_string(i) +
        R"(","type":"message","customer_id":"c-1","channel":"chatbot","role":"user",)"
        R"("text":"where is my order? it was supposed to arrive yesterday","intent":"order_status","confidence":0.87})";
  }
  return body + "]";
}

std::string segment_batch(int n) {
  std::string body = R"({"batch":[)";
  for (int i = 0; i < n; ++i) {
    if (i) body += ",";
    body +=
        R"({"type":"track","messageId":"m-)" + std::to_string(i) +
        R"(","userId":"u-1","event":"Order Completed","properties":{"total":42.5},"timestamp":"2026-11-23T10:00:00Z"})";
  }
  return body + "]}";
}

void BM_CanonicalParseAndValidate(benchmark::State& state) {
  const std::string body = canonical_batch(100);
  tp::FieldErrors errors;
  for (auto _ : state) {
    tp::EventBody parsed = tp::parse_event_body(body);
    for (const auto* e : parsed.events) benchmark::DoNotOptimize(tp::interaction_from_json(*e, 0, errors));
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_CanonicalParseAndValidate);

void BM_SegmentParseAndTranslate(benchmark::State& state) {
  const std::string body = segment_batch(100);
  tp::FieldErrors errors;
  for (auto _ : state) {
    tp::EventBody parsed = tp::parse_event_body(body);
    for (const auto* e : parsed.events)
      benchmark::DoNotOptimize(tp::segment_to_interaction(*e, "", 0, errors));
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_SegmentParseAndTranslate);

// The writer's part of the load tests: one group commit of `range(0)` requests of `range(1)` Segment-like
// events each (ids counting up, half with a customer, half with a visitor), then the tags of the previous
// group, as the tagging thread sends them. /1/1000 is (3)'s shape (a group of ~1,400 events in ~14
// requests, here one), /13/1 is (2)'s (13 one-event requests per commit). CPU time of the committing
// thread: the fsync's wait is not in it, its system call is.
void BM_StoreCommitPerEvent(benchmark::State& state) {
  const auto requests = static_cast<int>(state.range(0)), per_request = static_cast<int>(state.range(1));
  const std::string dir = "/tmp/tp-micro-bench-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  {
    tp::SqliteOptions options;
    options.path = dir + "/bench.db";
    tp::SqliteStore store(options);
    int64_t n = 0;
    std::vector<int64_t> last_seqs;
    for (auto _ : state) {
      std::vector<tp::WriteBatch> group(static_cast<size_t>(requests) + 1);
      for (int r = 0; r < requests; ++r) {
        tp::WriteBatch& events = group[static_cast<size_t>(r)];
        events.source = "segment";
        events.received_ms = 1'795'428'000'000;
        for (int i = 0; i < per_request; ++i, ++n) {
          tp::Interaction in;
          in.id = "bench-1-" + std::to_string(n);
          in.type = tp::EventType::Track;
          (n % 2 ? in.customer_id : in.anonymous_id) = (n % 2 ? "u-" : "a-") + std::to_string(n % 9000);
          in.timestamp_ms = events.received_ms;
          in.name = n % 2 ? "Order Completed" : "Pricing";
          in.properties_json = R"({"currency":"EUR","total":42.5})";
          events.events.push_back(std::move(in));
        }
      }
      tp::WriteBatch& tags = group.back();
      tags.internal = true;
      tags.source = "tagging";
      for (const int64_t seq : last_seqs) {
        tp::TagUpdate u;
        u.seq = seq;
        u.version = "v1";
        u.tags.persona = "shopper";
        u.tags.stage = "purchase";
        u.tags.touchpoint = "website";
        u.tags.rules = {"r1", "r2"};
        tags.tag_updates.push_back(std::move(u));
      }
      std::vector<const tp::WriteBatch*> batches;
      for (const auto& b : group) batches.push_back(&b);
      std::vector<tp::BatchCounts> counts;
      store.commit(batches, counts);
      store.housekeeping();  // as the writer does between groups: checkpoint rounds keep the WAL short
      last_seqs.clear();
      for (int r = 0; r < requests; ++r)
        last_seqs.insert(last_seqs.end(), counts[static_cast<size_t>(r)].seqs.begin(),
                         counts[static_cast<size_t>(r)].seqs.end());
    }
  }
  std::filesystem::remove_all(dir);
  state.SetItemsProcessed(state.iterations() * requests * per_request);
}
BENCHMARK(BM_StoreCommitPerEvent)->Args({1, 1000})->Iterations(300);
BENCHMARK(BM_StoreCommitPerEvent)->Args({13, 1})->Iterations(3000);

}  // namespace

BENCHMARK_MAIN();
