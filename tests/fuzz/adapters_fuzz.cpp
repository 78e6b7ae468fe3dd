// Every platform adapter's translate() on any JSON document: it never throws, every interaction it gives
// is one the store can keep (interaction_checks.h), errors are words, and the same payload translates to
// the same ids (a redelivered webhook must not be stored twice). The bytes also go in as a generic
// adapter's config: a config it accepts must translate the payload too.
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fuzz_check.h"
#include "ingest/adapters/adapter.h"
#include "interaction_checks.h"
#include "util/text.h"

namespace {

using json = nlohmann::json;

// The route refuses deeper bodies before parsing (ingest/event_body.h kMaxJsonDepth).
constexpr size_t kMaxDepth = 64;

void check_output(const tp::AdapterOutput& out) {
  for (const auto& in : out.interactions) tp::fuzz::check_interaction(in);
  tp::fuzz::check_errors(out.errors);
  if (out.rejected > 0) FUZZ_CHECK(!out.errors.empty());
  if (out.response_body) FUZZ_CHECK(!json::parse(*out.response_body, nullptr, false).is_discarded());
}

void translate_twice(const tp::Adapter& adapter, const json& payload, const tp::AdapterContext& ctx) {
  const auto first = adapter.translate(payload, ctx);
  check_output(first);
  const auto again = adapter.translate(payload, ctx);
  FUZZ_CHECK(first.interactions.size() == again.interactions.size());
  for (size_t i = 0; i < first.interactions.size(); ++i)
    FUZZ_CHECK(first.interactions[i].id == again.interactions[i].id);
}

// Built once: the shipped adapters, "generic" with the worked example's config (as the unit tests do).
const std::vector<std::unique_ptr<tp::Adapter>>& adapters() {
  static const auto all = [] {
    std::ifstream in(std::string(TP_SOURCE_DIR) + "/tests/fixtures/adapters/generic/botpress_config.json");
    const json generic_config = json::parse(in, nullptr, /*allow_exceptions=*/false);
    std::vector<std::unique_ptr<tp::Adapter>> out;
    for (const auto& name : tp::adapter_names()) {
      std::vector<tp::Diagnostic> problems;
      out.push_back(tp::make_adapter(name, name == "generic" ? generic_config : json(), problems));
      FUZZ_CHECK(out.back() != nullptr);
    }
    return out;
  }();
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = tp::fuzz::as_text(data, size);
  if (tp::json_nesting_depth(text, kMaxDepth) > kMaxDepth) return 0;
  json payload;
  try {
    payload = json::parse(text, nullptr, /*allow_exceptions=*/false);
  } catch (const json::exception&) {
    return 0;
  }
  if (payload.is_discarded()) return 0;

  tp::AdapterContext ctx;
  ctx.received_ms = 1'800'000'000'000;
  ctx.source = "fuzz";
  // Half the inputs as if verified with Standard Webhooks, whose webhook-id keys events without an id.
  if (size % 2) ctx.webhook_id = "msg_2fuzz";
  for (const auto& adapter : adapters()) translate_twice(*adapter, payload, ctx);

  std::vector<tp::Diagnostic> problems;
  const auto generic = tp::make_adapter("generic", payload, problems);
  FUZZ_CHECK((generic == nullptr) == !problems.empty());
  for (const auto& p : problems)
    FUZZ_CHECK(!p.message.empty() && tp::fuzz::valid_utf8(p.message) && tp::fuzz::valid_utf8(p.pointer));
  if (generic) translate_twice(*generic, payload, ctx);
  return 0;
}
