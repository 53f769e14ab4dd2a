// Metrics: the daemon's counters and gauges, named in Prometheus style
// ("flashcode_rpc_total{method=...}"). Served by Admin.GetMetrics (and later HTTP /metrics).
// Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "base/thread_annotations.h"

namespace flashcoded {

struct MetricSample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
  std::string help;
};

class Metrics {
 public:
  // Adds `delta` to the counter `name` with one optional label.
  void Add(const std::string& name, const std::string& help, const std::string& label_key = "",
           const std::string& label_value = "", double delta = 1);
  std::vector<MetricSample> Snapshot() const;

 private:
  struct Key {
    std::string name, label_key, label_value;
    bool operator<(const Key& o) const {
      return std::tie(name, label_key, label_value) < std::tie(o.name, o.label_key, o.label_value);
    }
  };
  mutable std::mutex mu_;
  std::map<Key, std::pair<double, std::string>> values_ GUARDED_BY(mu_);
};

}  // namespace flashcoded
