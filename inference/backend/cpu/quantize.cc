#include "inference/backend/cpu/quantize.h"

#include <algorithm>
#include <cmath>

#include "inference/backend/cpu/cpu_simd.h"
#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/quantize_avx2.h"
#include "inference/backend/cpu/quantize_avx512.h"

namespace inference {
namespace {

constexpr float kFp8Max = 448.0f;
constexpr float kFp4Max = 6.0f;

// One block: writes q*s (not yet rounded) to out.
void QuantizeBlock(const float* x, size_t n, float max_value, float amax_floor, float* out) {
  float amax = 0.0f;
  for (size_t i = 0; i < n; ++i) amax = std::max(amax, std::fabs(x[i]));
  amax = std::max(amax, amax_floor);
  // fp32(1/max) first, then the product, as the reference computes it.
  const float inv_max = 1.0f / max_value;
  const float scale = Pow2Ceil(amax * inv_max);
  const bool fp8 = max_value == kFp8Max;
  for (size_t i = 0; i < n; ++i) {
    const float v = std::clamp(x[i] / scale, -max_value, max_value);
    out[i] = (fp8 ? RoundToE4m3(v) : RoundToE2m1(v)) * scale;
  }
}

}  // namespace

void QuantizeDequantizeFp8(const float* x, size_t n, size_t block, float* out) {
  const Simd simd = CpuSimd();
  for (size_t b = 0; b < n; b += block) {
    if (simd == Simd::kAvx512 && block % 16 == 0) {
      QuantizeDequantizeFp8BlockAvx512(x + b, block, out + b);
    } else if (simd == Simd::kAvx2 && block % 8 == 0) {
      QuantizeDequantizeFp8BlockAvx2(x + b, block, out + b);
    } else {
      QuantizeBlock(x + b, block, kFp8Max, 1e-4f, out + b);
    }
  }
}

void RoundToBf16InPlace(float* x, size_t n) {
  if (CpuSimd() == Simd::kAvx512) return RoundToBf16InPlaceAvx512(x, n);
  if (CpuSimd() == Simd::kAvx2) return RoundToBf16InPlaceAvx2(x, n);
  for (size_t i = 0; i < n; ++i) x[i] = RoundToBf16(x[i]);
}

void SimulateFp8InPlace(float* x, size_t n, size_t block) {
  QuantizeDequantizeFp8(x, n, block, x);
  RoundToBf16InPlace(x, n);
}

void SimulateFp4InPlace(float* x, size_t n, size_t block) {
  if (CpuSimd() == Simd::kAvx512 && block % 16 == 0) {
    for (size_t b = 0; b < n; b += block) QuantizeDequantizeFp4BlockAvx512(x + b, block, x + b);
    return RoundToBf16InPlaceAvx512(x, n);
  }
  if (CpuSimd() == Simd::kAvx2 && block % 8 == 0) {
    for (size_t b = 0; b < n; b += block) QuantizeDequantizeFp4BlockAvx2(x + b, block, x + b);
    return RoundToBf16InPlaceAvx2(x, n);
  }
  const float floor = kFp4Max * std::ldexp(1.0f, -126);
  for (size_t b = 0; b < n; b += block) QuantizeBlock(x + b, block, kFp4Max, floor, x + b);
  for (size_t i = 0; i < n; ++i) x[i] = RoundToBf16(x[i]);
}

void HadamardRotateBf16(float* x, size_t n) {
  if (CpuSimd() == Simd::kAvx512 && n >= 16 && (n & (n - 1)) == 0)
    return HadamardRotateBf16Avx512(x, n);
  if (CpuSimd() == Simd::kAvx2 && n >= 8 && (n & (n - 1)) == 0) return HadamardRotateBf16Avx2(x, n);
  for (size_t h = 1; h < n; h *= 2) {
    for (size_t i = 0; i < n; i += 2 * h) {
      for (size_t j = i; j < i + h; ++j) {
        const float a = x[j];
        const float b = x[j + h];
        x[j] = a + b;
        x[j + h] = a - b;
      }
    }
  }
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(n)));
  for (size_t i = 0; i < n; ++i) x[i] = RoundToBf16(x[i] * scale);
}

}  // namespace inference
