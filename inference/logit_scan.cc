#include "inference/logit_scan.h"

#include <algorithm>
#include <limits>

namespace inference {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// NaN and +inf compare false with x < inf; -inf is a masked token, not an error.
inline uint32_t IsBad(float x) { return !(x < kInf) & (x != -kInf); }

}  // namespace

LogitScan ScanLogits(std::span<const float> v) {
  // Sixteen independent running maxima (and flags) instead of one: the loop has no dependency
  // from one element to the next and vectorises. A NaN never replaces a maximum (x > m is
  // false), so it is caught by the flags alone.
  constexpr size_t kLanes = 16;
  const size_t n = v.size();
  float lane_max[kLanes];
  uint32_t lane_bad[kLanes] = {};
  std::fill_n(lane_max, kLanes, -kInf);
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (size_t l = 0; l < kLanes; ++l) {
      const float x = v[i + l];
      lane_max[l] = x > lane_max[l] ? x : lane_max[l];
      lane_bad[l] |= IsBad(x);
    }
  }
  float max = -kInf;
  uint32_t bad = 0;
  for (size_t l = 0; l < kLanes; ++l) {
    max = lane_max[l] > max ? lane_max[l] : max;
    bad |= lane_bad[l];
  }
  for (; i < n; ++i) {
    max = v[i] > max ? v[i] : max;
    bad |= IsBad(v[i]);
  }

  LogitScan scan;
  if (bad) {
    for (size_t j = 0; j < n; ++j) {
      if (IsBad(v[j])) {
        scan.first_bad = static_cast<int64_t>(j);
        break;
      }
    }
    return scan;
  }
  if (max == -kInf) return scan;
  // The first index holding the maximum: whole blocks are skipped with a vectorised test.
  size_t block = 0;
  for (; block + kLanes <= n; block += kLanes) {
    uint32_t hit = 0;
    for (size_t l = 0; l < kLanes; ++l) hit |= v[block + l] == max;
    if (hit) break;
  }
  for (size_t j = block; j < n; ++j) {
    if (v[j] == max) {
      scan.argmax = static_cast<int64_t>(j);
      break;
    }
  }
  return scan;
}

}  // namespace inference
