// When a decode-step kernel may take the cheaper arithmetic and still give the lane products'
// bits (ActivationFacts): the FP8 products fused into one multiply-add, and MXFP4 partial sums
// scaled once per group. Shared by the AVX-512 and AVX2 kernels; plain functions.
#pragma once

#include <algorithm>
#include <cstdint>

#include "inference/backend/cpu/activation_facts.h"
#include "inference/backend/cpu/matmul.h"

namespace inference {

// Whether every product (x * 2^8 * 2^e) * (value * 2^-8) is exact, for an FP8 block scale 2^e:
// x has at most 20 significant bits (the value has at most 4) and the product lies in the normal
// range. The nonzero values are at least 2^-17 and at most 1.75, so it does when
// 2^(min_exponent + 8 + e - 17) >= 2^-126 and 2^(max_exponent + 8 + e + 1) <= 2^127.
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
// the weights code * 2^e themselves must be finite (6 * 2^e < 2^128: bytes up to 252), and byte
// 0 (a subnormal scale) never fits.
inline bool Fp4ScaledSumsExact(const Fp4Weight& w, const ActivationFacts& facts) {
  if (!facts.known || facts.significant_bits > 22) return false;
  if (w.scale_min == 0 || w.scale_max > 252) return false;
  const int e_lo = w.scale_min - 127, e_hi = w.scale_max - 127;
  return facts.min_exponent - facts.significant_bits + std::min(e_lo, 0) >= -126 &&
         facts.max_exponent + 9 + std::max(e_hi, 0) <= 126;
}

}  // namespace inference
