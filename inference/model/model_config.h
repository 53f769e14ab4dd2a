// ModelConfig: the DeepSeek-V4 hyper-parameters, read from a Hugging Face `config.json`
// (field names as in the official DeepSeek-V4-Flash / -Pro configs). The tensors a config
// implies, and its parameter count, are in checkpoint_layout.h.
//
// Everything about the architecture that varies between Flash, Pro and our tiny test model is
// in here; layers read it and never hard-code sizes. Plain value type; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace inference {

struct ModelConfig {
  int64_t vocab_size = 0;
  int64_t dim = 0;            // hidden_size
  int64_t n_layers = 0;       // num_hidden_layers (MTP block excluded)
  int64_t n_mtp_layers = 0;   // num_nextn_predict_layers
  int64_t n_hash_layers = 0;  // layers [0, n_hash_layers) route experts by token id
  int64_t n_heads = 0;        // num_attention_heads
  int64_t head_dim = 0;       // 512: K = V, last rope_head_dim dims carry RoPE
  int64_t rope_head_dim = 0;  // qk_rope_head_dim
  int64_t q_lora_rank = 0;
  int64_t o_groups = 0;
  int64_t o_lora_rank = 0;
  int64_t n_routed_experts = 0;
  int64_t n_shared_experts = 0;
  int64_t n_activated_experts = 0;  // num_experts_per_tok
  int64_t moe_inter_dim = 0;        // moe_intermediate_size
  double route_scale = 1.0;         // routed_scaling_factor
  double swiglu_limit = 0.0;
  int64_t window_size = 0;  // sliding_window
  int64_t index_n_heads = 0;
  int64_t index_head_dim = 0;
  int64_t index_topk = 0;
  int64_t hc_mult = 0;
  int64_t hc_sinkhorn_iters = 0;
  double hc_eps = 1e-6;
  double norm_eps = 1e-6;               // rms_norm_eps
  double rope_theta = 10000;            // window-only layers (no YaRN)
  double compress_rope_theta = 160000;  // compressed layers (with YaRN)
  double rope_factor = 1;               // rope_scaling.factor
  int64_t original_seq_len = 0;         // rope_scaling.original_max_position_embeddings
  double beta_fast = 32;
  double beta_slow = 1;
  int64_t max_position_embeddings = 0;
  bool expert_fp4 = true;  // expert_dtype == "fp4" (else FP8 experts)
  // One entry per layer plus one per MTP block: 0 window only, 4 CSA, other > 0 HCA.
  std::vector<int64_t> compress_ratios;

  // Ratio of layer l (l >= n_layers addresses the MTP blocks).
  int64_t CompressRatio(int64_t layer) const { return compress_ratios[layer]; }
  bool IsHashLayer(int64_t layer) const { return layer < n_hash_layers; }
};

// Parses the text of a Hugging Face config.json. Missing or inconsistent fields give
// InvalidArgument naming the field (e.g. head_dim not divisible, compress_ratios length).
base::StatusOr<ModelConfig> ParseModelConfig(std::string_view json_text);

// Reads and parses `path` (NotFound when it cannot be read).
base::StatusOr<ModelConfig> LoadModelConfig(const std::string& path);

}  // namespace inference
