#include "inference/model/block.h"

#include <vector>

#include "inference/backend/cpu/rms_norm.h"
#include "inference/model/attention.h"
#include "inference/model/mhc.h"
#include "inference/model/moe.h"

namespace inference {

void BlockForward(const ModelConfig& c, const BlockWeights& w, const Rope& rope, float* X,
                  const int32_t* tokens, size_t T, int64_t start_pos, LayerCache& cache,
                  bool shape_rounding, const ForwardTrace* trace, const std::string& prefix,
                  ThreadPool* pool) {
  const size_t d = static_cast<size_t>(c.dim);
  const size_t hc = static_cast<size_t>(c.hc_mult);
  const HcShape shape{hc, d, static_cast<size_t>(c.hc_sinkhorn_iters),
                      static_cast<float>(c.norm_eps), static_cast<float>(c.hc_eps)};
  const bool tracing = trace && *trace;
  std::vector<float> h(T * d), pre(T * hc), post(T * hc), comb(T * hc * hc), sub(T * d),
      X_new(T * hc * d);
  const float eps = static_cast<float>(c.norm_eps);

  struct Sublayer {
    const char* name;
    const HcParams* hc;
    const std::vector<float>* norm;
  };
  const Sublayer sublayers[2] = {{"attn", &w.hc_attn, &w.attn_norm},
                                 {"ffn", &w.hc_ffn, &w.ffn_norm}};
  for (const Sublayer& s : sublayers) {
    HcPre(shape, *s.hc, X, T, h.data(), post.data(), comb.data(), pre.data(), pool);
    if (tracing) {
      (*trace)(prefix + "hc_" + s.name + ".pre", pre.data(), pre.size());
      (*trace)(prefix + "hc_" + s.name + ".post", post.data(), post.size());
      (*trace)(prefix + "hc_" + s.name + ".comb", comb.data(), comb.size());
    }
    for (size_t t = 0; t < T; ++t) RmsNormBf16(&h[t * d], d, s.norm->data(), eps, &h[t * d]);
    if (s.hc == &w.hc_attn) {
      AttentionForward(c, w.attn, rope, h.data(), T, start_pos, cache, sub.data(), shape_rounding,
                       trace, prefix, pool);
    } else {
      MoeForward(c, w.moe, c.IsHashLayer(w.layer), h.data(), tokens, T, sub.data(), trace, prefix,
                 pool);
    }
    if (tracing) (*trace)(prefix + s.name + "_out", sub.data(), sub.size());
    HcPost(shape, sub.data(), X, post.data(), comb.data(), T, X_new.data());
    std::copy(X_new.begin(), X_new.end(), X);
  }
  if (tracing) (*trace)(prefix + "out", X, T * hc * d);
}

}  // namespace inference
