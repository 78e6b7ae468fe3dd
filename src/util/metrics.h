// A minimal Prometheus registry: labelled counters, sampled gauges and fixed-bucket histograms,
// rendered in the text exposition format (version 0.0.4). Thread-safe; increments are lock-free
// once a label combination exists.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace tp {

class CounterFamily {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> label_names);
  // Label values in the order of label_names.
  void inc(std::initializer_list<std::string_view> label_values, uint64_t n = 1);
  uint64_t value(std::initializer_list<std::string_view> label_values) const;
  void render(std::string& out) const;

 private:
  std::string name_, help_;
  std::vector<std::string> label_names_;
  mutable std::shared_mutex mu_;
  std::map<std::string, std::unique_ptr<std::atomic<uint64_t>>> values_;  // key: values joined by '\x1f'
};

class Histogram {
 public:
  Histogram(std::string name, std::string help, std::vector<double> upper_bounds);
  void observe(double value);
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  void render(std::string& out) const;

 private:
  std::string name_, help_;
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // non-cumulative; summed when rendered
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_nanos_{0};  // sum kept in 1e-9 units of the observed value
};

class MetricsRegistry {
 public:
  CounterFamily& counter(std::string name, std::string help, std::vector<std::string> label_names);
  Histogram& histogram(std::string name, std::string help, std::vector<double> upper_bounds);
  // A gauge whose value is read when /metrics is scraped.
  void gauge(std::string name, std::string help, std::function<double()> sample);
  // A labelled family read when scraped (e.g. per-plugin counters kept elsewhere): `sample` returns
  // (label values, value) pairs; `type` is "counter" or "gauge".
  using LabelledSamples = std::vector<std::pair<std::vector<std::string>, double>>;
  void family(std::string name, std::string help, std::string type, std::vector<std::string> label_names,
              std::function<LabelledSamples()> sample);
  std::string render() const;

 private:
  struct Gauge {
    std::string name, help;
    std::function<double()> sample;
  };
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<CounterFamily>> counters_;
  std::vector<std::unique_ptr<Histogram>> histograms_;
  std::vector<Gauge> gauges_;
  struct Family {
    std::string name, help, type;
    std::vector<std::string> label_names;
    std::function<LabelledSamples()> sample;
  };
  std::vector<Family> families_;
};

}  // namespace tp
