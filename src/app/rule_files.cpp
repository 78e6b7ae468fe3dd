#include "app/rule_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace tp {
namespace fs = std::filesystem;

namespace {

Diagnostic problem(const std::string& file, const std::string& message) {
  Diagnostic d;
  d.file = file;
  d.message = message;
  return d;
}

void read_one(const fs::path& p, RuleFiles& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    out.problems.push_back(problem(p.string(), "cannot read the file"));
    return;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  out.sources.push_back({p.string(), ss.str()});
}

}  // namespace

RuleFiles read_rule_files(const std::vector<std::string>& paths, bool required) {
  RuleFiles out;
  for (const auto& path : paths) {
    std::error_code ec;
    const fs::path p(path);
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(p, ec))
        if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) read_one(f, out);
    } else if (fs::exists(p, ec)) {
      read_one(p, out);
    } else if (required) {
      out.problems.push_back(problem(path, "no such file or folder"));
    }
  }
  return out;
}

RuleLoad load_rules(const std::vector<std::string>& paths, bool required, const Journey& journey) {
  RuleFiles files = read_rule_files(paths, required);
  RuleLoad load = compile_rules(files.sources, journey);
  if (!files.problems.empty()) {
    load.rules.reset();
    load.diagnostics.insert(load.diagnostics.begin(), files.problems.begin(), files.problems.end());
  }
  return load;
}

SignalOptions signal_options(const EngineConfig& e) {
  SignalOptions o;
  o.unanswered_confidence = e.unanswered_confidence;
  o.negative_sentiment = e.negative_sentiment;
  o.repeated_similarity = e.repeated_similarity;
  o.slow_response_ms = int64_t{e.slow_response_s} * 1000;
  return o;
}

}  // namespace tp
