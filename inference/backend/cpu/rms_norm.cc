#include "inference/backend/cpu/rms_norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "inference/backend/cpu/cpu_simd.h"
#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/rms_norm_avx2.h"

namespace inference {
namespace {

constexpr size_t kLanes = 8;

int CeilLog2(size_t x) {
  int r = 0;
  while ((size_t{1} << r) < x) ++r;
  return r;
}

// torch's multi-row cascade over `nvec` vectors; load(v, lane) yields lane `lane` of vector v.
// The lane totals are added, in lane order, onto `init` (the row's scalar tail, already summed).
template <typename Load>
float CascadeVectors(size_t nvec, float init, Load load) {
  constexpr size_t kRows = 4, kLevels = 4;
  const size_t size_ilp = nvec / kRows;
  const size_t level_power = std::max<size_t>(4, CeilLog2(size_ilp) / kLevels);
  const size_t level_step = size_t{1} << level_power;
  const size_t level_mask = level_step - 1;
  float acc[kLevels][kRows][kLanes] = {};
  size_t i = 0;
  auto add_row = [&](size_t row) {
    for (size_t k = 0; k < kRows; ++k) {
      for (size_t l = 0; l < kLanes; ++l) acc[0][k][l] += load(row * kRows + k, l);
    }
  };
  while (i + level_step <= size_ilp) {
    for (size_t j = 0; j < level_step; ++j, ++i) add_row(i);
    for (size_t lv = 1; lv < kLevels; ++lv) {
      for (size_t k = 0; k < kRows; ++k) {
        for (size_t l = 0; l < kLanes; ++l) {
          acc[lv][k][l] += acc[lv - 1][k][l];
          acc[lv - 1][k][l] = 0.0f;
        }
      }
      if ((i & (level_mask << (lv * level_power))) != 0) break;
    }
  }
  for (; i < size_ilp; ++i) add_row(i);
  for (size_t lv = 1; lv < kLevels; ++lv) {
    for (size_t k = 0; k < kRows; ++k) {
      for (size_t l = 0; l < kLanes; ++l) acc[0][k][l] += acc[lv][k][l];
    }
  }
  for (size_t v = size_ilp * kRows; v < nvec; ++v) {
    for (size_t l = 0; l < kLanes; ++l) acc[0][0][l] += load(v, l);
  }
  for (size_t k = 1; k < kRows; ++k) {
    for (size_t l = 0; l < kLanes; ++l) acc[0][0][l] += acc[0][k][l];
  }
  float total = init;
  for (size_t l = 0; l < kLanes; ++l) total += acc[0][0][l];
  return total;
}

// torch's scalar row sum (rows shorter than one vector): four interleaved partial sums, the
// leftover elements added to the first, then the partials added in order.
float ScalarRowSum(const float* x, size_t n) {
  constexpr size_t kIlp = 4;
  float partial[kIlp] = {};
  const size_t rows = n / kIlp;
  for (size_t r = 0; r < rows; ++r) {
    for (size_t k = 0; k < kIlp; ++k) partial[k] += x[r * kIlp + k];
  }
  for (size_t i = rows * kIlp; i < n; ++i) partial[0] += x[i];
  for (size_t k = 1; k < kIlp; ++k) partial[0] += partial[k];
  return partial[0];
}

bool VectorSums() { return CpuSimd() != Simd::kBaseline; }

}  // namespace

float CascadeSum(const float* x, size_t n) {
  if (n >= kLanes && VectorSums()) return CascadeSumAvx2(x, n, CascadeTerm::kValue, false);
  return CascadeSumScalar(x, n);
}

float CascadeSumScalar(const float* x, size_t n) {
  if (n < kLanes) return ScalarRowSum(x, n);
  const size_t nvec = n / kLanes;
  float tail = 0.0f;
  for (size_t i = nvec * kLanes; i < n; ++i) tail += x[i];
  return CascadeVectors(nvec, tail, [&](size_t v, size_t l) { return x[v * kLanes + l]; });
}

float CascadeSumBf16(const float* x, size_t n) {
  if (n >= 2 * kLanes && VectorSums()) return CascadeSumAvx2(x, n, CascadeTerm::kValue, true);
  return CascadeSumBf16Scalar(x, n);
}

float CascadeSumBf16Scalar(const float* x, size_t n) {
  const size_t per_load = 2 * kLanes;
  if (n < per_load) return ScalarRowSum(x, n);
  const size_t nvec = n / per_load;
  float tail = 0.0f;
  for (size_t i = nvec * per_load; i < n; ++i) tail += x[i];
  return CascadeVectors(nvec, tail, [&](size_t v, size_t l) {
    return x[v * per_load + l] + x[v * per_load + kLanes + l];
  });
}

float MeanOfSquares(const float* x, size_t n) {
  if (n >= kLanes && VectorSums())
    return CascadeSumAvx2(x, n, CascadeTerm::kSquare, false) / static_cast<float>(n);
  std::vector<float> squares(n);
  for (size_t i = 0; i < n; ++i) squares[i] = x[i] * x[i];
  return CascadeSumScalar(squares.data(), n) / static_cast<float>(n);
}

void RmsNormBf16(const float* x, size_t n, const float* weight, float eps, float* out) {
  const float r = 1.0f / std::sqrt(MeanOfSquares(x, n) + eps);
  if (VectorSums()) return ScaleToBf16Avx2(x, weight, r, n, out);
  for (size_t i = 0; i < n; ++i) out[i] = RoundToBf16(weight[i] * (x[i] * r));
}

void HeadRmsNormBf16InPlace(float* x, size_t n, float eps, bool scalar_rsqrt) {
  // torch's CPU mean of a bf16 tensor is a bf16 sum (fp32 accumulation) divided by n in bf16.
  const bool vector = VectorSums() && n >= 2 * kLanes;
  float sum;
  if (vector) {
    sum = CascadeSumAvx2(x, n, CascadeTerm::kBf16Square, true);
  } else {
    std::vector<float> squares(n);
    for (size_t i = 0; i < n; ++i) squares[i] = RoundToBf16(x[i] * x[i]);
    sum = CascadeSumBf16Scalar(squares.data(), n);
  }
  const float mean = RoundToBf16(RoundToBf16(sum) / static_cast<float>(n));
  const float v = RoundToBf16(mean + eps);
  const float root = scalar_rsqrt ? RoundToBf16(std::sqrt(v)) : std::sqrt(v);
  const float r = RoundToBf16(1.0f / root);
  if (vector) return ScaleToBf16Avx2(x, nullptr, r, n, x);
  for (size_t i = 0; i < n; ++i) x[i] = RoundToBf16(x[i] * r);
}

}  // namespace inference
