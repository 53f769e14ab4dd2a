#include "inference/model/block.h"

#include <vector>

#include "inference/backend/cpu/rms_norm.h"
#include "inference/backend/cpu/weight_spans.h"
#include "inference/model/attention.h"
#include "inference/model/mhc.h"
#include "inference/model/moe.h"

namespace inference {

namespace {

// The first weights each sublayer reads after its mHC mixes (hinted during the mixes' loop):
// its norm (serial code), then its first loop's products in batch order.
WeightSpans AttentionFirstWeights(const BlockWeights& w) {
  WeightSpans spans;
  const AttentionWeights& a = w.attn;
  spans.Add(w.attn_norm.data(), w.attn_norm.size() * sizeof(float));
  a.wq_a.AddTo(spans);
  a.wkv.AddTo(spans);
  if (a.compressor) spans.Add(a.compressor->wkv).Add(a.compressor->wgate);
  if (a.indexer) {
    spans.Add(a.indexer->compressor.wkv).Add(a.indexer->compressor.wgate);
    spans.Add(a.indexer->weights_proj);
  }
  return spans;
}

WeightSpans MoeFirstWeights(const BlockWeights& w) {
  WeightSpans spans;
  spans.Add(w.ffn_norm.data(), w.ffn_norm.size() * sizeof(float)).Add(w.moe.gate);
  w.moe.shared.w1.AddTo(spans);
  w.moe.shared.w3.AddTo(spans);
  return spans;
}

// A sublayer's mixes (the first thing it reads).
WeightSpans MixWeights(const HcParams& hc) {
  WeightSpans spans;
  spans.Add(hc.fn.data(), hc.fn.size() * sizeof(float));
  return spans;
}

}  // namespace

void BlockForward(const ModelConfig& c, const BlockWeights& w, const Rope& rope, float* X,
                  const int32_t* tokens, size_t T, int64_t start_pos, LayerCache& cache,
                  bool shape_rounding, const ForwardTrace* trace, const std::string& prefix,
                  ThreadPool* pool, const BlockWeights* next) {
  const size_t d = static_cast<size_t>(c.dim);
  const size_t hc = static_cast<size_t>(c.hc_mult);
  const HcShape shape{hc, d, static_cast<size_t>(c.hc_sinkhorn_iters),
                      static_cast<float>(c.norm_eps), static_cast<float>(c.hc_eps)};
  const bool tracing = trace && *trace;
  std::vector<float> h(T * d), pre(T * hc), post(T * hc), comb(T * hc * hc), sub(T * d);
  const float eps = static_cast<float>(c.norm_eps);

  struct Sublayer {
    const char* name;
    const HcParams* hc;
    const std::vector<float>* norm;
  };
  const Sublayer sublayers[2] = {{"attn", &w.hc_attn, &w.attn_norm},
                                 {"ffn", &w.hc_ffn, &w.ffn_norm}};
  const WeightSpans ffn_mixes = MixWeights(w.hc_ffn);
  const WeightSpans next_mixes = next != nullptr ? MixWeights(next->hc_attn) : WeightSpans();
  for (const Sublayer& s : sublayers) {
    const bool attention = s.hc == &w.hc_attn;
    (attention ? AttentionFirstWeights(w) : MoeFirstWeights(w)).HintAfterNextLoop(pool);
    HcPre(shape, *s.hc, X, T, h.data(), post.data(), comb.data(), pre.data(), pool);
    if (tracing) {
      (*trace)(prefix + "hc_" + s.name + ".pre", pre.data(), pre.size());
      (*trace)(prefix + "hc_" + s.name + ".post", post.data(), post.size());
      (*trace)(prefix + "hc_" + s.name + ".comb", comb.data(), comb.size());
    }
    for (size_t t = 0; t < T; ++t) RmsNormBf16(&h[t * d], d, s.norm->data(), eps, &h[t * d]);
    if (attention) {
      AttentionForward(c, w.attn, rope, h.data(), T, start_pos, cache, sub.data(), shape_rounding,
                       trace, prefix, pool, &ffn_mixes);
    } else {
      MoeForward(c, w.moe, c.IsHashLayer(w.layer), h.data(), tokens, T, sub.data(), trace, prefix,
                 pool, &next_mixes);
    }
    if (tracing) (*trace)(prefix + s.name + "_out", sub.data(), sub.size());
    HcPost(shape, sub.data(), X, post.data(), comb.data(), T, X);
  }
  if (tracing) (*trace)(prefix + "out", X, T * hc * d);
}

}  // namespace inference
