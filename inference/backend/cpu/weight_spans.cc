#include "inference/backend/cpu/weight_spans.h"

namespace inference {

WeightSpans& WeightSpans::Add(const void* data, size_t bytes) {
  if (data != nullptr && bytes > 0 && n_ < ThreadPool::kMaxHints) spans_[n_++] = {data, bytes};
  return *this;
}

WeightSpans& WeightSpans::Add(const Fp8Weight& w) {
  const size_t scale_rows = (w.out + 127) / 128, scale_cols = (w.in + 127) / 128;
  return Add(w.data, w.out * w.in).Add(w.scale, scale_rows * scale_cols);
}

WeightSpans& WeightSpans::Add(const Fp4Weight& w) {
  return Add(w.data, w.out * (w.in / 2)).Add(w.scale, w.out * (w.in / 32));
}

WeightSpans& WeightSpans::Add(const Bf16Weight& w) { return Add(w.data, w.out * w.in * 2); }

void WeightSpans::HintAfterNextLoop(ThreadPool* pool) const {
  if (pool != nullptr) pool->PrefetchAfterNextLoop(spans_, n_);
}

}  // namespace inference
