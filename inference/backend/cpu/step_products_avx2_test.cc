// The AVX2 decode-step kernels give LaneMatmul's sums bit for bit: the scalar decoder's weights,
// each product rounded on its own, partials of `block` columns added in order; FP8 scale bytes on
// both sides of the fp16 route's limit (246) and NaN's 255, every MXFP4 scale byte, bf16. With
// the activations' facts measured, the fused and group-scaled forms must keep those bits too.
#include "inference/backend/cpu/step_products_avx2.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "inference/backend/cpu/activation_facts.h"
#include "inference/backend/cpu/blocked_dot_reference.h"
#include "inference/backend/cpu/exact_products.h"
#include "inference/backend/cpu/interleaved_weight.h"
#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/random_weight_bytes.h"

namespace inference {
namespace {

// Row r's sum as the lane products form it, from the scalar decoder's row.
template <typename Weight, typename DecodeRow>
float Reference(const Weight& w, size_t r, const std::vector<float>& x, size_t block,
                DecodeRow decode_row) {
  std::vector<float> row(w.in);
  decode_row(w, r, row.data());
  return BlockedDot(x.data(), row.data(), w.in, block);
}

// Every 16-row block of w, with nothing known of x and with x's measured facts.
template <typename Weight, typename DecodeRow>
void CheckAllBlocks(const Weight& w, const std::vector<float>& x, size_t block,
                    DecodeRow decode_row) {
  const ActivationFacts measured = MeasureActivationsAvx2(x.data(), 1, x.size(), x.size());
  for (size_t n0 = 0; n0 < w.out; n0 += 16) {
    for (const ActivationFacts& facts : {ActivationFacts{}, measured}) {
      float got[16];
      StepProductsAvx2(w, n0, x.data(), block, facts, got);
      for (size_t j = 0; j < 16 && n0 + j < w.out; ++j) {
        const float want = Reference(w, n0 + j, x, block, decode_row);
        INFO("row " << n0 + j << ", block " << block);
        // A NaN's sign and payload are not part of the contract (which NaN an add returns depends
        // on the order the compiler gives its operands).
        CHECK((std::isnan(want) ? std::isnan(got[j])
                                : std::memcmp(&got[j], &want, sizeof want) == 0));
      }
    }
  }
}

TEST_CASE("StepProductsAvx2 equals the lane products over decoded rows bit for bit") {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma") ||
      !__builtin_cpu_supports("f16c")) {
    MESSAGE("skipped: needs AVX2, FMA and F16C");
    return;
  }
  std::mt19937 rng(23);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  // 150 rows: two FP8 scale rows, the last 16-row block holding 6 rows; 264 columns: a short
  // last FP8 scale block.
  const size_t N = 150, K = 264;
  std::vector<float> x(K);
  for (float& v : x) v = RoundToBf16(normal(rng) * 3.0f);

  const std::vector<uint8_t> w8 = RandomE4m3Codes(N * K, rng);
  // Three sets of scales (2 row blocks x 3 column blocks each): ordinary ones; the fp16 route's
  // largest (246) and the decoder's arithmetic beyond it (247), against codes below 256 (so that
  // every weight is finite) and tiny activations (so that the sums stay finite); and a NaN scale.
  std::vector<float> tiny(K);
  for (size_t k = 0; k < K; ++k) tiny[k] = std::ldexp(x[k], -125);
  std::vector<uint8_t> below_256 = w8;
  for (uint8_t& b : below_256) {
    if (((b >> 3) & 0xf) == 0xf) b = static_cast<uint8_t>(b & ~0x08);  // exponent 15 -> 14
  }
  struct Case {
    std::vector<uint8_t> scales;
    const std::vector<uint8_t>* codes;
    const std::vector<float>* activations;
  };
  // Byte 20 makes subnormal weights on the fp16 route.
  const Case cases[] = {{{100, 120, 90, 127, 20, 110}, &w8, &x},
                        {{246, 247, 246, 247, 246, 247}, &below_256, &tiny},
                        {{100, 255, 100, 100, 100, 100}, &w8, &x}};
  for (const auto& [s8, codes, activations] : cases) {
    const auto i8 = Interleaved(Fp8Weight{codes->data(), s8.data(), N, K});
    REQUIRE(i8.view.interleaved);
    for (size_t block : {128, 64, 264, 1, 7, 129})
      CheckAllBlocks(i8.view, *activations, block, DecodeFp8Row);
  }

  const size_t K4 = 256;  // MXFP4 rows are whole 32-column groups
  const std::vector<float> x4(x.begin(), x.begin() + K4);
  std::vector<uint8_t> w4 = RandomBytes(N * K4 / 2, rng), s4 = RandomBytes(N * K4 / 32, rng);
  for (size_t i = 0; i < 256; ++i) s4[i] = static_cast<uint8_t>(i);
  const auto i4 = Interleaved(Fp4Weight{w4.data(), s4.data(), N, K4});
  REQUIRE(i4.view.interleaved);
  for (size_t block : {32, 128, 256}) CheckAllBlocks(i4.view, x4, block, DecodeFp4Row);

  // Scales the group-scaled form takes (Fp4ScaledSumsExact: no byte 0 or above 252), seven
  // groups (a pair of groups and one alone), and activations of 8 significant bits whose sums
  // round: the form must keep every rounding. The smallest scale byte (1) against large
  // activations and the largest (252) against small ones, as the form's range check wants.
  const size_t K7 = 7 * 32;
  std::vector<float> x7(x.begin(), x.begin() + K7), large7(K7), small7(K7);
  for (size_t k = 0; k < K7; ++k) {
    large7[k] = std::ldexp(x7[k], 24);
    small7[k] = std::ldexp(x7[k], -20);
  }
  const std::vector<uint8_t> w7 = RandomBytes(N * K7 / 2, rng);
  std::vector<uint8_t> mid = RandomBytes(N * K7 / 32, rng, 100, 50),
                       low = RandomBytes(N * K7 / 32, rng, 1, 60),
                       high = RandomBytes(N * K7 / 32, rng, 200, 53);
  low[0] = 1;
  high[0] = 252;
  for (const auto& [scales, activations] :
       {std::pair{&mid, &x7}, std::pair{&low, &large7}, std::pair{&high, &small7}}) {
    const auto i7 = Interleaved(Fp4Weight{w7.data(), scales->data(), N, K7});
    REQUIRE(i7.view.interleaved);
    CHECK(Fp4ScaledSumsExact(i7.view, MeasureActivationsAvx2(activations->data(), 1, K7, K7)));
    for (size_t block : {32, 64}) CheckAllBlocks(i7.view, *activations, block, DecodeFp4Row);
  }

  const std::vector<uint8_t> wb = RandomBytes(N * K * 2, rng);
  const auto ib = Interleaved(Bf16Weight{wb.data(), N, K});
  REQUIRE(ib.view.interleaved);
  for (size_t block : {16, 264, 2}) CheckAllBlocks(ib.view, x, block, DecodeBf16Row);
}

}  // namespace
}  // namespace inference
