// AVX2 forms of quantize.h's FP8 activation quantisation, FP4 simulation and Hadamard rotation,
// 8 fp32 lanes at a time, for CPUs without AVX-512 (most laptops): each gives the scalar result
// bit for bit (NaN passes through, as there), as quantize_avx512.h's forms do. The scalar loops
// (a division and a branchy rounding per value) run on one thread between the decode step's
// parallel products: 3.2 us for 1,024 values in FP8 blocks of 128, 0.5 us here.
// Require AVX2 (the caller checks). Pure functions on caller-owned buffers; thread-safe.
#pragma once

#include <cstddef>

namespace inference {

// One block of n values (n a multiple of 8): out[i] = e4m3(clamp(x[i] / s)) * s with s the
// block's scale. out may alias x.
void QuantizeDequantizeFp8BlockAvx2(const float* x, size_t n, float* out);

// The same onto the e2m1 grid (max 6, amax floor 6 * 2^-126), as SimulateFp4InPlace's blocks.
void QuantizeDequantizeFp4BlockAvx2(const float* x, size_t n, float* out);

// x[i] = RoundToBf16(x[i]) for i < n (any n).
void RoundToBf16InPlaceAvx2(float* x, size_t n);

// HadamardRotateBf16 (quantize.h) for n a power of two, at least 8: the same butterflies (each
// a + b and a - b as there), then the bf16-rounded scaling.
void HadamardRotateBf16Avx2(float* x, size_t n);

}  // namespace inference
