// SequenceCache: everything one sequence keeps between forward calls, per layer (and for the
// MTP block): the 128-entry window ring of raw KV vectors, the compressed KV entries (CSA every
// 4 tokens, HCA every 128), the indexer keys (CSA), and each compressor's running state (the
// projections of the trailing, not yet complete block and, for overlapping CSA windows, of the
// previous block).
//
// Values are fp32 holding exactly the reference's bf16 values. A cache belongs to one sequence
// and is advanced only by DeepSeekV4Model::Forward / ForwardMtp. Thread-compatible.
#pragma once

#include <cstdint>
#include <vector>

#include "inference/model/model_config.h"

namespace inference {

// Running state of one compressor (m = ratio, W = coff * head_dim projection width).
struct CompressorState {
  std::vector<float> prev_kv, prev_score;  // [m, W]: the last complete block (overlap mode)
  std::vector<float> cur_kv, cur_score;    // [m, W]: the block being filled (slot = pos % m)

  void Reset(int64_t ratio, int64_t width);
};

struct LayerCache {
  int64_t head_dim = 0;
  std::vector<float> window;      // [window_size, head_dim], slot = position % window_size
  std::vector<float> compressed;  // [n_entries, head_dim], entry b covers block b
  std::vector<float> index_keys;  // [n_entries, index_head_dim] (CSA layers)
  CompressorState compressor, index_compressor;

  int64_t NumCompressed() const {
    return head_dim ? static_cast<int64_t>(compressed.size()) / head_dim : 0;
  }
};

class SequenceCache {
 public:
  explicit SequenceCache(const ModelConfig& config);
  SequenceCache(const SequenceCache&) = delete;
  SequenceCache& operator=(const SequenceCache&) = delete;

  // Tokens already processed by the main model (the next start position).
  int64_t length() const { return length_; }
  // Tokens already processed by the MTP block.
  int64_t mtp_length() const { return mtp_length_; }

  // Bytes held (for the engine's memory accounting).
  size_t MemoryBytes() const;

  LayerCache& layer(int64_t i) { return layers_[i]; }
  LayerCache& mtp_layer() { return mtp_; }
  void set_length(int64_t n) { length_ = n; }
  void set_mtp_length(int64_t n) { mtp_length_ = n; }

 private:
  std::vector<LayerCache> layers_;
  LayerCache mtp_;
  int64_t length_ = 0;
  int64_t mtp_length_ = 0;
};

}  // namespace inference
