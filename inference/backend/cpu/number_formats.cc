#include "inference/backend/cpu/number_formats.h"

#include <array>
#include <cmath>

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

// Rounds x to a multiple of 2^(floor(log2|x|) - mantissa_bits), never finer than 2^min_step_exp
// (the subnormal step); nearbyint rounds ties to the even multiple, which is the even mantissa.
float RoundToGrid(float x, int mantissa_bits, int min_step_exp) {
  if (x == 0.0f || !std::isfinite(x)) return x;
  int e;
  std::frexp(x, &e);  // |x| = f * 2^e with f in [0.5, 1): floor(log2|x|) = e - 1
  int step_exp = e - 1 - mantissa_bits;
  if (step_exp < min_step_exp) step_exp = min_step_exp;
  const float scaled = std::ldexp(x, -step_exp);
  return std::ldexp(std::nearbyint(scaled), step_exp);
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
float RoundToE4m3(float x) { return RoundToGrid(x, 3, -9); }

// e2m1: 1 mantissa bit, smallest normal exponent 0, so the subnormal step is 0.5.
float RoundToE2m1(float x) { return RoundToGrid(x, 1, -1); }

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
  int exponent = static_cast<int>((bits >> 23) & 0xff) - 127;
  if ((bits & 0x7fffff) != 0) ++exponent;
  return std::ldexp(1.0f, exponent);
}

uint8_t Pow2ToE8m0(float power_of_two) {
  int e;
  std::frexp(power_of_two, &e);
  return static_cast<uint8_t>(e - 1 + 127);
}

}  // namespace inference
