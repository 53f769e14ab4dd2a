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
// come in groups of G, the kernel's lanes (a short group repeats a present row and drops its
// results), each group against up to 8 vectors at once: kernel(group, x, count, x_stride, n,
// sums) leaves vector i's sums at sums[i * G ..].
template <size_t G, typename RowAt, typename Kernel>
void DotRowsInGroups(RowAt row_at, size_t n_rows, const float* x, size_t n_x, size_t x_stride,
                     size_t n, float* out, Kernel kernel) {
  for (size_t r0 = 0; r0 < n_rows; r0 += G) {
    const float* group[G];
    const float* any = nullptr;
    for (size_t j = 0; j < G; ++j) {
      group[j] = r0 + j < n_rows ? row_at(r0 + j) : nullptr;
      if (any == nullptr) any = group[j];
    }
    if (any == nullptr) continue;
    for (const float*& row : group) row = row != nullptr ? row : any;
    for (size_t i0 = 0; i0 < n_x; i0 += 8) {
      const size_t count = std::min<size_t>(8, n_x - i0);
      float sums[8 * G];
      kernel(group, x + i0 * x_stride, count, x_stride, n, sums);
      for (size_t i = 0; i < count; ++i) {
        for (size_t j = 0; j < G && r0 + j < n_rows; ++j) {
          if (row_at(r0 + j) != nullptr) out[(i0 + i) * n_rows + r0 + j] = sums[i * G + j];
        }
      }
    }
  }
}

// DotRowsInGroups on the widest kernel this CPU runs: 16 rows on AVX-512 (one vector: the
// single-vector kernel), 8 on AVX2, else one Dot at a time.
template <typename RowAt>
void DotRowsBy16(RowAt row_at, size_t n_rows, const float* x, size_t n_x, size_t x_stride, size_t n,
                 float* out) {
  switch (CpuSimd()) {
    case Simd::kAvx512:
      return DotRowsInGroups<16>(row_at, n_rows, x, n_x, x_stride, n, out,
                                 [](const float* const* group, const float* xs, size_t count,
                                    size_t stride, size_t len, float* sums) {
                                   if (count == 1) return DotRows16Avx512(group, xs, len, sums);
                                   DotRows16MultiAvx512(group, xs, count, stride, len, sums);
                                 });
    case Simd::kAvx2:
      return DotRowsInGroups<8>(row_at, n_rows, x, n_x, x_stride, n, out, DotRows8MultiAvx2);
    case Simd::kBaseline:
      break;
  }
  for (size_t i = 0; i < n_x; ++i) {
    for (size_t r = 0; r < n_rows; ++r) {
      if (const float* row = row_at(r)) out[i * n_rows + r] = Dot(row, x + i * x_stride, n);
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
