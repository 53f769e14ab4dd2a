#include "inference/backend/cpu/rms_norm_avx2.h"

#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "inference/backend/cpu/avx2_formats.h"
#include "inference/backend/cpu/number_formats.h"

namespace inference {
namespace {

#define FC_AVX2 __attribute__((target("avx2"), always_inline)) inline

constexpr size_t kLanes = 8;

template <CascadeTerm kTerm>
FC_AVX2 __m256 Terms(const float* p) {
  const __m256 v = _mm256_loadu_ps(p);
  if constexpr (kTerm == CascadeTerm::kValue) return v;
  if constexpr (kTerm == CascadeTerm::kSquare) return _mm256_mul_ps(v, v);
  if constexpr (kTerm == CascadeTerm::kBf16Square) return RoundToBf16x8(_mm256_mul_ps(v, v));
}

template <CascadeTerm kTerm>
float Term(float v) {
  if constexpr (kTerm == CascadeTerm::kValue) return v;
  if constexpr (kTerm == CascadeTerm::kSquare) return v * v;
  if constexpr (kTerm == CascadeTerm::kBf16Square) return RoundToBf16(v * v);
}

// Vector v of the cascade: x[v * 8 ..], or for bf16 pairs the two halves of x[v * 16 ..] added
// (torch widens a 16-element bf16 load into two 8-lane fp32 vectors).
template <CascadeTerm kTerm, bool kPairs>
FC_AVX2 __m256 Load(const float* x, size_t v) {
  if constexpr (kPairs) {
    return _mm256_add_ps(Terms<kTerm>(x + v * 2 * kLanes),
                         Terms<kTerm>(x + v * 2 * kLanes + kLanes));
  }
  return Terms<kTerm>(x + v * kLanes);
}

// One row of the cascade: four vectors onto the four first-level accumulators.
template <CascadeTerm kTerm, bool kPairs>
FC_AVX2 void AddRow(const float* x, size_t row, __m256 (&acc)[4]) {
  for (size_t k = 0; k < 4; ++k)
    acc[k] = _mm256_add_ps(acc[k], Load<kTerm, kPairs>(x, row * 4 + k));
}

int CeilLog2(size_t x) {
  int r = 0;
  while ((size_t{1} << r) < x) ++r;
  return r;
}

// rms_norm.cc's CascadeVectors with one vector per row of lanes; vector v is x[v * per_load ..]
// (per_load 16: its two 8-lane halves added first, as torch widens a bf16 load).
template <CascadeTerm kTerm, bool kPairs>
__attribute__((target("avx2"))) float Cascade(const float* x, size_t n) {
  constexpr size_t per_load = kPairs ? 2 * kLanes : kLanes;
  const size_t nvec = n / per_load;
  float total = 0.0f;  // the scalar tail first, then the lanes onto it in order
  for (size_t i = nvec * per_load; i < n; ++i) total += Term<kTerm>(x[i]);
  constexpr size_t kRows = 4, kLevels = 4;
  const size_t size_ilp = nvec / kRows;
  const size_t level_power = std::max<size_t>(4, CeilLog2(size_ilp) / kLevels);
  const size_t level_step = size_t{1} << level_power;
  const size_t level_mask = level_step - 1;
  __m256 acc[kLevels][kRows];
  for (size_t lv = 0; lv < kLevels; ++lv) {
    for (size_t k = 0; k < kRows; ++k) acc[lv][k] = _mm256_setzero_ps();
  }
  size_t i = 0;
  while (i + level_step <= size_ilp) {
    for (size_t j = 0; j < level_step; ++j, ++i) AddRow<kTerm, kPairs>(x, i, acc[0]);
    for (size_t lv = 1; lv < kLevels; ++lv) {
      for (size_t k = 0; k < kRows; ++k) {
        acc[lv][k] = _mm256_add_ps(acc[lv][k], acc[lv - 1][k]);
        acc[lv - 1][k] = _mm256_setzero_ps();
      }
      if ((i & (level_mask << (lv * level_power))) != 0) break;
    }
  }
  for (; i < size_ilp; ++i) AddRow<kTerm, kPairs>(x, i, acc[0]);
  for (size_t lv = 1; lv < kLevels; ++lv) {
    for (size_t k = 0; k < kRows; ++k) acc[0][k] = _mm256_add_ps(acc[0][k], acc[lv][k]);
  }
  for (size_t v = size_ilp * kRows; v < nvec; ++v)
    acc[0][0] = _mm256_add_ps(acc[0][0], Load<kTerm, kPairs>(x, v));
  for (size_t k = 1; k < kRows; ++k) acc[0][0] = _mm256_add_ps(acc[0][0], acc[0][k]);
  alignas(32) float lanes[kLanes];
  _mm256_store_ps(lanes, acc[0][0]);
  for (size_t l = 0; l < kLanes; ++l) total += lanes[l];
  return total;
}

template <bool kPairs>
float CascadeOf(const float* x, size_t n, CascadeTerm term) {
  switch (term) {
    case CascadeTerm::kValue:
      return Cascade<CascadeTerm::kValue, kPairs>(x, n);
    case CascadeTerm::kSquare:
      return Cascade<CascadeTerm::kSquare, kPairs>(x, n);
    case CascadeTerm::kBf16Square:
      break;
  }
  return Cascade<CascadeTerm::kBf16Square, kPairs>(x, n);
}

}  // namespace

float CascadeSumAvx2(const float* x, size_t n, CascadeTerm term, bool bf16_pairs) {
  return bf16_pairs ? CascadeOf<true>(x, n, term) : CascadeOf<false>(x, n, term);
}

__attribute__((target("avx2"))) void ScaleToBf16Avx2(const float* x, const float* weight, float r,
                                                     size_t n, float* out) {
  const __m256 rv = _mm256_set1_ps(r);
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + i), rv);
    if (weight != nullptr) v = _mm256_mul_ps(_mm256_loadu_ps(weight + i), v);
    _mm256_storeu_ps(out + i, RoundToBf16x8(v));
  }
  for (; i < n; ++i) out[i] = RoundToBf16(weight != nullptr ? weight[i] * (x[i] * r) : x[i] * r);
}

}  // namespace inference
