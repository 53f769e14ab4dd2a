#include "inference/model/kv_cache.h"

#include <limits>

namespace inference {

void CompressorState::Reset(int64_t ratio, int64_t width) {
  const size_t n = static_cast<size_t>(ratio * width);
  // An empty previous block contributes value 0 with score -inf (weight 0), as in the reference.
  prev_kv.assign(n, 0.0f);
  prev_score.assign(n, -std::numeric_limits<float>::infinity());
  cur_kv.assign(n, 0.0f);
  cur_score.assign(n, -std::numeric_limits<float>::infinity());
}

namespace {

LayerCache MakeLayerCache(const ModelConfig& c, int64_t ratio) {
  LayerCache lc;
  lc.head_dim = c.head_dim;
  lc.window.assign(static_cast<size_t>(c.window_size * c.head_dim), 0.0f);
  if (ratio > 0) lc.compressor.Reset(ratio, (ratio == 4 ? 2 : 1) * c.head_dim);
  if (ratio == 4) lc.index_compressor.Reset(4, 2 * c.index_head_dim);
  return lc;
}

size_t Bytes(const CompressorState& s) {
  return (s.prev_kv.size() + s.prev_score.size() + s.cur_kv.size() + s.cur_score.size()) *
         sizeof(float);
}

}  // namespace

SequenceCache::SequenceCache(const ModelConfig& c) {
  for (int64_t l = 0; l < c.n_layers; ++l) layers_.push_back(MakeLayerCache(c, c.CompressRatio(l)));
  if (c.n_mtp_layers > 0) mtp_ = MakeLayerCache(c, c.CompressRatio(c.n_layers));
}

size_t SequenceCache::MemoryBytes() const {
  size_t total = 0;
  auto add = [&](const LayerCache& lc) {
    total += (lc.window.size() + lc.compressed.size() + lc.index_keys.size()) * sizeof(float);
    total += Bytes(lc.compressor) + Bytes(lc.index_compressor);
  };
  for (const auto& lc : layers_) add(lc);
  add(mtp_);
  return total;
}

}  // namespace inference
