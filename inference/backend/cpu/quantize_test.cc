// The FP8 activation quantisation, whichever path runs it (AVX-512 or AVX2 when the CPU has it),
// must equal the scalar definition bit for bit: amax ignoring NaN, floored at 1e-4, scale
// 2^ceil(log2(amax / 448)), clamp, round to the e4m3 grid (ties to even), times the scale.
#include "inference/backend/cpu/quantize.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/quantize_avx2.h"
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

// The AVX2 forms against the scalar definitions, called directly (whatever FLASHCODE_CPU_SIMD
// says), on every block size the dispatcher gives them.

// One block format: e4m3 (max 448, amax floor 1e-4) or e2m1 (max 6, floor 6 * 2^-126).
struct GridFormat {
  float max_value;
  float amax_floor;
  float (*round)(float);
  std::vector<float> grid;  // the non-negative grid values, ascending
};

GridFormat E4m3Format() {
  GridFormat f{448.0f, 1e-4f, RoundToE4m3, {}};
  for (int b = 0; b < 0x7f; ++b) f.grid.push_back(E4m3ToFloat(static_cast<uint8_t>(b)));
  return f;
}

GridFormat E2m1Format() {
  GridFormat f{6.0f, 6.0f * 0x1p-126f, RoundToE2m1, {}};
  for (uint8_t c = 0; c < 8; ++c) f.grid.push_back(E2m1ToFloat(c));
  return f;
}

// QuantizeBlock's definition (quantize.cc), without the bf16 rounding.
std::vector<float> BlockDefinition(const std::vector<float>& x, size_t block, const GridFormat& f) {
  std::vector<float> out(x.size());
  for (size_t b = 0; b < x.size(); b += block) {
    float amax = 0.0f;
    for (size_t i = b; i < b + block; ++i) amax = std::max(amax, std::fabs(x[i]));
    const float scale = Pow2Ceil(std::max(amax, f.amax_floor) * (1.0f / f.max_value));
    for (size_t i = b; i < b + block; ++i)
      out[i] = f.round(std::clamp(x[i] / scale, -f.max_value, f.max_value)) * scale;
  }
  return out;
}

float FromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

// "" when got and want hold the same bits, else where they first differ and the input there.
std::string Difference(const std::vector<float>& x, const std::vector<float>& got,
                       const std::vector<float>& want) {
  for (size_t i = 0; i < want.size(); ++i) {
    if (Bits(got[i]) == Bits(want[i])) continue;
    char text[160];
    std::snprintf(text, sizeof text, "[%zu] x %a (0x%08x): got %a (0x%08x), want %a (0x%08x)", i,
                  x[i], Bits(x[i]), got[i], Bits(got[i]), want[i], Bits(want[i]));
    return text;
  }
  return "";
}

// Blocks of `block` values: edge cases first, then random ones of many magnitudes.
std::vector<float> QuantizeInputs(std::mt19937& rng, size_t block, const GridFormat& f) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> exponent(-150, 127);
  std::uniform_int_distribution<uint32_t> any_bits;
  std::uniform_int_distribution<size_t> any_point(0, f.grid.size() - 2);
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float denorm = std::numeric_limits<float>::denorm_min();
  std::vector<float> x;
  auto fill = [&](auto value) {
    for (size_t i = 0; i < block; ++i) x.push_back(value(i));
  };
  fill([](size_t) { return 0.0f; });
  fill([](size_t) { return -0.0f; });
  fill([&](size_t i) { return i == 3 ? -denorm : (i % 2 ? -0.0f : 0.0f); });
  fill([&](size_t i) { return std::ldexp(normal(rng), -140 + static_cast<int>(i % 12)); });
  fill([&](size_t i) { return i == 5 ? nan : normal(rng); });
  fill([&](size_t i) { return i == 1 ? inf : normal(rng); });
  fill([&](size_t i) { return i == 2 ? -inf : i == 6 ? nan : normal(rng); });
  fill([&](size_t i) { return i == 4 ? std::numeric_limits<float>::max() : normal(rng); });
  fill([&](size_t i) { return i == 0 ? -std::numeric_limits<float>::max() : normal(rng); });
  // A huge value beside tiny ones: x / scale underflows to subnormals and zeros.
  fill([&](size_t i) { return i == 7 ? 0x1p100f : std::ldexp(normal(rng), -30 - 3 * int(i)); });
  // Grid points, exact midpoints between them (ties to even) and their neighbours one ulp
  // away, at the block's own scale, which the first value (the amax) fixes.
  for (int e : {-40, -9, 0, 3, 60}) {
    const float first = f.max_value * std::ldexp(1.0f, e);
    const float scale = Pow2Ceil(std::max(first, f.amax_floor) * (1.0f / f.max_value));
    fill([&](size_t i) {
      if (i == 0) return first;
      const size_t k = any_point(rng);
      const float mid = (f.grid[k] + f.grid[k + 1]) * 0.5f;
      const float v[] = {f.grid[k], mid, std::nextafter(mid, 0.0f), std::nextafter(mid, inf)};
      const float sign = any_bits(rng) & 1 ? -1.0f : 1.0f;
      return sign * v[i % 4] * scale;
    });
  }
  for (int r = 0; r < 64; ++r) {
    const int e = exponent(rng);
    if (r % 4 == 0) {  // any bit pattern: NaNs of every payload, infinities, subnormals
      fill([&](size_t) { return FromBits(any_bits(rng)); });
    } else if (r % 4 == 1) {  // each value at its own magnitude
      fill([&](size_t) { return std::ldexp(normal(rng), exponent(rng)); });
    } else {  // the block at one magnitude
      fill([&](size_t) { return std::ldexp(normal(rng), e); });
    }
  }
  return x;
}

TEST_CASE("The AVX2 quantisation forms equal the scalar definitions bit for bit") {
  if (!__builtin_cpu_supports("avx2")) {
    MESSAGE("no AVX2 here: the AVX2 forms are not compared");
    return;
  }
  const unsigned seed = std::random_device{}();
  std::printf("quantize_test AVX2 seed %u\n", seed);
  std::mt19937 rng(seed);
  const GridFormat e4m3 = E4m3Format(), e2m1 = E2m1Format();
  for (size_t block : {8, 16, 24, 64, 128}) {
    INFO("FP8 block " << block);
    const std::vector<float> x = QuantizeInputs(rng, block, e4m3);
    const std::vector<float> want = BlockDefinition(x, block, e4m3);
    std::vector<float> got(x.size());
    for (size_t b = 0; b < x.size(); b += block)
      QuantizeDequantizeFp8BlockAvx2(&x[b], block, &got[b]);
    CHECK(Difference(x, got, want) == "");
    std::vector<float> in_place = x;
    for (size_t b = 0; b < x.size(); b += block)
      QuantizeDequantizeFp8BlockAvx2(&in_place[b], block, &in_place[b]);
    CHECK(Difference(x, in_place, want) == "");
  }
  for (size_t block : {8, 16, 32}) {
    INFO("FP4 block " << block);
    const std::vector<float> x = QuantizeInputs(rng, block, e2m1);
    std::vector<float> want = BlockDefinition(x, block, e2m1);
    std::vector<float> got = x;
    for (size_t b = 0; b < x.size(); b += block)
      QuantizeDequantizeFp4BlockAvx2(&got[b], block, &got[b]);
    CHECK(Difference(x, got, want) == "");
    // SimulateFp4InPlace's AVX2 path: then bf16.
    for (float& v : want) v = RoundToBf16(v);
    RoundToBf16InPlaceAvx2(got.data(), got.size());
    CHECK(Difference(x, got, want) == "");
  }
}

TEST_CASE(
    "The AVX2 bf16 rounding and the AVX2 and AVX-512 Hadamard rotations equal the scalar forms bit "
    "for bit") {
  if (!__builtin_cpu_supports("avx2")) {
    MESSAGE("no AVX2 here: the AVX2 forms are not compared");
    return;
  }
  const unsigned seed = std::random_device{}();
  std::printf("quantize_test AVX2 rotation seed %u\n", seed);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<uint32_t> any_bits;
  std::normal_distribution<float> normal(0.0f, 1.0f);
  // bf16 rounding: ties (to even, down and up), one past them, signalling and quiet NaNs, the
  // largest float (rounds to infinity), subnormals; then random bits; every length's tail.
  std::vector<float> x;
  for (uint32_t bits : {0x3f808000u, 0x3f818000u, 0xbf808000u, 0x3f808001u, 0x7f800001u,
                        0xff812345u, 0x7fc00000u, 0x7f7fffffu, 0x7f800000u, 0xff800000u,
                        0x00008000u, 0x00018000u, 0x80007fffu, 0x00000000u, 0x80000000u})
    x.push_back(FromBits(bits));
  while (x.size() < 4096) x.push_back(FromBits(any_bits(rng)));
  for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{9}, size_t{15}, size_t{17}, x.size()}) {
    INFO("bf16 n = " << n);
    const std::vector<float> head(x.begin(), x.begin() + n);
    std::vector<float> got = head, want = head;
    RoundToBf16InPlaceAvx2(got.data(), n);
    for (float& v : want) v = RoundToBf16(v);
    CHECK(Difference(head, got, want) == "");
  }
  for (size_t n : {8, 16, 32, 64, 128, 512, 1024}) {
    INFO("Hadamard n = " << n);
    std::uniform_int_distribution<int> exponent(-20, 20);
    std::vector<float> bf16_values(n), wide(n), special(n);
    for (size_t i = 0; i < n; ++i) {
      bf16_values[i] = RoundToBf16(std::ldexp(normal(rng), exponent(rng)));
      wide[i] = std::ldexp(normal(rng), 6 * exponent(rng));  // sums that round, overflow, vanish
      special[i] = i % 5 == 0 ? FromBits(any_bits(rng)) : normal(rng);
    }
    // Two NaNs meet in the first butterfly (a + b keeps a's NaN), infinities of both signs in
    // the second (inf - inf: the default NaN).
    special[0] = FromBits(0x7fc11111u);
    special[1] = FromBits(0xffc22222u);
    special[2] = std::numeric_limits<float>::infinity();
    special[3] = -0.0f;
    special[6] = -std::numeric_limits<float>::infinity();
    for (const std::vector<float>* input : {&bf16_values, &wide, &special}) {
      std::vector<float> got = *input;
      HadamardRotateBf16Avx2(got.data(), n);
      CHECK(Difference(*input, got, HadamardDefinition(*input)) == "");
      if (n >= 16 && __builtin_cpu_supports("avx512f")) {  // the AVX-512 form, on the same inputs
        std::vector<float> got512 = *input;
        HadamardRotateBf16Avx512(got512.data(), n);
        CHECK(Difference(*input, got512, HadamardDefinition(*input)) == "");
      }
    }
  }
}

}  // namespace
}  // namespace inference
