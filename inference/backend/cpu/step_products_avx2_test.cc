// The AVX2 decode-step kernels give LaneMatmul's sums bit for bit: the scalar decoder's weights,
// each product rounded on its own, partials of `block` columns added in order; FP8 scale bytes on
// both sides of the fp16 route's limit (246) and NaN's 255, every MXFP4 scale byte, bf16.
#include "inference/backend/cpu/step_products_avx2.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

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
  float acc = 0.0f;
  for (size_t k0 = 0; k0 < w.in; k0 += block) {
    float partial = 0.0f;
    for (size_t k = k0; k < std::min(w.in, k0 + block); ++k) {
      float product = x[k] * row[k];
      asm("" : "+x"(product));
      partial += product;
    }
    acc = k0 == 0 ? partial : acc + partial;
  }
  return acc;
}

template <typename Weight, typename DecodeRow>
void CheckAllBlocks(const Weight& w, const std::vector<float>& x, size_t block,
                    DecodeRow decode_row) {
  for (size_t n0 = 0; n0 < w.out; n0 += 16) {
    float got[16];
    StepProductsAvx2(w, n0, x.data(), block, got);
    for (size_t j = 0; j < 16 && n0 + j < w.out; ++j) {
      const float want = Reference(w, n0 + j, x, block, decode_row);
      INFO("row " << n0 + j << ", block " << block);
      // A NaN's sign and payload are not part of the contract (which NaN an add returns depends
      // on the order the compiler gives its operands).
      CHECK(
          (std::isnan(want) ? std::isnan(got[j]) : std::memcmp(&got[j], &want, sizeof want) == 0));
    }
  }
}

TEST_CASE("StepProductsAvx2 equals the lane products over decoded rows bit for bit") {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("f16c")) {
    MESSAGE("skipped: needs AVX2 and F16C");
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
  // One row block x four column blocks of scales: ordinary ones; the fp16 route's largest (246)
  // and the decoder's arithmetic beyond it (247), against activations small enough to keep the
  // sums finite; and a NaN scale.
  // Those two against codes below 256 (so that every weight is finite) and tiny activations.
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
  // Scales [2 row blocks, 3 column blocks]; byte 20 makes subnormal weights on the fp16 route.
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

  const std::vector<uint8_t> wb = RandomBytes(N * K * 2, rng);
  const auto ib = Interleaved(Bf16Weight{wb.data(), N, K});
  REQUIRE(ib.view.interleaved);
  for (size_t block : {16, 264, 2}) CheckAllBlocks(ib.view, x, block, DecodeBf16Row);
}

}  // namespace
}  // namespace inference
