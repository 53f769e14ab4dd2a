// Two 16-row blocks of an FP8 weight at once, for one activation row summed over all of K in one
// sum per output (block == K): the wo_a product of a decode step (MatmulDequantizedFp8F32).
//
// Alone, a block's sum is one chain of dependent adds, 16 weights per add latency: about 12 GB/s
// of FP8 a core whatever the memory gives. The two blocks' sums are independent chains, so
// interleaving them halves that bound. Each block's operations are Rows<1>'s on it (step_
// products_avx512.cc, the folded and fused path), in the same order.
#include <cstdint>

#include "inference/backend/cpu/interleaved_weight.h"
#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/step_kernel_parts_avx512.h"
#include "inference/backend/cpu/step_products_avx512.h"

namespace inference {
namespace {

using namespace step_kernel;  // NOLINT: the kernels' own building blocks

// The longest K the pair takes (its scaled activations live on the stack): Flash's wo_a has
// 4096 (64 heads of 512 in 8 groups).
constexpr size_t kMaxColumns = 8192;

}  // namespace

__attribute__((target("avx512f,avx512bw,f16c,fma"))) bool StepProductsPairAvx512(
    const Fp8Weight& w, size_t n0, const float* x, const ActivationFacts& facts, float* out) {
  const size_t K = w.in, scale_cols = (K + kFp8Block - 1) / kFp8Block;
  if (K > kMaxColumns || K % kFp8Block != 0 || n0 % kInterleaveRows != 0) return false;
  // x * 2^120 * scale per block and scale column, where that is exact and so are the products
  // (Chunk's folded, fused path); anything else is left to Rows<1>, before a byte is summed.
  alignas(64) float xs[2][kMaxColumns];
  const size_t groups[2] = {n0 / kFp8Block, (n0 + kInterleaveRows) / kFp8Block};
  for (size_t b = 0; b < 2; ++b) {
    if (b == 1 && groups[1] == groups[0]) break;  // same scales: the first copy serves both
    for (size_t kb = 0; kb < scale_cols; ++kb) {
      const size_t k0 = kb * kFp8Block;
      if (!FoldFp8Block<1>(x, 0, k0, w.scale[groups[b] * scale_cols + kb], facts, &xs[b][k0], 0))
        return false;
    }
  }
  const float* xs1 = groups[1] == groups[0] ? xs[0] : xs[1];
  const uint8_t* first[2] = {w.data + n0 * K, w.data + (n0 + kInterleaveRows) * K};
  // The second block's start is not behind the first one's prefetch: fetch it now.
  PrefetchStart(w, n0 + kInterleaveRows, K);
  __m512 sum0 = _mm512_setzero_ps(), sum1 = _mm512_setzero_ps();
  for (size_t l = 0; l < K / 4; ++l) {  // line l of a block holds its columns 4l .. 4l + 3
    const uint8_t* line0 = first[0] + l * kLine;
    const uint8_t* line1 = first[1] + l * kLine;
    PrefetchAhead(line0);
    PrefetchAhead(line1);
    __m512 v0[4], v1[4];
    Fp8Line(line0, v0);
    Fp8Line(line1, v1);
#pragma GCC unroll 4
    for (size_t i = 0; i < 4; ++i) {
      sum0 = _mm512_fmadd_ps(_mm512_set1_ps(xs[0][4 * l + i]), v0[i], sum0);
      sum1 = _mm512_fmadd_ps(_mm512_set1_ps(xs1[4 * l + i]), v1[i], sum1);
    }
  }
  _mm512_store_ps(out, sum0);
  _mm512_store_ps(out + 16, sum1);
  return true;
}

}  // namespace inference
