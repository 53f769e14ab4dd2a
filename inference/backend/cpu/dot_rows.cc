// The fp32 dot products of matmul.h (Dot, DotRows and their variants, AddScaled): sequential
// sums as the reference's CPU products ran them, 16 rows at a time on AVX-512.
#include <algorithm>

#include "inference/backend/cpu/cpu_simd.h"
#include "inference/backend/cpu/dot_rows_avx2.h"
#include "inference/backend/cpu/dot_rows_avx512.h"
#include "inference/backend/cpu/matmul.h"

namespace inference {

float Dot(const float* a, const float* b, size_t n) {
  // One running sum in index order, without fused multiply-add: the order the reference's
  // CPU matrix products used (matched bit for bit against the golden mHC coefficients).
  float s = 0.0f;
  for (size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

namespace {

// out[i * n_rows + r] = Dot(row_at(r), x + i * x_stride, n) for the present rows, i < n_x. Rows
// come in groups of 16 (a short group repeats a present row and drops its results), each group
// against up to 8 vectors at once (one vector: the single-vector kernel); on AVX2 in groups of 8.
template <typename RowAt>
void DotRowsBy8Avx2(RowAt row_at, size_t n_rows, const float* x, size_t n_x, size_t x_stride,
                    size_t n, float* out) {
  for (size_t r0 = 0; r0 < n_rows; r0 += 8) {
    const float* group[8];
    const float* any = nullptr;
    for (size_t j = 0; j < 8; ++j) {
      group[j] = r0 + j < n_rows ? row_at(r0 + j) : nullptr;
      if (any == nullptr) any = group[j];
    }
    if (any == nullptr) continue;
    for (const float*& row : group) row = row != nullptr ? row : any;
    for (size_t i0 = 0; i0 < n_x; i0 += 8) {
      const size_t count = std::min<size_t>(8, n_x - i0);
      float sums[8 * 8];
      DotRows8MultiAvx2(group, x + i0 * x_stride, count, x_stride, n, sums);
      for (size_t i = 0; i < count; ++i) {
        for (size_t j = 0; j < 8 && r0 + j < n_rows; ++j) {
          if (row_at(r0 + j) != nullptr) out[(i0 + i) * n_rows + r0 + j] = sums[i * 8 + j];
        }
      }
    }
  }
}

template <typename RowAt>
void DotRowsBy16(RowAt row_at, size_t n_rows, const float* x, size_t n_x, size_t x_stride, size_t n,
                 float* out) {
  if (CpuSimd() == Simd::kAvx2) return DotRowsBy8Avx2(row_at, n_rows, x, n_x, x_stride, n, out);
  if (CpuSimd() != Simd::kAvx512) {
    for (size_t i = 0; i < n_x; ++i) {
      for (size_t r = 0; r < n_rows; ++r) {
        if (const float* row = row_at(r)) out[i * n_rows + r] = Dot(row, x + i * x_stride, n);
      }
    }
    return;
  }
  for (size_t r0 = 0; r0 < n_rows; r0 += 16) {
    const float* group[16];
    const float* any = nullptr;
    for (size_t j = 0; j < 16; ++j) {
      group[j] = r0 + j < n_rows ? row_at(r0 + j) : nullptr;
      if (any == nullptr) any = group[j];
    }
    if (any == nullptr) continue;
    for (const float*& row : group) row = row != nullptr ? row : any;
    for (size_t i0 = 0; i0 < n_x; i0 += 8) {
      const size_t count = std::min<size_t>(8, n_x - i0);
      float sums[8 * 16];
      if (count == 1) {
        DotRows16Avx512(group, x + i0 * x_stride, n, sums);
      } else {
        DotRows16MultiAvx512(group, x + i0 * x_stride, count, x_stride, n, sums);
      }
      for (size_t i = 0; i < count; ++i) {
        for (size_t j = 0; j < 16 && r0 + j < n_rows; ++j) {
          if (row_at(r0 + j) != nullptr) out[(i0 + i) * n_rows + r0 + j] = sums[i * 16 + j];
        }
      }
    }
  }
}

}  // namespace

void DotRows(const float* const* rows, size_t n_rows, const float* x, size_t n, float* out) {
  DotRowsBy16([rows](size_t r) { return rows[r]; }, n_rows, x, 1, n, n, out);
}

void DotRowsMulti(const float* const* rows, size_t n_rows, const float* x, size_t n_x,
                  size_t x_stride, size_t n, float* out) {
  DotRowsBy16([rows](size_t r) { return rows[r]; }, n_rows, x, n_x, x_stride, n, out);
}

void AddScaled(float* y, float a, const float* x, size_t n) {
  if (CpuSimd() == Simd::kAvx512) return AddScaledAvx512(y, a, x, n);
  if (CpuSimd() == Simd::kAvx2) return AddScaledAvx2(y, a, x, n);
  for (size_t i = 0; i < n; ++i) y[i] += a * x[i];
}

void DotRowsStrided(const float* rows, size_t stride, size_t n_rows, const float* x, size_t n,
                    float* out) {
  DotRowsBy16([rows, stride](size_t r) { return rows + r * stride; }, n_rows, x, 1, n, n, out);
}

}  // namespace inference
