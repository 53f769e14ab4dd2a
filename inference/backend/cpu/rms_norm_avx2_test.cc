// The AVX2 cascade sums and bf16 scaling give the scalar definitions' bits, for every length
// (full cascade levels, partial rows, scalar tails) and for NaN, infinities, signed zeros and
// subnormals.
#include "inference/backend/cpu/rms_norm_avx2.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "inference/backend/cpu/cpu_simd.h"
#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/rms_norm.h"

namespace inference {
namespace {

uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

// Values of mixed magnitude (the sums round at every step), bf16-exact where asked.
std::vector<float> Values(size_t n, std::mt19937& rng, bool bf16) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> exponent(-30, 30);
  std::vector<float> x(n);
  for (float& v : x) {
    v = std::ldexp(normal(rng), exponent(rng));
    if (bf16) v = RoundToBf16(v);
  }
  return x;
}

TEST_CASE("CascadeSumAvx2 and ScaleToBf16Avx2 equal the scalar definitions bit for bit") {
  if (CpuSimd() == Simd::kBaseline) {
    MESSAGE("skipped: needs AVX2");
    return;
  }
  std::mt19937 rng(7);
  // Lengths around every boundary: one vector, one row of four, a cascade level (16 rows), two
  // levels, and odd tails; 4096 takes the deeper levels.
  std::vector<size_t> lengths;  // from 8, where CascadeSum takes the vector path
  for (size_t n = 8; n <= 600; ++n) lengths.push_back(n);
  for (size_t n : {1023, 1024, 1025, 2048 + 15, 4096, 7168 + 3, 16384}) lengths.push_back(n);
  for (size_t n : lengths) {
    const std::vector<float> x = Values(n, rng, false);
    const std::vector<float> b = Values(n, rng, true);
    std::vector<float> squares(n), bf16_squares(n);
    for (size_t i = 0; i < n; ++i) {
      squares[i] = x[i] * x[i];
      bf16_squares[i] = RoundToBf16(b[i] * b[i]);
    }
    INFO("n = " << n);
    REQUIRE(Bits(CascadeSumAvx2(x.data(), n, CascadeTerm::kValue, false)) ==
            Bits(CascadeSumScalar(x.data(), n)));
    REQUIRE(Bits(CascadeSumAvx2(x.data(), n, CascadeTerm::kSquare, false)) ==
            Bits(CascadeSumScalar(squares.data(), n)));
    if (n >= 16) {  // CascadeSumBf16 takes the vector path from one 16-element load
      REQUIRE(Bits(CascadeSumAvx2(b.data(), n, CascadeTerm::kValue, true)) ==
              Bits(CascadeSumBf16Scalar(b.data(), n)));
      REQUIRE(Bits(CascadeSumAvx2(b.data(), n, CascadeTerm::kBf16Square, true)) ==
              Bits(CascadeSumBf16Scalar(bf16_squares.data(), n)));
    }

    const std::vector<float> w = Values(n, rng, true);
    const float r = 0.37f;
    std::vector<float> with_weight(n), without(n);
    ScaleToBf16Avx2(x.data(), w.data(), r, n, with_weight.data());
    ScaleToBf16Avx2(x.data(), nullptr, r, n, without.data());
    for (size_t i = 0; i < n; ++i) {
      REQUIRE(Bits(with_weight[i]) == Bits(RoundToBf16(w[i] * (x[i] * r))));
      REQUIRE(Bits(without[i]) == Bits(RoundToBf16(x[i] * r)));
    }
  }

  // Special values, in the lanes and in the tail.
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float specials[] = {0.0f, -0.0f, inf, -inf, nan, 1e-40f, -1e-45f, 3.4e38f, -3.4e38f};
  for (float special : specials) {
    for (size_t at : {0, 7, 8, 31, 32, 40}) {
      std::vector<float> x(41, -0.0f);
      x[at] = special;
      INFO("special " << special << " at " << at);
      const float got = CascadeSumAvx2(x.data(), x.size(), CascadeTerm::kValue, false);
      const float want = CascadeSumScalar(x.data(), x.size());
      REQUIRE((std::isnan(got) ? std::isnan(want) : Bits(got) == Bits(want)));
      std::vector<float> scaled(x.size());
      ScaleToBf16Avx2(x.data(), nullptr, 2.0f, x.size(), scaled.data());
      for (size_t i = 0; i < x.size(); ++i) {
        const float expected = RoundToBf16(x[i] * 2.0f);
        REQUIRE(Bits(scaled[i]) == Bits(expected));  // NaN too: the same quiet NaN
      }
    }
  }
}

}  // namespace
}  // namespace inference
