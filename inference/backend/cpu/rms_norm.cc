#include "inference/backend/cpu/rms_norm.h"

#include <cmath>

#include "inference/backend/cpu/number_formats.h"

namespace inference {

void RmsNormBf16(const float* x, size_t n, const float* weight, float eps, float* out) {
  float sum = 0.0f;
  for (size_t i = 0; i < n; ++i) sum += x[i] * x[i];
  const float r = 1.0f / std::sqrt(sum / static_cast<float>(n) + eps);
  for (size_t i = 0; i < n; ++i) out[i] = RoundToBf16(weight[i] * (x[i] * r));
}

void HeadRmsNormBf16InPlace(float* x, size_t n, float eps) {
  // torch's CPU mean of a bf16 tensor is a bf16 sum (fp32 accumulation) divided by n in bf16.
  float sum = 0.0f;
  for (size_t i = 0; i < n; ++i) sum += RoundToBf16(x[i] * x[i]);
  const float mean = RoundToBf16(RoundToBf16(sum) / static_cast<float>(n));
  const float r = RoundToBf16(1.0f / std::sqrt(RoundToBf16(mean + eps)));
  for (size_t i = 0; i < n; ++i) x[i] = RoundToBf16(x[i] * r);
}

}  // namespace inference
