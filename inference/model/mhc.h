// mHC (manifold-constrained hyper-connections): DeepSeek-V4's residual path. Each token keeps
// hc_mult residual streams; before a sublayer they are mixed down to one input (hc_pre), after
// it the output and the old streams are mixed into new streams (hc_post) with a per-token
// doubly-stochastic matrix from Sinkhorn iterations. hc_head reads the final streams out.
// Math in fp32, streams and sublayer inputs rounded to bf16 (v4-architecture.md §4).
// Pure functions; thread-safe.
#pragma once

#include <cstddef>

#include "inference/model/model_weights.h"

namespace inference {

class ThreadPool;

struct HcShape {
  size_t hc = 4;   // hc_mult
  size_t dim = 0;  // hidden size
  size_t sinkhorn_iters = 20;
  float norm_eps = 1e-6f;  // RMS of the flattened streams
  float hc_eps = 1e-6f;
};

// For T tokens: X [T, hc, dim] -> y [T, dim] (bf16), post [T, hc], comb [T, hc, hc], and
// optionally the stream weights pre [T, hc]
// (comb[t, j, k] multiplies old stream j into new stream k).
void HcPre(const HcShape& s, const HcParams& p, const float* X, size_t T, float* y, float* post,
           float* comb, float* pre_out = nullptr, ThreadPool* pool = nullptr);

// X_new[t, k] = bf16(post[t, k] * out[t] + sum_j comb[t, j, k] * X[t, j]); X_new may be X.
void HcPost(const HcShape& s, const float* out, const float* X, const float* post,
            const float* comb, size_t T, float* X_new);

// Final read-out: y[t] = bf16(sum_j (sigmoid(mix_j * scale + base_j) + hc_eps) * X[t, j]).
void HcHead(const HcShape& s, const HcParams& p, const float* X, size_t T, float* y);

}  // namespace inference
