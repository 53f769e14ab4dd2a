// AVX-512 forms of quantize.h's FP8 activation quantisation, FP4 simulation and Hadamard rotation.
// The FP8 quantisation (quantize.h): the same amax, power-of-two
// scale, clamp and round-to-nearest-even onto the e4m3 grid, 16 values at a time, bit for bit
// the scalar result (NaN passes through, as there). A decode step quantises about 1,300
// activation vectors, serially between the parallel products, so the scalar loop (a division
// and a branchy rounding per value) cost about 4 ms of a 70 ms step.
// Requires AVX-512F (the caller checks). Pure function; thread-safe.
#pragma once

#include <cstddef>

namespace inference {

// One block of n values (n a multiple of 16): out[i] = e4m3(clamp(x[i] / s)) * s with s the
// block's scale. out may alias x.
void QuantizeDequantizeFp8BlockAvx512(const float* x, size_t n, float* out);

// The same onto the e2m1 grid (max 6, amax floor 6 * 2^-126), as SimulateFp4InPlace's blocks.
void QuantizeDequantizeFp4BlockAvx512(const float* x, size_t n, float* out);

// x[i] = RoundToBf16(x[i]) for i < n.
void RoundToBf16InPlaceAvx512(float* x, size_t n);

// HadamardRotateBf16 (quantize.h) for n a power of two, at least 16: the same butterflies (each
// a + b and a - b as there), then the bf16-rounded scaling.
void HadamardRotateBf16Avx512(float* x, size_t n);

}  // namespace inference
