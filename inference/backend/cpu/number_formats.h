// Scalar number formats of the DeepSeek-V4 checkpoint and its simulated quantisation: bf16,
// FP8 e4m3fn, FP4 e2m1 and e8m0 (power-of-two) scales, with round-to-nearest-even onto each grid.
//
// These are the leaf of the CPU backend: every kernel that reads a stored weight or simulates
// the reference's quantisation goes through them, so their rounding defines our numerics.
// Owned by the CPU backend (inference/backend/cpu). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <cstring>

namespace inference {

// bf16 bits -> float (exact).
inline float Bf16BitsToFloat(uint16_t bits) {
  uint32_t u = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// float -> bf16 bits, round to nearest even (NaN stays NaN).
inline uint16_t FloatToBf16Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40u);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

// Rounds a float to the nearest bf16 value and returns it as a float. Activations that the
// reference keeps in bf16 are stored as floats holding exactly such values.
inline float RoundToBf16(float f) { return Bf16BitsToFloat(FloatToBf16Bits(f)); }

// Loads a little-endian bf16 value from possibly unaligned memory.
inline float LoadBf16(const void* p) {
  uint16_t bits;
  std::memcpy(&bits, p, sizeof bits);
  return Bf16BitsToFloat(bits);
}

// Loads a float from possibly unaligned memory.
inline float LoadF32(const void* p) {
  float f;
  std::memcpy(&f, p, sizeof f);
  return f;
}

// e4m3fn byte -> float (exact): sign bit 7, exponent bits 6..3 (bias 7), mantissa bits 2..0,
// exponent 0 is subnormal (m * 2^-9); 0x7f/0xff are NaN.
float E4m3ToFloat(uint8_t byte);

// Table of all 256 e4m3fn values, for kernels that decode whole rows.
const float* E4m3Table();

// e2m1 code (low 4 bits) -> float: 0, 0.5, 1, 1.5, 2, 3, 4, 6 and their negatives (bit 3).
float E2m1ToFloat(uint8_t code);

// e8m0 scale byte -> 2^(byte - 127), built from the IEEE bits (inline: the kernels call it per
// row block): 0 is the subnormal 2^-127, 255 is NaN.
inline float E8m0ToFloat(uint8_t byte) {
  const uint32_t bits = byte == 0xff ? 0x7fc00000u
                        : byte == 0  ? 0x00400000u
                                     : static_cast<uint32_t>(byte) << 23;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// Rounds x (already within [-448, 448]) to the nearest e4m3fn value, ties to even.
float RoundToE4m3(float x);

// Rounds x (already within [-6, 6]) to the nearest e2m1 value, ties to even.
float RoundToE2m1(float x);

// Encodes a value that is exactly on the e4m3fn / e2m1 grid as its byte / 4-bit code.
uint8_t EncodeE4m3(float exact_value);
uint8_t EncodeE2m1(float exact_value);

// 2^ceil(log2(s)) computed from the IEEE bits (exponent, +1 when the mantissa is non-zero),
// as the reference's ue8m0 scale rounding does. s must be a positive normal float.
float Pow2Ceil(float s);

// The e8m0 byte of a power of two (2^k -> k + 127).
uint8_t Pow2ToE8m0(float power_of_two);

}  // namespace inference
