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

// SimulateFp4InPlace's definition: blocks of 32 onto the e2m1 grid (amax floored at 6 * 2^-126),
// then bf16.
std::vector<float> Fp4Definition(const std::vector<float>& x, size_t block) {
  std::vector<float> out(x.size());
  for (size_t b = 0; b < x.size(); b += block) {
    float amax = 0.0f;
    for (size_t i = b; i < b + block; ++i) amax = std::max(amax, std::fabs(x[i]));
    const float scale = Pow2Ceil(std::max(amax, 6.0f * 0x1p-126f) * (1.0f / 6.0f));
    for (size_t i = b; i < b + block; ++i)
      out[i] = RoundToBf16(RoundToE2m1(std::clamp(x[i] / scale, -6.0f, 6.0f)) * scale);
  }
  return out;
}

// HadamardRotateBf16's definition: the butterflies in stages h = 1, 2, 4, ..., then bf16(x / sqrt
// n).
std::vector<float> HadamardDefinition(std::vector<float> x) {
  const size_t n = x.size();
  for (size_t h = 1; h < n; h *= 2) {
    for (size_t i = 0; i < n; i += 2 * h) {
      for (size_t j = i; j < i + h; ++j) {
        const float a = x[j], b = x[j + h];
        x[j] = a + b;
        x[j + h] = a - b;
      }
    }
  }
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(n)));
  for (float& v : x) v = RoundToBf16(v * scale);
  return x;
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST_CASE("FP4 simulation and the Hadamard rotation equal their scalar definitions bit for bit") {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> exponent(-140, 120);
  for (size_t n : {16, 32, 128, 512}) {
    std::vector<float> x(n);
    for (size_t b = 0; b < n; b += 16) {  // each 16 at its own magnitude
      const int e = exponent(rng);
      for (size_t i = b; i < b + 16; ++i) x[i] = RoundToBf16(std::ldexp(normal(rng), e));
    }
    // Ties on the e2m1 grid at scale 1: the first 16 values below 6 in magnitude and amax 6
    // (in blocks of 16 and of 32 alike); signed zeros, a NaN, subnormals.
    for (size_t i = 0; i < 16; ++i) x[i] = RoundToBf16(std::clamp(normal(rng), -5.5f, 5.5f));
    if (n >= 32) {
      for (size_t i = 16; i < 32; ++i) x[i] = RoundToBf16(std::clamp(normal(rng), -5.5f, 5.5f));
    }
    const float specials[] = {6.0f, -0.0f, 0.0f, 0.25f, 0.75f, 1.25f, -1.75f, 2.5f, 3.5f, 5.0f};
    for (size_t i = 0; i < std::size(specials) && i < n; ++i) x[i] = specials[i];
    if (n > 20) x[20] = std::numeric_limits<float>::quiet_NaN();
    if (n > 40) x[40] = std::numeric_limits<float>::denorm_min();
    INFO("n = " << n);
    std::vector<float> fp4 = x;
    SimulateFp4InPlace(fp4.data(), n, 32 <= n ? 32 : n);
    const std::vector<float> want_fp4 = Fp4Definition(x, 32 <= n ? 32 : n);
    for (size_t i = 0; i < n; ++i) {
      CAPTURE(i);
      CHECK((std::isnan(want_fp4[i]) ? std::isnan(fp4[i])
                                     : std::memcmp(&fp4[i], &want_fp4[i], sizeof(float)) == 0));
    }
    // The rotation's input: bf16 values of mixed magnitude whose sums stay finite.
    std::vector<float> finite(n);
    for (float& v : finite) v = RoundToBf16(std::ldexp(normal(rng), exponent(rng) / 8));
    std::vector<float> rotated = finite;
    HadamardRotateBf16(rotated.data(), n);
    CHECK(SameBits(rotated, HadamardDefinition(finite)));
    if (__builtin_cpu_supports("avx512f")) {  // the vector paths, whatever FLASHCODE_CPU_SIMD says
      std::vector<float> vector_fp4 = x;
      for (size_t b = 0; b < n; b += 16)
        QuantizeDequantizeFp4BlockAvx512(&vector_fp4[b], 16, &vector_fp4[b]);
      RoundToBf16InPlaceAvx512(vector_fp4.data(), n);
      const std::vector<float> want16 = Fp4Definition(x, 16);
      for (size_t i = 0; i < n; ++i) {
        CAPTURE(i);
        CHECK((std::isnan(want16[i])
                   ? std::isnan(vector_fp4[i])
                   : std::memcmp(&vector_fp4[i], &want16[i], sizeof(float)) == 0));
      }
      std::vector<float> vector_rotated = finite;
      HadamardRotateBf16Avx512(vector_rotated.data(), n);
      CHECK(SameBits(vector_rotated, HadamardDefinition(finite)));
    }
  }
}

}  // namespace
}  // namespace inference
