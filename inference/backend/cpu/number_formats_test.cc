#include "inference/backend/cpu/number_formats.h"

#include <doctest/doctest.h>

#include <cmath>

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
