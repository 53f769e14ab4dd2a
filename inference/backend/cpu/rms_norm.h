// RMS normalisation as DeepSeek-V4's reference computes it, in two flavours: the weighted
// fp32 norm with a bf16 result (every RMSNorm module), and the weightless per-head query norm
// that the reference evaluates entirely in bf16 arithmetic.
// Owned by the CPU backend. Pure functions on caller-owned buffers; thread-safe.
#pragma once

#include <cstddef>

namespace inference {

// out[i] = bf16(weight[i] * (x[i] * rsqrt(mean(x^2) + eps))), all in fp32. out may alias x.
void RmsNormBf16(const float* x, size_t n, const float* weight, float eps, float* out);

// In place: x *= rsqrt(mean(x^2) + eps) where x^2, the mean, the sum with eps, the rsqrt and the
// product are each rounded to bf16 (the reference runs this line on a bf16 tensor).
void HeadRmsNormBf16InPlace(float* x, size_t n, float eps);

}  // namespace inference
