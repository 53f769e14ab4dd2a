#include "inference/backend/cpu/activation_facts.h"

#include "inference/backend/cpu/cpu_simd.h"

namespace inference {

ActivationFacts MeasureActivations(const float* x, size_t M, size_t x_stride, size_t K) {
  switch (CpuSimd()) {
    case Simd::kAvx512:
      return MeasureActivationsAvx512(x, M, x_stride, K);
    case Simd::kAvx2:
      return MeasureActivationsAvx2(x, M, x_stride, K);
    case Simd::kBaseline:
      break;
  }
  return {};
}

ActivationFacts FactsFromFields(int lo, int hi, uint32_t used) {
  ActivationFacts f;
  if (lo > hi) {  // all zero
    f.known = true;
    f.significant_bits = 1;
    return f;
  }
  if (lo == 0 || hi == 255) return f;  // a subnormal, an infinity or a NaN: nothing assumed
  f.known = true;
  f.significant_bits = 24 - __builtin_ctz(used | 0x800000u);
  f.min_exponent = lo - 127;
  f.max_exponent = hi - 127;
  return f;
}

}  // namespace inference
