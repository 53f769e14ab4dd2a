#include "inference/backend/cpu/number_formats.h"

#include <array>
#include <cmath>
#include <cstring>

namespace inference {
namespace {

std::array<float, 256> BuildE4m3Table() {
  std::array<float, 256> table{};
  for (int b = 0; b < 256; ++b) {
    const int sign = (b >> 7) & 1;
    const int exponent = (b >> 3) & 0xf;
    const int mantissa = b & 7;
    float value;
    if (exponent == 0xf && mantissa == 7) {
      value = NAN;
    } else if (exponent == 0) {
      value = std::ldexp(static_cast<float>(mantissa), -9);
    } else {
      value = std::ldexp(1.0f + mantissa / 8.0f, exponent - 7);
    }
    table[b] = sign ? -value : value;
  }
  return table;
}

const std::array<float, 256>& Table() {
  static const std::array<float, 256> table = BuildE4m3Table();
  return table;
}

// Rounds x to `mantissa_bits` mantissa bits, ties to even, with the grid never finer than
// 2^min_step_exp (the subnormal step), from the IEEE bits: quantising every activation block is
// on the hot path, where frexp/ldexp/nearbyint calls cost more than the products they feed.
// Normal range (|x| >= 2^(min_step_exp + mantissa_bits)): adding half an ulp of the target
// precision (minus one, plus the lowest kept bit) to the bits and truncating is round-to-nearest-
// even, a carry moving into the exponent as it should. Below it the step is fixed: adding and
// subtracting 2^(min_step_exp + 23) lets the fp32 adder round to that step (ties to even).
constexpr float Exp2(int e) {
  float r = 1.0f;
  for (; e > 0; --e) r *= 2.0f;
  for (; e < 0; ++e) r *= 0.5f;
  return r;
}

template <int kMantissaBits, int kMinStepExp>
float RoundToGrid(float x) {
  const float a = std::fabs(x);
  if (!(a < 0x1p64f)) return x;  // inf, NaN (the callers clamp first)
  uint32_t bits;
  std::memcpy(&bits, &a, sizeof bits);
  constexpr int kDrop = 23 - kMantissaBits;
  const uint32_t rounded =
      (bits + ((1u << (kDrop - 1)) - 1) + ((bits >> kDrop) & 1)) & ~((1u << kDrop) - 1);
  float r;
  std::memcpy(&r, &rounded, sizeof r);
  constexpr float kMagic = Exp2(kMinStepExp + 23);
  constexpr float kNormalMin = Exp2(kMinStepExp + kMantissaBits);
  if (a < kNormalMin) r = (a + kMagic) - kMagic;
  return std::copysign(r, x);
}

}  // namespace

float E4m3ToFloat(uint8_t byte) { return Table()[byte]; }

const float* E4m3Table() { return Table().data(); }

float E2m1ToFloat(uint8_t code) {
  static constexpr float kValues[8] = {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f};
  const float v = kValues[code & 7];
  return (code & 8) ? -v : v;
}

// e4m3fn: 3 mantissa bits, smallest normal exponent -6, so the subnormal step is 2^-9.
float RoundToE4m3(float x) { return RoundToGrid<3, -9>(x); }

// e2m1: 1 mantissa bit, smallest normal exponent 0, so the subnormal step is 0.5.
float RoundToE2m1(float x) { return RoundToGrid<1, -1>(x); }

uint8_t EncodeE4m3(float v) {
  const float* table = E4m3Table();
  for (int b = 0; b < 256; ++b) {
    if (table[b] == v && std::signbit(table[b]) == std::signbit(v)) return static_cast<uint8_t>(b);
  }
  return 0x7f;  // not on the grid: NaN
}

uint8_t EncodeE2m1(float v) {
  for (uint8_t c = 0; c < 16; ++c) {
    if (E2m1ToFloat(c) == v && std::signbit(E2m1ToFloat(c)) == std::signbit(v)) return c;
  }
  return 0;
}

float Pow2Ceil(float s) {
  uint32_t bits;
  std::memcpy(&bits, &s, sizeof bits);
  uint32_t biased = (bits >> 23) & 0xff;
  if ((bits & 0x7fffff) != 0) ++biased;
  if (biased == 0) return 0x1p-127f;  // s == 0: 2^(0 - 127), as ldexp gave
  if (biased >= 255) return INFINITY;
  const uint32_t power = biased << 23;
  float p;
  std::memcpy(&p, &power, sizeof p);
  return p;
}

uint8_t Pow2ToE8m0(float power_of_two) {
  int e;
  std::frexp(power_of_two, &e);
  return static_cast<uint8_t>(e - 1 + 127);
}

}  // namespace inference
