// AVX-512 forms of the mHC stream mixes (model/mhc.h). The residual update (HcPost): for each of
// the hc output streams k and column c, bf16(post[k] * out[c] + sum over j of comb[j * hc + k] *
// x[j][c]), 16 columns at a time. Each value's operations are the scalar ones in the same order
// (the sum over j from zero, every product and sum rounded separately), so the bits are the same. A
// decode step runs it twice a layer on one thread, between the parallel loops.
// Requires AVX-512F (the caller checks). Pure function; thread-safe.
#pragma once

#include <cstddef>

namespace inference {

// x: hc streams of d floats (hc <= kMaxStreamMixStreams); out: d floats; post: hc; comb: hc x hc;
// dst: hc streams of d, which may be x itself.
constexpr size_t kMaxStreamMixStreams = 16;
void StreamMixAvx512(size_t hc, size_t d, const float* out, const float* x, const float* post,
                     const float* comb, float* dst);

// y[c] = bf16(sum over j of weights[j] * x[j][c]) for c < d (mHC's HcPre), the same way.
void StreamSumAvx512(size_t hc, size_t d, const float* weights, const float* x, float* y);

}  // namespace inference
