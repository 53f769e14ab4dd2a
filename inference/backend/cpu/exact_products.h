// When a kernel may take the cheaper arithmetic and still give the lane products' bits
// (ActivationFacts): the decode-step kernels' FP8 products fused into one multiply-add and MXFP4
// partial sums scaled once per group, and the prefill lane products fused. Shared by the AVX-512
// and AVX2 kernels; plain functions.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "inference/backend/cpu/activation_facts.h"
#include "inference/backend/cpu/matmul.h"
#include "inference/backend/cpu/number_formats.h"

namespace inference {

// The decode-step kernels decode an FP8 code in-lane to value * 2^-120 (the e4m3 exponent read
// as fp32's; subnormals become fp32 subnormals, exactly) and fold the block scale into the
// activations as 2^120 * scale. Scale bytes up to kFp8MaxFoldedByte (scales up to 2^6; real
// checkpoints' are far below) give a finite factor with a normal inverse.
constexpr uint8_t kFp8MaxFoldedByte = 133;
inline float Fp8FoldFactor(uint8_t byte) { return E8m0ToFloat(static_cast<uint8_t>(byte + 120)); }
inline float Fp8FoldInverse(uint8_t byte) { return E8m0ToFloat(static_cast<uint8_t>(134 - byte)); }

// Whether every product x * value * 2^e is exact, for an FP8 block scale 2^e, however a kernel
// splits it by powers of two (the step kernels as (x * 2^120 * 2^e) * (value * 2^-120), each
// checking its scaled x itself): x has at most 20 significant bits (the value has at most 4) and
// the product lies in the normal range. The nonzero values are at least 2^-9 and below 2^9, so
// it does when 2^(min_exponent + e - 9) >= 2^-126 and 2^(max_exponent + 1 + e + 9) <= 2^128.
inline bool Fp8ProductsExact(const ActivationFacts& facts, uint8_t scale_byte) {
  const int e = static_cast<int>(scale_byte) - 127;
  return facts.known && facts.significant_bits <= 20 && facts.min_exponent + e >= -117 &&
         facts.max_exponent + e <= 118;
}

// Whether an MXFP4 group's partial may be summed from x * code and multiplied by the group's
// scale once. x has at most b significant bits and exponents in [lo, hi]; a code has at most 2
// bits and is a multiple of 1/2, at most 6. Products are exact when b <= 22. Every product and
// sum is a multiple of 2^(lo - b) (rounding keeps that), so nonzero ones stay normal, scaled by
// 2^e or not, when lo - b + min(e, 0) >= -126; a group's sums are below
// 32 * 6 * 2^(hi + 1) < 2^(hi + 9), finite when hi + 9 + max(e, 0) <= 126. Then every
// intermediate sum is the reference's divided by 2^e, hence the same bits. (Codes doubled to the
// integers 2 * code, as the AVX2 kernel takes them, keep all of this: sums twice as large stay
// below 2^(hi + 10) <= 2^127.) e ranges over the weight's scales (their bounds, from Interleave);
// the weights code * 2^e themselves must be finite (6 * 2^e < 2^128: bytes up to 252); byte 0
// (a subnormal scale, which no real checkpoint uses) is left out rather than argued.
inline bool Fp4ScaledSumsExact(const Fp4Weight& w, const ActivationFacts& facts) {
  if (!facts.known || facts.significant_bits > 22) return false;
  if (w.scale_min == 0 || w.scale_max > 252) return false;
  const int e_lo = w.scale_min - 127, e_hi = w.scale_max - 127;
  return facts.min_exponent - facts.significant_bits + std::min(e_lo, 0) >= -126 &&
         facts.max_exponent + 9 + std::max(e_hi, 0) <= 126;
}

// The prefill lane products (matmul.cc): whether every product of the activations (facts) with
// the decoded weight is exact, so that a fused multiply-add rounds as the multiply and add. A
// decoded FP8 weight is an e4m3 value (at most 4 significant bits, lowest bit at least 2^-9,
// below 2^9) times 2^e; an MXFP4 one an e2m1 value (2 bits, lowest at least 2^-1, below 2^3)
// times 2^e. With x of at most b bits in exponents [lo, hi] (b <= 20), a product has at most
// b + 4 bits, its lowest at least 2^(lo - b + 1 + low + e_min), and lies below
// 2^(hi + 1 + top + e_max): exact when the first is at least 2^-149 (the smallest subnormal) and
// the second at most 2^127. e ranges over the weight's scale bytes, which must keep every weight
// finite (FP8 bytes up to 246, MXFP4 up to 252). Assumes subnormals are not flushed (MXCSR as
// the C runtime leaves it): a flushed product would differ from the fused one.
inline bool LaneProductsExact(const ActivationFacts& f, int low, int top, int e_min, int e_max) {
  return f.known && f.significant_bits <= 20 &&
         f.min_exponent - f.significant_bits + 1 + low + e_min >= -149 &&
         f.max_exponent + 1 + top + e_max <= 127;
}

// The weight's side, checked before the activations are measured: interleaved (so no FP8 NaN
// codes, and MXFP4 scale bounds measured) with every scale keeping the weights finite; the
// scale bytes' bounds as exponents.
struct ScaleExponents {
  bool ok = false;
  int min = 0, max = 0;
};
inline ScaleExponents FusableScales(const Fp8Weight& w) {
  constexpr size_t kFp8Block = 128;
  if (!w.interleaved) return {};
  const size_t scale_bytes =
      ((w.out + kFp8Block - 1) / kFp8Block) * ((w.in + kFp8Block - 1) / kFp8Block);
  if (scale_bytes == 0) return {};
  const auto [lo, hi] = std::minmax_element(w.scale, w.scale + scale_bytes);
  if (*hi > 246) return {};
  return {true, *lo - 127, *hi - 127};
}
inline ScaleExponents FusableScales(const Fp4Weight& w) {
  if (!w.interleaved || w.scale_max > 252) return {};
  return {true, w.scale_min - 127, w.scale_max - 127};
}
// bf16 weights have no scales: the bounds are of the values themselves (Interleave's), 2^e with
// e = field - 127 for the leading bit (subnormals: field 1, the lowest bit then 2^-133).
inline ScaleExponents FusableScales(const Bf16Weight& w) {
  if (!w.interleaved || !w.exponents_known) return {};
  return {true, w.exponent_min - 127, w.exponent_max - 127};
}
// A bf16 weight has at most 8 significant bits, its lowest at least 2^(e_min - 7), and lies
// below 2^(e_max + 1); so x needs at most 16 bits (the activations the model gives bf16 weights
// are bf16 themselves) and the same range conditions as LaneProductsExact's.
inline bool LaneProductsExact(const Bf16Weight&, const ScaleExponents& e,
                              const ActivationFacts& f) {
  return f.known && f.significant_bits <= 16 &&
         f.min_exponent - f.significant_bits + 1 + e.min - 7 >= -149 &&
         f.max_exponent + 1 + e.max + 1 <= 127;
}
inline bool LaneProductsExact(const Fp8Weight&, const ScaleExponents& e, const ActivationFacts& f) {
  return LaneProductsExact(f, -9, 9, e.min, e.max);
}
inline bool LaneProductsExact(const Fp4Weight&, const ScaleExponents& e, const ActivationFacts& f) {
  return LaneProductsExact(f, -1, 3, e.min, e.max);
}

}  // namespace inference
