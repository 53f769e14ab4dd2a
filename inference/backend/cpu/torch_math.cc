#include "inference/backend/cpu/torch_math.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace inference {
namespace {

// 2^q for a q in float's normal exponent range.
float Pow2i(int32_t q) { return std::bit_cast<float>(static_cast<uint32_t>(q + 0x7f) << 23); }

}  // namespace

float TorchExp(float d) {
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

float TorchSigmoid(float x) { return 1.0f / (1.0f + TorchExp(-x)); }

}  // namespace inference
