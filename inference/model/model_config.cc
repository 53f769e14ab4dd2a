#include "inference/model/model_config.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace inference {
namespace {

using nlohmann::json;

base::Status ReadInt(const json& j, const char* key, int64_t* out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) {
    return base::InvalidArgument(std::string("config.json: missing integer field '") + key + "'");
  }
  *out = it->get<int64_t>();
  return base::Status::Ok();
}

base::Status ReadDouble(const json& j, const char* key, double* out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) {
    return base::InvalidArgument(std::string("config.json: missing number field '") + key + "'");
  }
  *out = it->get<double>();
  return base::Status::Ok();
}

base::Status Check(bool ok, const std::string& what) {
  return ok ? base::Status::Ok() : base::InvalidArgument("config.json: " + what);
}

base::Status Validate(const ModelConfig& c) {
  FC_RETURN_IF_ERROR(
      Check(c.dim > 0 && c.dim % 128 == 0, "hidden_size must be a positive multiple of 128"));
  FC_RETURN_IF_ERROR(Check(c.n_layers > 0, "num_hidden_layers must be positive"));
  FC_RETURN_IF_ERROR(Check(c.vocab_size > 0, "vocab_size must be positive"));
  FC_RETURN_IF_ERROR(
      Check(c.head_dim > c.rope_head_dim && c.rope_head_dim > 0 && c.rope_head_dim % 2 == 0,
            "head_dim must exceed an even qk_rope_head_dim"));
  FC_RETURN_IF_ERROR(
      Check((c.head_dim - c.rope_head_dim) % 64 == 0, "nope dims must be a multiple of 64"));
  FC_RETURN_IF_ERROR(Check(c.n_heads > 0 && c.o_groups > 0 && c.n_heads % c.o_groups == 0,
                           "num_attention_heads must be a multiple of o_groups"));
  FC_RETURN_IF_ERROR(Check(c.q_lora_rank % 128 == 0 && c.q_lora_rank > 0,
                           "q_lora_rank must be a multiple of 128"));
  FC_RETURN_IF_ERROR(Check(c.moe_inter_dim % 128 == 0 && c.moe_inter_dim > 0,
                           "moe_intermediate_size must be a multiple of 128"));
  FC_RETURN_IF_ERROR(Check(c.o_lora_rank > 0, "o_lora_rank must be positive"));
  FC_RETURN_IF_ERROR(Check(c.n_activated_experts > 0 && c.n_activated_experts <= c.n_routed_experts,
                           "num_experts_per_tok must be in [1, n_routed_experts]"));
  FC_RETURN_IF_ERROR(Check(c.n_shared_experts == 1, "n_shared_experts must be 1"));
  FC_RETURN_IF_ERROR(Check(c.hc_mult > 0 && c.hc_sinkhorn_iters > 0,
                           "hc_mult and hc_sinkhorn_iters must be positive"));
  FC_RETURN_IF_ERROR(Check(c.window_size > 0, "sliding_window must be positive"));
  FC_RETURN_IF_ERROR(Check(c.index_head_dim > 0 &&
                               (c.index_head_dim & (c.index_head_dim - 1)) == 0 &&
                               c.index_head_dim % 32 == 0 && c.index_head_dim > c.rope_head_dim,
                           "index_head_dim must be a power of two >= 32 above qk_rope_head_dim"));
  FC_RETURN_IF_ERROR(Check(c.index_n_heads > 0 && c.index_topk > 0,
                           "index_n_heads and index_topk must be positive"));
  FC_RETURN_IF_ERROR(
      Check(static_cast<int64_t>(c.compress_ratios.size()) == c.n_layers + c.n_mtp_layers,
            "compress_ratios must have num_hidden_layers + num_nextn_predict_layers entries"));
  for (int64_t r : c.compress_ratios) {
    // The compressor pools at most 2 * 128 slots per channel (overlap only for ratio 4).
    FC_RETURN_IF_ERROR(Check(r >= 0 && r <= 128, "compress_ratios must be in [0, 128]"));
  }
  return base::Status::Ok();
}

}  // namespace

base::StatusOr<ModelConfig> ParseModelConfig(std::string_view json_text) {
  json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return base::InvalidArgument("config.json: not a JSON object");
  ModelConfig c;
  FC_RETURN_IF_ERROR(ReadInt(j, "vocab_size", &c.vocab_size));
  FC_RETURN_IF_ERROR(ReadInt(j, "hidden_size", &c.dim));
  FC_RETURN_IF_ERROR(ReadInt(j, "num_hidden_layers", &c.n_layers));
  FC_RETURN_IF_ERROR(ReadInt(j, "num_nextn_predict_layers", &c.n_mtp_layers));
  FC_RETURN_IF_ERROR(ReadInt(j, "num_hash_layers", &c.n_hash_layers));
  FC_RETURN_IF_ERROR(ReadInt(j, "num_attention_heads", &c.n_heads));
  FC_RETURN_IF_ERROR(ReadInt(j, "head_dim", &c.head_dim));
  FC_RETURN_IF_ERROR(ReadInt(j, "qk_rope_head_dim", &c.rope_head_dim));
  FC_RETURN_IF_ERROR(ReadInt(j, "q_lora_rank", &c.q_lora_rank));
  FC_RETURN_IF_ERROR(ReadInt(j, "o_groups", &c.o_groups));
  FC_RETURN_IF_ERROR(ReadInt(j, "o_lora_rank", &c.o_lora_rank));
  FC_RETURN_IF_ERROR(ReadInt(j, "n_routed_experts", &c.n_routed_experts));
  FC_RETURN_IF_ERROR(ReadInt(j, "n_shared_experts", &c.n_shared_experts));
  FC_RETURN_IF_ERROR(ReadInt(j, "num_experts_per_tok", &c.n_activated_experts));
  FC_RETURN_IF_ERROR(ReadInt(j, "moe_intermediate_size", &c.moe_inter_dim));
  FC_RETURN_IF_ERROR(ReadDouble(j, "routed_scaling_factor", &c.route_scale));
  FC_RETURN_IF_ERROR(ReadDouble(j, "swiglu_limit", &c.swiglu_limit));
  FC_RETURN_IF_ERROR(ReadInt(j, "sliding_window", &c.window_size));
  FC_RETURN_IF_ERROR(ReadInt(j, "index_n_heads", &c.index_n_heads));
  FC_RETURN_IF_ERROR(ReadInt(j, "index_head_dim", &c.index_head_dim));
  FC_RETURN_IF_ERROR(ReadInt(j, "index_topk", &c.index_topk));
  FC_RETURN_IF_ERROR(ReadInt(j, "hc_mult", &c.hc_mult));
  FC_RETURN_IF_ERROR(ReadInt(j, "hc_sinkhorn_iters", &c.hc_sinkhorn_iters));
  FC_RETURN_IF_ERROR(ReadDouble(j, "hc_eps", &c.hc_eps));
  FC_RETURN_IF_ERROR(ReadDouble(j, "rms_norm_eps", &c.norm_eps));
  FC_RETURN_IF_ERROR(ReadDouble(j, "rope_theta", &c.rope_theta));
  FC_RETURN_IF_ERROR(ReadDouble(j, "compress_rope_theta", &c.compress_rope_theta));
  FC_RETURN_IF_ERROR(ReadInt(j, "max_position_embeddings", &c.max_position_embeddings));
  auto scaling = j.find("rope_scaling");
  if (scaling != j.end() && scaling->is_object()) {
    FC_RETURN_IF_ERROR(ReadDouble(*scaling, "factor", &c.rope_factor));
    FC_RETURN_IF_ERROR(ReadInt(*scaling, "original_max_position_embeddings", &c.original_seq_len));
    FC_RETURN_IF_ERROR(ReadDouble(*scaling, "beta_fast", &c.beta_fast));
    FC_RETURN_IF_ERROR(ReadDouble(*scaling, "beta_slow", &c.beta_slow));
  }
  auto expert_dtype = j.find("expert_dtype");
  c.expert_fp4 = expert_dtype != j.end() && expert_dtype->is_string() && *expert_dtype == "fp4";
  auto scoring = j.find("scoring_func");
  if (scoring != j.end() && (!scoring->is_string() || *scoring != "sqrtsoftplus")) {
    return base::InvalidArgument("config.json: scoring_func must be 'sqrtsoftplus'");
  }
  auto ratios = j.find("compress_ratios");
  if (ratios == j.end() || !ratios->is_array()) {
    return base::InvalidArgument("config.json: missing array field 'compress_ratios'");
  }
  for (const auto& r : *ratios) {
    if (!r.is_number_integer())
      return base::InvalidArgument("config.json: compress_ratios must be integers");
    c.compress_ratios.push_back(r.get<int64_t>());
  }
  FC_RETURN_IF_ERROR(Validate(c));
  return c;
}

base::StatusOr<ModelConfig> LoadModelConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return base::NotFound("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  auto config = ParseModelConfig(text.str());
  if (!config.ok()) return config.status().WithContext(path);
  return config;
}

}  // namespace inference
