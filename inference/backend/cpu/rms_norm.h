// RMS normalisation as DeepSeek-V4's reference computes it, in two flavours: the weighted
// fp32 norm with a bf16 result (every RMSNorm module), and the weightless per-head query norm
// that the reference evaluates entirely in bf16 arithmetic.
// Owned by the CPU backend. Pure functions on caller-owned buffers; thread-safe.
#pragma once

#include <cstddef>

namespace inference {

// Sum of x[0..n) in the order of torch's vectorised CPU reduction (AVX2, 8 fp32 lanes): lanes
// accumulate strided elements, four interleaved vector rows with a multi-level cascade, then the
// lanes are added in order onto the sum of the scalar tail; rows shorter than one vector take
// torch's scalar path (four interleaved partial sums). Reproducing this order makes the norms,
// the attention block sums and the router's weight sums match the reference bit for bit instead
// of one fp32 ulp apart, which the FP8 quantisation downstream would amplify.
float CascadeSum(const float* x, size_t n);

// The same for a bf16 tensor: each 16-element load is widened to two 8-lane halves that are
// added lane-wise before entering the cascade. x holds bf16 values.
float CascadeSumBf16(const float* x, size_t n);
// The scalar definitions of the two: CascadeSum and CascadeSumBf16 run rms_norm_avx2.h's vector
// code where the CPU has AVX2, which must give the same bits (tests compare them).
float CascadeSumScalar(const float* x, size_t n);
float CascadeSumBf16Scalar(const float* x, size_t n);

// mean(x[i]^2) with the squares formed in fp32 and summed by CascadeSum.
float MeanOfSquares(const float* x, size_t n);

// out[i] = bf16(weight[i] * (x[i] * rsqrt(mean(x^2) + eps))), all in fp32. out may alias x.
void RmsNormBf16(const float* x, size_t n, const float* weight, float eps, float* out);

// In place: x *= rsqrt(mean(x^2) + eps) where x^2, the mean, the sum with eps, the rsqrt and the
// product are each rounded to bf16 (the reference runs this line on a bf16 tensor).
// `scalar_rsqrt`: torch computes bf16 rsqrt exactly in its vectorised loop, which takes two
// 16-wide vectors per step, but the elements left over after the last full step take a scalar
// path that rounds sqrt to bf16 before dividing; callers set it for those rows so that the
// result matches the reference bit for bit.
void HeadRmsNormBf16InPlace(float* x, size_t n, float eps, bool scalar_rsqrt = false);

// How many leading elements of a bf16 elementwise op over `n` elements torch handles in its
// vectorised loop (steps of two 16-wide vectors; the rest take its scalar path). Checked on the
// golden data: 370 tokens x 4 heads leave the last 8 rows scalar, 6 x 4 leave all 24.
inline size_t Bf16VectorizedPrefix(size_t n) { return n - n % 32; }

}  // namespace inference
