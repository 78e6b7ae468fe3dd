// What the per-platform adapter tests share: a fixture loaded from tests/fixtures/adapters/<adapter>/, the
// adapter run on it with a fixed receive time, and readable views of the output (error fields, properties).
#pragma once
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "ingest/adapters/adapter.h"
#include "util/time.h"

namespace tp::adapter_test {

using json = nlohmann::json;

inline constexpr int64_t kReceived = 1'800'000'000'000;

inline json load(const std::string& adapter, const std::string& file) {
  const auto path = std::filesystem::path(TP_SOURCE_DIR) / "tests/fixtures/adapters" / adapter / file;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "missing fixture " << adapter << "/" << file;
  return json::parse(in, nullptr, /*allow_exceptions=*/false);
}

inline AdapterOutput run(const std::string& name, const json& payload) {
  std::vector<Diagnostic> problems;
  const auto adapter = make_adapter(name, json(), problems);
  EXPECT_TRUE(adapter) << name;
  if (!adapter) return {};
  AdapterContext ctx;
  ctx.received_ms = kReceived;
  ctx.source = name;
  return adapter->translate(payload, ctx);
}

inline AdapterOutput run_fixture(const std::string& name, const std::string& file) {
  return run(name, load(name, file));
}

inline std::set<std::string> fields_of(const FieldErrors& errors) {
  std::set<std::string> out;
  for (const auto& e : errors) out.insert(e.field);
  return out;
}

inline std::string describe(const AdapterOutput& out) {
  std::string s;
  for (const auto& e : out.errors) s += e.field + ": " + e.error + "; ";
  return s;
}

inline json props(const Interaction& in) {
  return in.properties_json.empty() ? json::object() : json::parse(in.properties_json);
}

inline int64_t ms(const char* rfc3339) {
  return *parse_rfc3339_ms(rfc3339);
}

}  // namespace tp::adapter_test
