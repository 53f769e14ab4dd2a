#include "inference/backend/cpu/swiglu.h"

#include <algorithm>

#include "inference/backend/cpu/cpu_simd.h"
#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/swiglu_avx2.h"
#include "inference/backend/cpu/swiglu_avx512.h"
#include "inference/backend/cpu/torch_math.h"

namespace inference {

void SwiGluRow(float limit, float route_weight, bool weighted, size_t inter, float* g, float* u,
               float* scratch) {
  if (CpuSimd() == Simd::kAvx512)
    return SwiGluRowAvx512(limit, route_weight, weighted, inter, g, u, scratch);
  if (CpuSimd() == Simd::kAvx2 && __builtin_cpu_supports("fma"))
    return SwiGluRowAvx2(limit, route_weight, weighted, inter, g, u, scratch);
  SwiGluRowScalar(limit, route_weight, weighted, inter, g, u, scratch);
}

void SwiGluRowScalar(float limit, float route_weight, bool weighted, size_t inter, float* g,
                     float* u, float* scratch) {
  for (size_t i = 0; i < inter; ++i) {
    if (limit > 0) {
      u[i] = std::clamp(u[i], -limit, limit);
      g[i] = std::min(g[i], limit);
    }
    scratch[i] = -g[i];
  }
  TorchExpMany(scratch, inter, scratch);
  for (size_t i = 0; i < inter; ++i) {
    float a = g[i] / (1.0f + scratch[i]) * u[i];
    if (weighted) a = route_weight * a;
    g[i] = RoundToBf16(a);
  }
}

}  // namespace inference
