// What the adapter unit tests share: a fixture from tests/fixtures/adapters/<adapter>/ (sources in
// tests/fixtures/README.md) run through the named adapter, and short views of the output (the fields that
// errors name, a one-line description for failure messages, the properties as JSON).
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "ingest/adapters/adapter.h"
#include "util/time.h"

namespace tp::testing {

inline constexpr int64_t kReceived = 1'800'000'000'000;  // AdapterContext::received_ms of every run

inline const std::filesystem::path& adapter_fixtures() {
  static const auto dir = std::filesystem::path(TP_SOURCE_DIR) / "tests/fixtures/adapters";
  return dir;
}

inline nlohmann::json load(const std::string& adapter, const std::string& file) {
  std::ifstream in(adapter_fixtures() / adapter / file);
  EXPECT_TRUE(in.good()) << "missing fixture " << adapter << "/" << file;
  return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

inline std::vector<std::string> messages_of(const std::vector<Diagnostic>& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.message);
  return out;
}

// The worked Botpress example's mapping: the config every test gives the generic adapter.
inline nlohmann::json generic_config() {
  return load("generic", "botpress_config.json");
}

inline std::unique_ptr<Adapter> adapter_for(const std::string& name) {
  std::vector<Diagnostic> problems;
  auto a = make_adapter(name, name == "generic" ? generic_config() : nlohmann::json(), problems);
  EXPECT_TRUE(a) << name << ": " << (problems.empty() ? "" : problems[0].message);
  return a;
}

inline AdapterOutput run(const std::string& name, const nlohmann::json& payload, AdapterContext ctx = {}) {
  if (ctx.received_ms == 0) ctx.received_ms = kReceived;
  ctx.source = name;
  return adapter_for(name)->translate(payload, ctx);
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

inline nlohmann::json props(const Interaction& in) {
  return in.properties_json.empty() ? nlohmann::json::object() : nlohmann::json::parse(in.properties_json);
}

inline int64_t ms(const char* rfc3339) {
  return *parse_rfc3339_ms(rfc3339);
}

}  // namespace tp::testing
