// The decode-step kernels (AVX2 and AVX-512) against the lane products' bits over sweeps that
// reach the edges of their cheaper forms: activations of 1 to 24 significant bits at exponents
// from far below to far above the scales' range, scale bytes near the exactness bounds
// (exact_products.h), odd K and partial widths, NaN, infinities, subnormals and -0 in a row's
// tail. A bound in Fp8ProductsExact or Fp4ScaledSumsExact loosened, or ScaleExactly's tail check
// dropped, makes some case here differ.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "inference/backend/cpu/activation_facts.h"
#include "inference/backend/cpu/blocked_dot_reference.h"
#include "inference/backend/cpu/cpu_simd.h"
#include "inference/backend/cpu/exact_products.h"
#include "inference/backend/cpu/interleaved_weight.h"
#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/random_weight_bytes.h"
#include "inference/backend/cpu/step_products_avx2.h"
#include "inference/backend/cpu/step_products_avx512.h"

namespace inference {
namespace {

// Row r's sum as the lane products form it: each product rounded on its own, partials of
// `block` columns added in order.
template <typename Weight, typename DecodeRow>
float LaneSum(const Weight& w, size_t r, const float* x, size_t block, DecodeRow decode_row) {
  std::vector<float> row(w.in);
  decode_row(w, r, row.data());
  return BlockedDot(x, row.data(), w.in, block);
}

enum class Kernel { kAvx2, kAvx512 };

bool Runs(Kernel kernel) {
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                    __builtin_cpu_supports("f16c");
  return kernel == Kernel::kAvx2 ? avx2 : avx2 && CpuSimd() == Simd::kAvx512;
}

// Rows of w whose kernel sum differs from LaneSum (a NaN matches any NaN).
template <typename Weight, typename DecodeRow>
int Mismatches(Kernel kernel, const Weight& w, const float* x, size_t block,
               const ActivationFacts& facts, DecodeRow decode_row) {
  int bad = 0;
  for (size_t n0 = 0; n0 < w.out; n0 += 16) {
    alignas(64) float got[16];
    if (kernel == Kernel::kAvx512) {
      StepProductsAvx512(w, n0, x, 1, w.in, block, facts, got);
    } else {
      StepProductsAvx2(w, n0, x, block, facts, got);
    }
    for (size_t j = 0; j < 16 && n0 + j < w.out; ++j) {
      const float want = LaneSum(w, n0 + j, x, block, decode_row);
      bad += std::isnan(want) ? !std::isnan(got[j]) : std::memcmp(&got[j], &want, 4) != 0;
    }
  }
  return bad;
}

// K values of `bits` significant bits around 2^shift (subnormals made zero: facts assume none).
std::vector<float> Activations(size_t K, int bits, int shift, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(K);
  for (float& v : x) {
    v = std::ldexp(std::nearbyint(std::ldexp(normal(rng), bits)), shift - bits);
    if (std::fpclassify(v) == FP_SUBNORMAL) v = 0.0f;
  }
  return x;
}

TEST_CASE("AVX2 FP8 step kernel: odd K, odd partial widths, special activations in the tail") {
  if (!Runs(Kernel::kAvx2)) {
    MESSAGE("skipped: needs AVX2, FMA and F16C");
    return;
  }
  std::mt19937 rng(99);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const size_t N = 32;
  const uint8_t picks[] = {0, 1, 2, 8, 20, 60, 100, 119, 127, 200, 240, 245, 246, 247, 250, 254};
  const float specials[] = {std::numeric_limits<float>::quiet_NaN(),
                            std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(),
                            1e-40f,
                            -0.0f,
                            std::ldexp(1.0f, 127),
                            std::ldexp(1.0f, -149)};
  int bad = 0;
  for (size_t K : {1, 3, 7, 9, 15, 127, 129, 131, 135, 257, 263}) {
    for (int trial = 0; trial < 12; ++trial) {
      const std::vector<uint8_t> codes = RandomE4m3Codes(N * K, rng);
      std::vector<uint8_t> scales((K + 127) / 128);
      for (uint8_t& s : scales) s = picks[rng() % 16];
      const auto w = Interleaved(Fp8Weight{codes.data(), scales.data(), N, K});
      REQUIRE(w.view.interleaved);
      std::vector<float> x(K);
      const int shift = static_cast<int>(rng() % 260) - 130;
      for (float& v : x) v = RoundToBf16(std::ldexp(normal(rng), shift));
      if (trial % 3 == 0) {
        x[K - 1] = specials[rng() % 7];
        if (K > 2) x[rng() % K] = specials[rng() % 7];
      }
      const ActivationFacts measured = MeasureActivationsAvx2(x.data(), 1, K, K);
      for (size_t block : {size_t{1}, size_t{3}, size_t{7}, size_t{16}, size_t{100}, size_t{128},
                           size_t{129}, K}) {
        for (const ActivationFacts& facts : {ActivationFacts{}, measured}) {
          INFO("K " << K << ", block " << block << ", shift " << shift);
          bad += Mismatches(Kernel::kAvx2, w.view, x.data(), block, facts, DecodeFp8Row);
        }
      }
    }
  }
  CHECK(bad == 0);
}

TEST_CASE("step kernels at the edges of Fp8ProductsExact and Fp4ScaledSumsExact") {
  std::mt19937 rng(7);
  for (Kernel kernel : {Kernel::kAvx2, Kernel::kAvx512}) {
    if (!Runs(kernel)) continue;
    INFO((kernel == Kernel::kAvx2 ? "avx2" : "avx512"));
    int fp8_fused = 0, fp4_scaled = 0, bad = 0;
    for (int trial = 0; trial < 1500; ++trial) {
      const int bits = 1 + static_cast<int>(rng() % 24);
      const int shift = static_cast<int>(rng() % 280) - 150;
      // FP8: two scale blocks of nearby bytes, partials of 16, 128 and all 256 columns.
      const size_t N = 16, K8 = 256;
      const std::vector<uint8_t> codes8 = RandomE4m3Codes(N * K8, rng);
      const uint8_t b0 = static_cast<uint8_t>(rng() % 247);
      const std::vector<uint8_t> scales8 = {
          b0, static_cast<uint8_t>(std::min<unsigned>(246u, b0 + rng() % 4))};
      const auto w8 = Interleaved(Fp8Weight{codes8.data(), scales8.data(), N, K8});
      const std::vector<float> x8 = Activations(K8, bits, shift, rng);
      const ActivationFacts f8 = MeasureActivationsAvx2(x8.data(), 1, K8, K8);
      fp8_fused += Fp8ProductsExact(f8, b0);
      for (size_t block : {size_t{16}, size_t{128}, K8})
        bad += Mismatches(kernel, w8.view, x8.data(), block, f8, DecodeFp8Row);
      // MXFP4: scale bytes in a narrow random range, groups of 32.
      const size_t K4 = 128;
      const unsigned lo = 1 + static_cast<unsigned>(rng() % 252),
                     span = 1 + static_cast<unsigned>(rng() % std::min(8u, 253 - lo));
      const std::vector<uint8_t> codes4 = RandomBytes(N * K4 / 2, rng),
                                 scales4 = RandomBytes(N * K4 / 32, rng, lo, span);
      const auto w4 = Interleaved(Fp4Weight{codes4.data(), scales4.data(), N, K4});
      const std::vector<float> x4 = Activations(K4, bits, shift, rng);
      const ActivationFacts f4 = MeasureActivationsAvx2(x4.data(), 1, K4, K4);
      fp4_scaled += Fp4ScaledSumsExact(w4.view, f4);
      bad += Mismatches(kernel, w4.view, x4.data(), 32, f4, DecodeFp4Row);
    }
    // The sweep reaches both sides of each bound.
    CHECK(fp8_fused > 100);
    CHECK(fp8_fused < 1400);
    CHECK(fp4_scaled > 100);
    CHECK(fp4_scaled < 1400);
    CHECK(bad == 0);
  }
}

// The kernels fold the block scale into the activations (as 2^120 * scale) only up to
// kFp8MaxFoldedByte and take another path above it; AVX2 pairs two blocks where both fold. Every
// byte a weight may hold (so both sides of each bound, and pairs of bytes that do and do not
// fold) must give the lane products' bits, with activations whose products are exact (the fused
// paths) and with ones whose products round.
TEST_CASE("FP8 step kernels at every scale byte") {
  std::mt19937 rng(11);
  const size_t N = 16, K = 256;
  for (Kernel kernel : {Kernel::kAvx2, Kernel::kAvx512}) {
    if (!Runs(kernel)) continue;
    INFO((kernel == Kernel::kAvx2 ? "avx2" : "avx512"));
    int bad = 0;
    for (unsigned byte = 0; byte <= 254; ++byte) {
      INFO("scale byte " << byte);
      const std::vector<uint8_t> codes = RandomE4m3Codes(N * K, rng);
      const std::vector<uint8_t> scales = {static_cast<uint8_t>(byte),
                                           static_cast<uint8_t>(254 - byte)};
      const auto w = Interleaved(Fp8Weight{codes.data(), scales.data(), N, K});
      REQUIRE(w.view.interleaved);
      for (int bits : {4, 23}) {
        const std::vector<float> x = Activations(K, bits, -4, rng);
        const ActivationFacts facts = MeasureActivationsAvx2(x.data(), 1, K, K);
        bad += Mismatches(kernel, w.view, x.data(), 128, facts, DecodeFp8Row);
      }
    }
    CHECK(bad == 0);
  }
}

TEST_CASE("step kernels: partial widths other than the scale block") {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const size_t N = 32, K = 640;
  const std::vector<uint8_t> w8 = RandomE4m3Codes(N * K, rng), s8 = RandomBytes(5, rng, 110, 30),
                             wb = RandomBytes(N * K * 2, rng);
  const auto fp8 = Interleaved(Fp8Weight{w8.data(), s8.data(), N, K});
  const auto bf16 = Interleaved(Bf16Weight{wb.data(), N, K});
  std::vector<float> x(K);
  for (float& v : x) v = RoundToBf16(normal(rng));
  const ActivationFacts measured = MeasureActivationsAvx2(x.data(), 1, K, K);
  for (Kernel kernel : {Kernel::kAvx2, Kernel::kAvx512}) {
    if (!Runs(kernel)) continue;
    INFO((kernel == Kernel::kAvx2 ? "avx2" : "avx512"));
    int bad = 0;
    for (size_t block : {16, 48, 64, 80, 112, 256, 320, 624}) {
      for (const ActivationFacts& facts : {ActivationFacts{}, measured}) {
        bad += Mismatches(kernel, fp8.view, x.data(), block, facts, DecodeFp8Row);
        bad += Mismatches(kernel, bf16.view, x.data(), block, facts, DecodeBf16Row);
      }
    }
    CHECK(bad == 0);
  }
}

}  // namespace
}  // namespace inference
