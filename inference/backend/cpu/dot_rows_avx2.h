// The AVX2 form of dot_rows_avx512.h: many dot products against the same vectors, 8 at a time in
// the lanes of a ymm register (8 rows' next 8 values transposed in registers), each lane adding
// its products one by one in index order with the multiply and the add rounded separately, so
// every result is exactly Dot()'s sequential sum. On the AVX2 path these were scalar loops, each
// one long chain of dependent adds (the mHC mixes and the attention scores of a decode step).
// Only for CPUs with AVX2 (the caller checks). Pure functions; thread-safe.
#pragma once

#include <cstddef>

namespace inference {

// out[i * 8 + r] = Dot(rows[r], x + i * x_stride, n) for r < 8, i < n_x <= 8; rows may repeat.
void DotRows8MultiAvx2(const float* const rows[8], const float* x, size_t n_x, size_t x_stride,
                       size_t n, float* out);

// y[i] += a * x[i] for i < n (product and sum rounded separately, as the scalar loop).
void AddScaledAvx2(float* y, float a, const float* x, size_t n);

}  // namespace inference
