#include "daemon/metrics.h"

#include <tuple>

namespace flashcoded {

void Metrics::Add(const std::string& name, const std::string& help, const std::string& label_key,
                  const std::string& label_value, double delta) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = values_[Key{name, label_key, label_value}];
  slot.first += delta;
  if (slot.second.empty()) slot.second = help;
}

std::vector<MetricSample> Metrics::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<MetricSample> out;
  for (const auto& [key, value] : values_) {
    MetricSample s;
    s.name = key.name;
    if (!key.label_key.empty()) s.labels.emplace_back(key.label_key, key.label_value);
    s.value = value.first;
    s.help = value.second;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace flashcoded
