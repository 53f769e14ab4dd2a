#include "inference/backend/cpu/top_k.h"

#include <algorithm>
#include <utility>

namespace inference {

std::vector<int32_t> TopKIndices(const float* values, size_t n, size_t k) {
  std::vector<std::pair<float, int64_t>> queue(n);
  for (size_t i = 0; i < n; ++i) queue[i] = {values[i], static_cast<int64_t>(i)};
  auto greater = [](const std::pair<float, int64_t>& x, const std::pair<float, int64_t>& y) {
    return x.first > y.first;
  };
  if (k == 0) return {};
  if (k * 64 <= n) {
    std::partial_sort(queue.begin(), queue.begin() + k, queue.end(), greater);
  } else {
    std::nth_element(queue.begin(), queue.begin() + (k - 1), queue.end(), greater);
    std::sort(queue.begin(), queue.begin() + (k - 1), greater);
  }
  std::vector<int32_t> out(k);
  for (size_t i = 0; i < k; ++i) out[i] = static_cast<int32_t>(queue[i].second);
  return out;
}

}  // namespace inference
