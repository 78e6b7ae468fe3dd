// Micro-benchmarks of the per-event CPU work on the ingest path (parse, validate, translate), to see
// where the time goes when the load benchmark moves. Reported per event.
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>
#include <string>

#include "ingest/event_body.h"
#include "ingest/segment_adapter.h"
#include "model/interaction_json.h"

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

}  // namespace

BENCHMARK_MAIN();
