#include "inference/model/model_presets.h"

#include <array>
#include <nlohmann/json.hpp>

namespace inference {
namespace {

using nlohmann::ordered_json;

constexpr std::array<std::string_view, 2> kPresetNames = {"tiny", "small"};

// The fields of the official DeepSeek-V4-Flash config.json that our presets keep as they are:
// numerics (eps, rope, YaRN, routing, swiglu clamp, quantisation) and the model-type markers
// other tools look at. The sizes are set per preset.
ordered_json FlashFields() {
  return ordered_json{
      {"architectures", {"DeepseekV4ForCausalLM"}},
      {"model_type", "deepseek_v4"},
      {"attention_bias", false},
      {"attention_dropout", 0.0},
      {"bos_token_id", 0},
      {"eos_token_id", 1},
      {"expert_dtype", "fp4"},
      {"hc_eps", 1e-06},
      {"hc_mult", 4},
      {"hc_sinkhorn_iters", 20},
      {"head_dim", 512},
      {"hidden_act", "silu"},
      {"index_head_dim", 128},
      {"initializer_range", 0.02},
      {"max_position_embeddings", 1048576},
      {"n_shared_experts", 1},
      {"norm_topk_prob", true},
      {"num_experts_per_tok", 6},
      {"num_hash_layers", 3},
      {"num_key_value_heads", 1},
      {"num_nextn_predict_layers", 1},
      {"qk_rope_head_dim", 64},
      {"quantization_config",
       {{"activation_scheme", "dynamic"},
        {"fmt", "e4m3"},
        {"quant_method", "fp8"},
        {"scale_fmt", "ue8m0"},
        {"weight_block_size", {128, 128}}}},
      {"rms_norm_eps", 1e-06},
      {"rope_scaling",
       {{"beta_fast", 32},
        {"beta_slow", 1},
        {"factor", 16},
        {"original_max_position_embeddings", 65536},
        {"type", "yarn"}}},
      {"rope_theta", 10000},
      {"routed_scaling_factor", 1.5},
      {"scoring_func", "sqrtsoftplus"},
      {"sliding_window", 128},
      {"swiglu_limit", 10.0},
      {"tie_word_embeddings", false},
      {"topk_method", "noaux_tc"},
      {"torch_dtype", "bfloat16"},
      {"use_cache", true},
      {"vocab_size", 129280},
      {"compress_rope_theta", 160000},
  };
}

// The widths of the golden v4-tiny model: every FP8 matrix spans at least two 128-blocks and
// the head size (512 = 448 nope + 64 rope) is the real one, so the KV layouts are Flash's.
void SetTinyWidths(ordered_json& c) {
  c["hidden_size"] = 256;
  c["num_attention_heads"] = 4;
  c["q_lora_rank"] = 256;
  c["o_groups"] = 2;
  c["o_lora_rank"] = 128;
  c["n_routed_experts"] = 16;
  c["moe_intermediate_size"] = 128;
  c["index_n_heads"] = 8;
  c["index_topk"] = 16;
}

// Flash's schedule for n_layers layers plus one MTP block: two window-only layers, then CSA (4)
// on even and HCA (128) on odd layers; the MTP block is window-only.
std::vector<int> FlashSchedule(int n_layers) {
  std::vector<int> ratios;
  for (int l = 0; l < n_layers; ++l) ratios.push_back(l < 2 ? 0 : (l % 2 == 0 ? 4 : 128));
  ratios.push_back(0);
  return ratios;
}

}  // namespace

std::span<const std::string_view> ModelPresetNames() { return kPresetNames; }

base::StatusOr<std::string> ModelPresetConfigJson(std::string_view name) {
  ordered_json c = FlashFields();
  SetTinyWidths(c);
  if (name == "tiny") {
    c["num_hidden_layers"] = 6;
    c["compress_ratios"] = FlashSchedule(6);
  } else if (name == "small") {
    c["num_hidden_layers"] = 43;
    c["n_routed_experts"] = 32;
    c["index_topk"] = 64;
    c["compress_ratios"] = FlashSchedule(43);
  } else {
    return base::InvalidArgument("unknown model preset '" + std::string(name) +
                                 "' (known: tiny, small)");
  }
  return c.dump(2) + "\n";
}

}  // namespace inference
