// The sequential definition the CPU matrix-product tests compare against, bit for bit.
#pragma once

#include <cstddef>

namespace inference {

// Sum of `block`-wide partials, each a running fp32 sum in K order from zero (every product
// rounded, then added), the partials added in order.
inline float BlockedDot(const float* a, const float* w, size_t K, size_t block) {
  float acc = 0.0f;
  for (size_t k0 = 0; k0 < K; k0 += block) {
    float partial = 0.0f;
    for (size_t k = k0; k < k0 + block && k < K; ++k) {
      const float product = a[k] * w[k];
      partial += product;
    }
    acc = k0 == 0 ? partial : acc + partial;
  }
  return acc;
}

}  // namespace inference
