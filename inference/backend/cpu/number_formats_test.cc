#include "inference/backend/cpu/number_formats.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "inference/backend/cpu/quantize.h"

namespace inference {

TEST_CASE("e2m1 rounding ties to the even mantissa") {
  CHECK(RoundToE2m1(0.25f) == 0.0f);
  CHECK(RoundToE2m1(0.75f) == 1.0f);
  CHECK(RoundToE2m1(2.5f) == 2.0f);
  CHECK(RoundToE2m1(5.0f) == 4.0f);
  CHECK(RoundToE2m1(-1.3f) == -1.5f);
  CHECK(RoundToE2m1(5.1f) == 6.0f);
  for (uint8_t c = 0; c < 16; ++c) CHECK(EncodeE2m1(E2m1ToFloat(c)) == c);
}

TEST_CASE("e4m3 decode, rounding and encode agree") {
  CHECK(E4m3ToFloat(0x7e) == 448.0f);
  CHECK(E4m3ToFloat(0x01) == std::ldexp(1.0f, -9));
  CHECK(E4m3ToFloat(0x38) == 1.0f);
  CHECK(E4m3ToFloat(0xb8) == -1.0f);
  CHECK(std::isnan(E4m3ToFloat(0x7f)));
  CHECK(RoundToE4m3(1.0625f) == 1.0f);   // tie between 1.0 and 1.125 -> even
  CHECK(RoundToE4m3(1.1875f) == 1.25f);  // tie between 1.125 and 1.25 -> even
  CHECK(RoundToE4m3(std::ldexp(3.0f, -11)) == std::ldexp(1.0f, -9));  // subnormal step
  for (int b = 0; b < 256; ++b) {
    const float v = E4m3ToFloat(static_cast<uint8_t>(b));
    if (std::isnan(v)) continue;
    CHECK(RoundToE4m3(v) == v);
    CHECK(E4m3ToFloat(EncodeE4m3(v)) == v);
  }
}

TEST_CASE("bf16 rounds to nearest even and scales are powers of two") {
  CHECK(RoundToBf16(1.0f + std::ldexp(1.0f, -8)) == 1.0f);  // exact tie -> even
  CHECK(RoundToBf16(1.0f + 3 * std::ldexp(1.0f, -8)) == 1.0f + std::ldexp(1.0f, -6));
  CHECK(Pow2Ceil(1.0f) == 1.0f);
  CHECK(Pow2Ceil(1.5f) == 2.0f);
  CHECK(Pow2Ceil(0.3f) == 0.5f);
  CHECK(E8m0ToFloat(Pow2ToE8m0(0.125f)) == 0.125f);
}

TEST_CASE("FP8 block quantisation uses one power-of-two scale per block") {
  float x[128];
  for (int i = 0; i < 128; ++i) x[i] = (i - 64) * 0.37f;
  float q[128];
  QuantizeDequantizeFp8(x, 128, 64, q);
  // amax of the first block is 64*0.37 = 23.68 -> scale 2^ceil(log2(23.68/448)) = 2^-4.
  for (int i = 0; i < 64; ++i) {
    const float s = 1.0f / 16;
    CHECK(q[i] == RoundToE4m3(x[i] / s) * s);
  }
}

TEST_CASE("Hadamard rotation is orthonormal") {
  float x[128] = {};
  x[3] = 2.0f;
  HadamardRotateBf16(x, 128);
  double norm = 0;
  for (float v : x) norm += v * v;
  CHECK(norm == doctest::Approx(4.0).epsilon(1e-3));
}

}  // namespace inference

namespace inference {

TEST_CASE("every e8m0 byte decodes to 2^(byte - 127), 255 to NaN") {
  for (int b = 0; b < 255; ++b) {
    CAPTURE(b);
    CHECK(E8m0ToFloat(static_cast<uint8_t>(b)) == std::ldexp(1.0f, b - 127));
  }
  CHECK(std::isnan(E8m0ToFloat(0xff)));
}

}  // namespace inference

namespace inference {
namespace {

// The definition the bit-level rounding replaced: x / 2^step rounded half to even by nearbyint,
// step = max(floor(log2|x|) - mantissa_bits, min_step_exp).
float GridByFrexp(float x, int mantissa_bits, int min_step_exp) {
  if (x == 0.0f || !std::isfinite(x)) return x;
  int e;
  std::frexp(x, &e);
  const int step_exp = std::max(e - 1 - mantissa_bits, min_step_exp);
  return std::ldexp(std::nearbyint(std::ldexp(x, -step_exp)), step_exp);
}

bool SameFloat(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

TEST_CASE("bit-level e4m3/e2m1 rounding equals the frexp/nearbyint definition") {
  std::mt19937 rng(11);
  size_t mismatches = 0;
  auto check = [&](float x) {
    const float x8 = std::clamp(x, -448.0f, 448.0f), x4 = std::clamp(x, -6.0f, 6.0f);
    if (!SameFloat(RoundToE4m3(x8), GridByFrexp(x8, 3, -9))) ++mismatches;
    if (!SameFloat(RoundToE2m1(x4), GridByFrexp(x4, 1, -1))) ++mismatches;
  };
  // Random bit patterns over the whole finite range, then every tie and neighbour on the grids.
  for (int i = 0; i < 200000; ++i) {
    const uint32_t bits = rng();
    float x;
    std::memcpy(&x, &bits, sizeof x);
    if (std::isfinite(x)) check(x);
  }
  for (int b = 0; b < 256; ++b) {
    const float v = E4m3ToFloat(static_cast<uint8_t>(b));
    if (!std::isfinite(v)) continue;
    for (float d : {-1.0f, 0.0f, 1.0f}) {
      check(std::nextafter(v, v + d));
      check(v + std::ldexp(1.0f, -10));  // half the subnormal step
      check(v * 1.0625f);                // half a mantissa step above
      check(v * 1.0625f + d * std::ldexp(1.0f, -30));
    }
  }
  for (float v : {0.25f, 0.75f, 1.25f, 1.75f, 2.5f, 3.5f, 5.0f, -0.0f, 0.0f, 1e-30f, -1e-45f})
    check(v);
  CHECK(mismatches == 0);
  CHECK(Pow2Ceil(1.0f) == 1.0f);
  CHECK(Pow2Ceil(1.5f) == 2.0f);
  CHECK(Pow2Ceil(0x1p-126f) == 0x1p-126f);
  CHECK(Pow2Ceil(0x1.8p-100f) == 0x1p-99f);
}

}  // namespace inference
