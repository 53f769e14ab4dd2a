// The decode-step kernels' fp32 sums, before any bf16 rounding (which would hide a wrong order of
// additions in its last bits), equal the sequential definition bit for bit: on quantised
// activations (the fused paths: exact products, FP8 scale blocks in pairs, MXFP4 scales on the
// partial sums) and on raw fp32 activations (the separate multiply and add).
#include "inference/backend/cpu/step_products_avx512.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <limits>
#include <random>
#include <vector>

#include "inference/backend/cpu/blocked_dot_reference.h"
#include "inference/backend/cpu/cpu_simd.h"
#include "inference/backend/cpu/interleaved_weight.h"
#include "inference/backend/cpu/matmul.h"
#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/quantize.h"
#include "inference/backend/cpu/random_weight_bytes.h"

namespace inference {
namespace {

// Every 16-row block of w through the kernel, against BlockedDot of the decoded rows.
template <typename Weight, typename DecodeRow>
void CheckKernel(const Weight& w, DecodeRow decode_row, const std::vector<float>& x, size_t M,
                 size_t block) {
  const size_t K = w.in;
  REQUIRE(StepProductsFit(w, block));
  const ActivationFacts facts = MeasureActivationsAvx512(x.data(), M, K, K);
  alignas(64) float out[4 * 16];
  std::vector<float> row(K);
  for (size_t n0 = 0; n0 < w.out; n0 += 16) {
    StepProductsAvx512(w, n0, x.data(), M, K, block, facts, out);
    for (size_t j = 0; j < 16 && n0 + j < w.out; ++j) {
      decode_row(w, n0 + j, row.data());
      for (size_t m = 0; m < M; ++m) {
        CAPTURE(n0 + j);
        CAPTURE(m);
        const float want = BlockedDot(&x[m * K], row.data(), K, block);
        CHECK(std::memcmp(&out[m * 16 + j], &want, sizeof want) == 0);
      }
    }
  }
}

TEST_CASE("decode-step kernels sum exactly as the definition before rounding") {
  if (CpuSimd() != Simd::kAvx512) {
    MESSAGE("skipped: the decode-step kernels need AVX-512 (path " << MatmulSimdPath() << ")");
    return;
  }
  const unsigned seed = std::random_device{}();
  std::printf("step_products_avx512_test seed %u\n", seed);
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const size_t N = 45, K = 1152;  // padding rows; nine FP8 scale blocks: four pairs and one
  std::vector<uint8_t> w8 = RandomE4m3Codes(N * K, rng), s8 = RandomBytes(9, rng, 118, 10),
                       w4 = RandomBytes(N * K / 2, rng), s4 = RandomBytes(N * K / 32, rng, 118, 10);
  std::vector<uint8_t> wb(N * K * 2);
  for (size_t i = 0; i < N * K; ++i) {
    const uint16_t bits = FloatToBf16Bits(normal(rng) * 0.05f);
    std::memcpy(&wb[2 * i], &bits, 2);
  }
  const auto fp8 = Interleaved(Fp8Weight{w8.data(), s8.data(), N, K});
  const auto fp4 = Interleaved(Fp4Weight{w4.data(), s4.data(), N, K});
  const auto bf16 = Interleaved(Bf16Weight{wb.data(), N, K});
  for (size_t M = 1; M <= 4; ++M) {
    CAPTURE(M);
    std::vector<float> x(M * K), xq(M * K);
    for (auto& v : x) v = normal(rng);
    for (size_t m = 0; m < M; ++m) QuantizeDequantizeFp8(&x[m * K], K, 128, &xq[m * K]);
    CHECK(MeasureActivationsAvx512(xq.data(), M, K, K).significant_bits <= 4);
    CHECK(MeasureActivationsAvx512(x.data(), M, K, K).significant_bits > 20);
    for (const std::vector<float>* in : {&xq, &x}) {
      CheckKernel(fp8.view, DecodeFp8Row, *in, M, 128);
      CheckKernel(fp8.view, DecodeFp8Row, *in, M, K);  // one sum (wo_a's dequantised product)
      CheckKernel(fp4.view, DecodeFp4Row, *in, M, 32);
      CheckKernel(bf16.view, DecodeBf16Row, *in, M, K);
    }
  }
}

}  // namespace
}  // namespace inference

namespace inference {
namespace {

TEST_CASE("the two-block FP8 kernel gives each block's single-block sums, or declines") {
  if (CpuSimd() != Simd::kAvx512) {
    MESSAGE("skipped: the decode-step kernels need AVX-512 (path " << MatmulSimdPath() << ")");
    return;
  }
  const unsigned seed = std::random_device{}();
  std::printf("step_products_avx512_test (pairs) seed %u\n", seed);
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  // Three 128-row scale groups with different scales, so pairs starting at row 112 and 240 span
  // two groups; one sum over K (wo_a's product: raw bf16 activations, block == K).
  const size_t N = 384, K = 512;
  const std::vector<uint8_t> codes = RandomE4m3Codes(N * K, rng),
                             scales = RandomBytes(3 * 4, rng, 118, 12);
  std::vector<float> x(K);
  for (auto& v : x) v = RoundToBf16(normal(rng));
  const ActivationFacts facts = MeasureActivationsAvx512(x.data(), 1, K, K);
  const auto interleaved = Interleaved(Fp8Weight{codes.data(), scales.data(), N, K});
  const Fp8Weight& w = interleaved.view;
  REQUIRE(w.interleaved);
  alignas(64) float pair[32], single[16];
  for (size_t n0 = 0; n0 + 32 <= N; n0 += 16) {
    CAPTURE(n0);
    REQUIRE(StepProductsPairAvx512(w, n0, x.data(), facts, pair));
    for (size_t b = 0; b < 2; ++b) {
      StepProductsAvx512(w, n0 + 16 * b, x.data(), 1, K, K, facts, single);
      CHECK(std::memcmp(pair + 16 * b, single, sizeof single) == 0);
    }
  }
  // A scale too large to fold (byte 250) in the second group: pairs touching it decline
  // without writing, the others still run.
  std::vector<uint8_t> big = scales;
  big[1 * 4 + 2] = 250;
  const auto with_big = Interleaved(Fp8Weight{codes.data(), big.data(), N, K});
  for (size_t n0 = 0; n0 + 32 <= N; n0 += 16) {
    CAPTURE(n0);
    const bool touches = n0 + 31 >= 128 && n0 < 256;
    std::fill(std::begin(pair), std::end(pair), -1.0f);
    CHECK(StepProductsPairAvx512(with_big.view, n0, x.data(), facts, pair) == !touches);
    if (touches) CHECK(pair[0] == -1.0f);
  }
}

}  // namespace
}  // namespace inference
