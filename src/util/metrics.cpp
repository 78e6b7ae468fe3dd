#include "util/metrics.h"

#include <cstdio>

namespace tp {
namespace {

std::string join_key(std::initializer_list<std::string_view> values) {
  std::string key;
  bool first = true;
  for (const auto& v : values) {
    if (!first) key.push_back('\x1f');  // also after an empty first value, so positions never shift
    first = false;
    key.append(v);
  }
  return key;
}

void append_escaped_label(std::string& out, std::string_view v) {
  for (const char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
}

std::string format_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void header(std::string& out, const std::string& name, const std::string& help, const char* type) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

CounterFamily::CounterFamily(std::string name, std::string help, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

void CounterFamily::inc(std::initializer_list<std::string_view> label_values, uint64_t n) {
  const std::string key = join_key(label_values);
  {
    std::shared_lock lock(mu_);
    auto it = values_.find(key);
    if (it != values_.end()) {
      it->second->fetch_add(n, std::memory_order_relaxed);
      return;
    }
  }
  std::unique_lock lock(mu_);
  auto& slot = values_[key];
  if (!slot) slot = std::make_unique<std::atomic<uint64_t>>(0);
  slot->fetch_add(n, std::memory_order_relaxed);
}

uint64_t CounterFamily::value(std::initializer_list<std::string_view> label_values) const {
  std::shared_lock lock(mu_);
  auto it = values_.find(join_key(label_values));
  return it == values_.end() ? 0 : it->second->load(std::memory_order_relaxed);
}

void CounterFamily::render(std::string& out) const {
  header(out, name_, help_, "counter");
  std::shared_lock lock(mu_);
  for (const auto& [key, value] : values_) {
    out += name_;
    if (!label_names_.empty()) {
      out.push_back('{');
      size_t start = 0;
      for (size_t i = 0; i < label_names_.size(); ++i) {
        const size_t end = key.find('\x1f', start);
        const std::string_view v =
            std::string_view(key).substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (i) out.push_back(',');
        out += label_names_[i] + "=\"";
        append_escaped_label(out, v);
        out.push_back('"');
        start = end == std::string::npos ? key.size() : end + 1;
      }
      out.push_back('}');
    }
    out += " " + std::to_string(value->load(std::memory_order_relaxed)) + "\n";
  }
}

Histogram::Histogram(std::string name, std::string help, std::vector<double> upper_bounds)
    : name_(std::move(name)),
      help_(std::move(help)),
      bounds_(std::move(upper_bounds)),
      buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double value) {
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_nanos_.fetch_add(static_cast<uint64_t>(value * 1e9), std::memory_order_relaxed);
}

void Histogram::render(std::string& out) const {
  header(out, name_, help_, "histogram");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    out += name_ + "_bucket{le=\"" + format_double(bounds_[i]) + "\"} " + std::to_string(cumulative) + "\n";
  }
  cumulative += buckets_[bounds_.size()].load(std::memory_order_relaxed);
  out += name_ + "_bucket{le=\"+Inf\"} " + std::to_string(cumulative) + "\n";
  out += name_ + "_sum " + format_double(static_cast<double>(sum_nanos_.load()) / 1e9) + "\n";
  out += name_ + "_count " + std::to_string(count_.load()) + "\n";
}

CounterFamily& MetricsRegistry::counter(std::string name, std::string help, std::vector<std::string> labels) {
  std::lock_guard lock(mu_);
  counters_.push_back(std::make_unique<CounterFamily>(std::move(name), std::move(help), std::move(labels)));
  return *counters_.back();
}

Histogram& MetricsRegistry::histogram(std::string name, std::string help, std::vector<double> upper_bounds) {
  std::lock_guard lock(mu_);
  histograms_.push_back(
      std::make_unique<Histogram>(std::move(name), std::move(help), std::move(upper_bounds)));
  return *histograms_.back();
}

void MetricsRegistry::gauge(std::string name, std::string help, std::function<double()> sample) {
  std::lock_guard lock(mu_);
  gauges_.push_back({std::move(name), std::move(help), std::move(sample)});
}

void MetricsRegistry::family(std::string name, std::string help, std::string type,
                             std::vector<std::string> label_names, std::function<LabelledSamples()> sample) {
  std::lock_guard lock(mu_);
  families_.push_back(
      {std::move(name), std::move(help), std::move(type), std::move(label_names), std::move(sample)});
}

std::string MetricsRegistry::render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& c : counters_) c->render(out);
  for (const auto& h : histograms_) h->render(out);
  for (const auto& g : gauges_) {
    header(out, g.name, g.help, "gauge");
    out += g.name + " " + format_double(g.sample()) + "\n";
  }
  for (const auto& f : families_) {
    header(out, f.name, f.help, f.type.c_str());
    for (const auto& [values, value] : f.sample()) {
      out += f.name + "{";
      for (size_t i = 0; i < f.label_names.size() && i < values.size(); ++i) {
        out += (i ? "," : "") + f.label_names[i] + "=\"";
        append_escaped_label(out, values[i]);
        out += "\"";
      }
      out += "} " + format_double(value) + "\n";
    }
  }
  return out;
}

}  // namespace tp
