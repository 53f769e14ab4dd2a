// Many dot products against one vector, 16 at a time in the lanes of a zmm register: 16 rows'
// next 16 values are loaded, transposed in registers, and each lane adds its products one by one
// in index order (multiply and add rounded separately). Each result is therefore exactly Dot()'s
// sequential sum; only independent sums share the instructions. The mHC mixes, the indexer's
// scores and the attention scores are such sets of dot products.
//
// Only for CPUs with AVX-512F (the caller checks). Pure function; thread-safe.
#pragma once

#include <cstddef>

namespace inference {

// out[r] = Dot(rows[r], x, n) for r < 16; rows[r] may repeat (a short group's padding).
void DotRows16Avx512(const float* const rows[16], const float* x, size_t n, float out[16]);

// out[i * 16 + r] = Dot(rows[r], x + i * x_stride, n) for r < 16, i < n_x <= 8: each 16x16 tile
// of the rows is transposed once for all n_x vectors (the heads of a query share their keys).
void DotRows16MultiAvx512(const float* const rows[16], const float* x, size_t n_x, size_t x_stride,
                          size_t n, float* out);

// y[i] += a * x[i] for i < n (product and sum rounded separately, as the scalar loop).
void AddScaledAvx512(float* y, float a, const float* x, size_t n);

}  // namespace inference
