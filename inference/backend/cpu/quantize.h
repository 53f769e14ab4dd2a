// Simulated quantisation of activations, as DeepSeek-V4's reference applies it: FP8 e4m3 with
// power-of-two (ue8m0) block scales before every FP8/FP4 matrix product and on the KV "nope"
// dims, FP4 e2m1 on the indexer's queries and keys, and the orthonormal Hadamard rotation that
// precedes the FP4 step. Exact rounding rules: shared/golden/README.md §2.
// Owned by the CPU backend. Pure functions on caller-owned buffers; thread-safe.
#pragma once

#include <cstddef>

namespace inference {

// Quantises x[0..n) in blocks of `block` values to e4m3 with one power-of-two scale per block
// (amax floored at 1e-4, scale = 2^ceil(log2(amax/448))) and writes the dequantised values
// q*s to out (exact in fp32). n must be a multiple of block. out may alias x.
void QuantizeDequantizeFp8(const float* x, size_t n, size_t block, float* out);

// Same as QuantizeDequantizeFp8, then rounds q*s to bf16 in place: the reference's in-place
// FP8 simulation of the KV nope dims (block 64).
void SimulateFp8InPlace(float* x, size_t n, size_t block);

// FP4 e2m1 simulation in blocks of `block` (amax floored at 6*2^-126, scale 2^ceil(log2(amax/6))),
// result rounded to bf16, in place.
void SimulateFp4InPlace(float* x, size_t n, size_t block);

// Rounds x[0..n) to bf16 in place (RoundToBf16 on each value), on the widest SIMD path here.
void RoundToBf16InPlace(float* x, size_t n);

// In-place Walsh-Hadamard transform of x[0..n) (n a power of two, natural Sylvester order) in
// fp32 butterflies, times n^-0.5, rounded to bf16.
void HadamardRotateBf16(float* x, size_t n);

}  // namespace inference
