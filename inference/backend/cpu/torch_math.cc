#include "inference/backend/cpu/torch_math.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "inference/backend/cpu/cpu_simd.h"
#include "inference/backend/cpu/torch_math_avx2.h"
#include "inference/backend/cpu/torch_math_avx512.h"

namespace inference {
namespace {

// 2^q for a q in float's normal exponent range.
float Pow2i(int32_t q) { return std::bit_cast<float>(static_cast<uint32_t>(q + 0x7f) << 23); }

// The scalar SLEEF bodies below are inlined into a plain entry point and an FMA-targeted one:
// with FMA the compiler emits each std::fma as one instruction, without it a call to libm's
// fmaf (the same correctly rounded result). Each exponential made eight such calls, and a
// decode step takes thousands of scalar exponentials and logarithms.
bool HasFma() {
  static const bool fma = __builtin_cpu_supports("fma");
  return fma;
}

__attribute__((always_inline)) inline float ExpBody(float d) {
  // SLEEF's xexpf: q = rint(d / ln2), s = d - q*ln2 in two fused steps (ln2 split in an upper
  // and a lower part), a degree-6 polynomial by Horner with fused multiply-adds, then 2^q
  // applied in two halves so that subnormal results round once.
  if (std::isnan(d)) return d;
  if (d < -104.0f) return 0.0f;
  if (d > 100.0f) return std::numeric_limits<float>::infinity();
  constexpr float kRLn2 = 1.442695040888963407359924681001892137426645954152985934135449406931f;
  constexpr float kL2U = 0.693145751953125f;
  constexpr float kL2L = 1.428606765330187045e-06f;
  const int32_t q = static_cast<int32_t>(std::nearbyint(d * kRLn2));
  const float qf = static_cast<float>(q);
  float s = std::fma(qf, -kL2U, d);
  s = std::fma(qf, -kL2L, s);
  float u = 0.000198527617612853646278381f;
  u = std::fma(u, s, 0.00139304355252534151077271f);
  u = std::fma(u, s, 0.00833336077630519866943359f);
  u = std::fma(u, s, 0.0416664853692054748535156f);
  u = std::fma(u, s, 0.166666671633720397949219f);
  u = std::fma(u, s, 0.5f);
  u = 1.0f + std::fma(s * s, u, s);
  return u * Pow2i(q >> 1) * Pow2i(q - (q >> 1));
}

__attribute__((target("fma"))) float ExpFma(float d) { return ExpBody(d); }

}  // namespace

float TorchExp(float d) { return HasFma() ? ExpFma(d) : ExpBody(d); }

void TorchExpMany(const float* x, size_t n, float* out) {
  if (CpuSimd() == Simd::kAvx512) return TorchExpAvx512(x, n, out);
  if (CpuSimd() == Simd::kAvx2 && HasFma()) return TorchExpAvx2(x, n, out);
  for (size_t i = 0; i < n; ++i) out[i] = TorchExp(x[i]);
}

float TorchSigmoid(float x) { return 1.0f / (1.0f + TorchExp(-x)); }

namespace {

__attribute__((always_inline)) inline float Log1pBody(float d) {
  // SLEEF's xlog1pf (u10) as built for AVX2: 1 + d = 2^e * (1 + m) with m from one fused step,
  // log(1 + m) = 2 atanh(m / (2 + m)) in double-float (hi, lo) arithmetic, e * ln2 likewise.
  float dp1 = d + 1.0f;
  const bool tiny = dp1 < std::numeric_limits<float>::min();
  if (tiny) dp1 *= 18446744073709551616.0f;  // 2^64
  int32_t e =
      static_cast<int32_t>((std::bit_cast<uint32_t>(dp1 * (1.0f / 0.75f)) >> 23) & 0xff) - 0x7f;
  const float t =
      std::bit_cast<float>(std::bit_cast<uint32_t>(1.0f) - static_cast<uint32_t>(e << 23));
  const float m = std::fma(d, t, t - 1.0f);
  if (tiny) e -= 64;
  const float ef = static_cast<float>(e);
  // s = (ln2_hi, ln2_lo) * e
  const float s_hi = 0.69314718246459960938f * ef;
  const float s_lo =
      std::fma(-1.904654323148236017e-09f, ef, std::fma(0.69314718246459960938f, ef, -s_hi));
  // x = m / (2 + m) as a double-float quotient
  const float den_hi = 2.0f + m;
  const float den_lo = (2.0f - den_hi) + m;
  const float rec = 1.0f / den_hi;
  const float x_hi = m * rec;
  const float u = std::fma(rec, m, -x_hi);
  const float v = std::fma(-den_lo, rec, std::fma(-den_hi, rec, 1.0f));
  const float x_lo = std::fma(x_hi, v, u);
  const float x2 = x_hi * x_hi;
  float p = 0.3027294874f;
  p = std::fma(p, x2, 0.3996108174f);
  p = std::fma(p, x2, 0.6666694880f);
  // s += 2x, then s += x^3 * p
  const float a_hi = x_hi * 2.0f, a_lo = x_lo * 2.0f;
  const float s2_hi = s_hi + a_hi;
  const float s2_lo = (((s_hi - s2_hi) + a_hi) + s_lo) + a_lo;
  const float w = (x2 * x_hi) * p;
  const float s3_hi = s2_hi + w;
  const float s3_lo = ((s2_hi - s3_hi) + w) + s2_lo;
  float r = s3_hi + s3_lo;
  if (d > 1e38f) r = std::numeric_limits<float>::infinity();
  if (-1.0f > d || std::isnan(d)) r = std::numeric_limits<float>::quiet_NaN();
  if (d == -1.0f) r = -std::numeric_limits<float>::infinity();
  if (d == 0.0f && std::signbit(d)) r = -0.0f;
  return r;
}

__attribute__((target("fma"))) float Log1pFma(float d) { return Log1pBody(d); }

}  // namespace

float TorchLog1p(float d) { return HasFma() ? Log1pFma(d) : Log1pBody(d); }

float TorchSoftplus(float x) { return x > 20.0f ? x : TorchLog1p(TorchExp(x)); }

}  // namespace inference
