// Rotary position embedding of DeepSeek-V4: interleaved (GPT-J) pairs on the last
// rope_head_dim dims of a vector, with plain frequencies (base rope_theta) on window-only
// layers and YaRN-scaled ones (base compress_rope_theta, no magnitude scaling) on compressed
// layers, their compressors and indexers. Angles, cos/sin and the rotation are fp32; the
// result is rounded to bf16, as the reference writes it back into a bf16 tensor.
// Immutable after construction; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "inference/model/model_config.h"

namespace inference {

class Rope {
 public:
  // `compressed`: the layer has compress ratio > 0 (YaRN and compress_rope_theta).
  Rope(const ModelConfig& config, bool compressed);

  // Rotates x[0..rope_dim) (the rope part of one vector) by pos (or -pos when inverse).
  void Apply(float* x, int64_t pos, bool inverse = false) const;

  const std::vector<float>& inv_freq() const { return inv_freq_; }

 private:
  uint64_t id_;                  // tells Apply's per-thread cos/sin cache this rope from others
  std::vector<float> inv_freq_;  // rope_dim / 2 frequencies
};

}  // namespace inference
