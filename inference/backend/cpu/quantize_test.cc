// The FP8 activation quantisation, whichever path runs it (AVX-512 here when the CPU has it),
// must equal the scalar definition bit for bit: amax ignoring NaN, floored at 1e-4, scale
// 2^ceil(log2(amax / 448)), clamp, round to the e4m3 grid (ties to even), times the scale.
#include "inference/backend/cpu/quantize.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/quantize_avx512.h"

namespace inference {
namespace {

std::vector<float> Definition(const std::vector<float>& x, size_t block) {
  std::vector<float> out(x.size());
  for (size_t b = 0; b < x.size(); b += block) {
    float amax = 0.0f;
    for (size_t i = b; i < b + block; ++i) amax = std::max(amax, std::fabs(x[i]));
    const float scale = Pow2Ceil(std::max(amax, 1e-4f) * (1.0f / 448.0f));
    for (size_t i = b; i < b + block; ++i)
      out[i] = RoundToE4m3(std::clamp(x[i] / scale, -448.0f, 448.0f)) * scale;
  }
  return out;
}

TEST_CASE("FP8 activation quantisation equals the scalar definition bit for bit") {
  const unsigned seed = std::random_device{}();
  std::printf("quantize_test seed %u\n", seed);
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> exponent(-140, 120);
  const size_t block = 128, n = 64 * block;
  std::vector<float> x(n);
  for (size_t b = 0; b < n; b += block) {
    // Each block at its own magnitude, from subnormal to huge.
    const int e = exponent(rng);
    for (size_t i = b; i < b + block; ++i) x[i] = std::ldexp(normal(rng), e);
  }
  // Blocks of special cases (the rest of each block stays random):
  //   0: scale 1 (amax 448): exact ties between grid points, signed zeros;
  //   1: NaN among ordinary values (ignored by amax, passed through);
  //   2: infinity (the scale is infinite and 0 * infinity makes the whole block NaN);
  //   3: only tiny values, subnormals included (amax floored at 1e-4);
  //   4: the largest float.
  const float block0[] = {448.0f,
                          -448.0f,
                          0.0f,
                          -0.0f,
                          1.0625f,     // halfway between 1 and 1.125: even is 1
                          1.1875f,     // halfway between 1.125 and 1.25: even is 1.25
                          -0x1.8p-9f,  // halfway between subnormal steps 1 and 2: even is 2
                          0x1.4p-9f,   // a quarter past step 1: rounds down
                          0x1.2p-6f,   // halfway between normals 2^-6 and 1.25 * 2^-6
                          232.0f,      // halfway between 224 and 240: even is 224
                          std::numeric_limits<float>::denorm_min()};
  for (size_t b = 0; b < 5 * block; ++b) x[b] = normal(rng) * (b / block == 3 ? 1e-7f : 1.0f);
  for (size_t i = 0; i < std::size(block0); ++i) x[i * 9] = block0[i];
  x[block + 17] = std::numeric_limits<float>::quiet_NaN();
  x[2 * block + 5] = std::numeric_limits<float>::infinity();
  x[3 * block + 1] = std::numeric_limits<float>::denorm_min();
  x[3 * block + 2] = -0x1p-130f;
  x[4 * block + 90] = std::numeric_limits<float>::max();
  const std::vector<float> want = Definition(x, block);
  std::vector<float> got(n);
  QuantizeDequantizeFp8(x.data(), n, block, got.data());
  if (__builtin_cpu_supports("avx512f")) {  // the vector path, whatever FLASHCODE_CPU_SIMD says
    std::vector<float> vector_path(n);
    for (size_t b = 0; b < n; b += block)
      QuantizeDequantizeFp8BlockAvx512(x.data() + b, block, vector_path.data() + b);
    CHECK(std::memcmp(vector_path.data(), got.data(), n * sizeof(float)) == 0);
  } else {
    MESSAGE("no AVX-512 here: only the scalar path is compared with the definition");
  }
  // Blocks of 64, as the KV-cache simulation uses.
  const std::vector<float> want64 = Definition(x, 64);
  std::vector<float> got64(n);
  QuantizeDequantizeFp8(x.data(), n, 64, got64.data());
  for (size_t i = 0; i < n; ++i) {
    if (!std::isnan(want64[i])) CHECK(std::memcmp(&got64[i], &want64[i], sizeof(float)) == 0);
  }
  for (size_t i = 0; i < n; ++i) {
    CAPTURE(i);
    CAPTURE(x[i]);
    if (std::isnan(want[i])) {
      CHECK(std::isnan(got[i]));
    } else {
      CHECK(std::memcmp(&got[i], &want[i], sizeof(float)) == 0);
    }
  }
  // In place, as the KV simulation uses it.
  std::vector<float> in_place = x;
  QuantizeDequantizeFp8(in_place.data(), n, block, in_place.data());
  CHECK(std::memcmp(in_place.data(), got.data(), n * sizeof(float)) == 0);
}

}  // namespace
}  // namespace inference
