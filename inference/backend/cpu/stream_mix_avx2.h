// AVX2 forms of the mHC stream mixes (model/mhc.h), 8 columns at a time: the residual update
// (HcPost) and the weighted stream sum (HcPre), as stream_mix_avx512.h describes them. Each value's
// operations are the scalar ones in the same order, so the bits are the same.
// Requires AVX2 (the caller checks). Pure functions; thread-safe.
#pragma once

#include <cstddef>

namespace inference {

// x: hc streams of d floats (hc <= kMaxStreamMixStreamsAvx2); out: d floats; post: hc;
// comb: hc x hc; dst: hc streams of d, which may be x itself.
constexpr size_t kMaxStreamMixStreamsAvx2 = 16;
void StreamMixAvx2(size_t hc, size_t d, const float* out, const float* x, const float* post,
                   const float* comb, float* dst);

// y[c] = bf16(sum over j of weights[j] * x[j][c]) for c < d.
void StreamSumAvx2(size_t hc, size_t d, const float* weights, const float* x, float* y);

}  // namespace inference
