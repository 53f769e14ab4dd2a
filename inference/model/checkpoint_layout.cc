#include "inference/model/checkpoint_layout.h"

namespace inference {
namespace {

constexpr int64_t kFp8Block = 128;
constexpr int64_t kFp4Group = 32;

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Appends the tensors of one layer-like block under `prefix` ("layers.3." or "mtp.0.").
class LayoutBuilder {
 public:
  LayoutBuilder(const ModelConfig& c, std::vector<TensorSpec>* out) : c_(c), out_(out) {}

  void Add(const std::string& name, DType dtype, std::vector<int64_t> shape,
           TensorRole role = TensorRole::kWeight) {
    TensorSpec spec;
    spec.name = name;
    spec.dtype = dtype;
    spec.shape = std::move(shape);
    spec.role = role;
    spec.block = block_;
    spec.routed_expert = expert_;
    out_->push_back(std::move(spec));
  }

  // FP8 linear [out, in] plus its 128x128 e8m0 scales.
  void Fp8(const std::string& name, int64_t out, int64_t in) {
    Add(name + ".weight", DType::kF8E4M3, {out, in}, TensorRole::kFp8Weight);
    Add(name + ".scale", DType::kF8E8M0, {CeilDiv(out, kFp8Block), CeilDiv(in, kFp8Block)},
        TensorRole::kScale);
  }

  // Routed-expert linear: packed MXFP4 or FP8 depending on expert_dtype.
  void Expert(const std::string& name, int64_t out, int64_t in) {
    if (!c_.expert_fp4) return Fp8(name, out, in);
    Add(name + ".weight", DType::kI8, {out, in / 2}, TensorRole::kFp4Weight);
    Add(name + ".scale", DType::kF8E8M0, {out, in / kFp4Group}, TensorRole::kScale);
  }

  void Block(const std::string& p, int64_t layer) {
    block_ = layer;
    const int64_t d = c_.dim, hd = c_.head_dim, H = c_.n_heads, hc = c_.hc_mult;
    const int64_t mix = (2 + hc) * hc;
    Add(p + "attn_norm.weight", DType::kBF16, {d});
    Add(p + "ffn_norm.weight", DType::kBF16, {d});
    for (const char* which : {"attn", "ffn"}) {
      Add(p + "hc_" + which + "_fn", DType::kF32, {mix, hc * d});
      Add(p + "hc_" + which + "_base", DType::kF32, {mix});
      Add(p + "hc_" + which + "_scale", DType::kF32, {3});
    }
    const std::string a = p + "attn.";
    Add(a + "attn_sink", DType::kF32, {H});
    Fp8(a + "wq_a", c_.q_lora_rank, d);
    Add(a + "q_norm.weight", DType::kBF16, {c_.q_lora_rank});
    Fp8(a + "wq_b", H * hd, c_.q_lora_rank);
    Fp8(a + "wkv", hd, d);
    Add(a + "kv_norm.weight", DType::kBF16, {hd});
    Fp8(a + "wo_a", c_.o_groups * c_.o_lora_rank, H * hd / c_.o_groups);
    Fp8(a + "wo_b", d, c_.o_groups * c_.o_lora_rank);
    const int64_t ratio = c_.CompressRatio(layer);
    if (ratio > 0) {
      const int64_t coff = ratio == 4 ? 2 : 1;
      Add(a + "compressor.wkv.weight", DType::kBF16, {coff * hd, d});
      Add(a + "compressor.wgate.weight", DType::kBF16, {coff * hd, d});
      Add(a + "compressor.ape", DType::kF32, {ratio, coff * hd});
      Add(a + "compressor.norm.weight", DType::kBF16, {hd});
    }
    if (ratio == 4) {
      const int64_t ihd = c_.index_head_dim;
      Fp8(a + "indexer.wq_b", c_.index_n_heads * ihd, c_.q_lora_rank);
      Add(a + "indexer.weights_proj.weight", DType::kBF16, {c_.index_n_heads, d});
      Add(a + "indexer.compressor.wkv.weight", DType::kBF16, {2 * ihd, d});
      Add(a + "indexer.compressor.wgate.weight", DType::kBF16, {2 * ihd, d});
      Add(a + "indexer.compressor.ape", DType::kF32, {4, 2 * ihd});
      Add(a + "indexer.compressor.norm.weight", DType::kBF16, {ihd});
    }
    const std::string f = p + "ffn.";
    const int64_t E = c_.n_routed_experts, inter = c_.moe_inter_dim;
    Add(f + "gate.weight", DType::kBF16, {E, d});
    if (c_.IsHashLayer(layer)) {
      Add(f + "gate.tid2eid", DType::kI64, {c_.vocab_size, c_.n_activated_experts},
          TensorRole::kTable);
    } else {
      Add(f + "gate.bias", DType::kF32, {E});
    }
    for (int64_t e = 0; e < E; ++e) {
      expert_ = e;
      const std::string x = f + "experts." + std::to_string(e) + ".";
      Expert(x + "w1", inter, d);
      Expert(x + "w2", d, inter);
      Expert(x + "w3", inter, d);
    }
    expert_ = -1;
    Fp8(f + "shared_experts.w1", inter, d);
    Fp8(f + "shared_experts.w2", d, inter);
    Fp8(f + "shared_experts.w3", inter, d);
  }

  void HcHead(const std::string& p) {
    const int64_t hc = c_.hc_mult;
    Add(p + "hc_head_fn", DType::kF32, {hc, hc * c_.dim});
    Add(p + "hc_head_base", DType::kF32, {hc});
    Add(p + "hc_head_scale", DType::kF32, {1});
  }

  void Mtp(int64_t i) {
    const std::string p = "mtp." + std::to_string(i) + ".";
    Block(p, c_.n_layers + i);
    Fp8(p + "e_proj", c_.dim, c_.dim);
    Fp8(p + "h_proj", c_.dim, c_.dim);
    Add(p + "enorm.weight", DType::kBF16, {c_.dim});
    Add(p + "hnorm.weight", DType::kBF16, {c_.dim});
    Add(p + "norm.weight", DType::kBF16, {c_.dim});
    HcHead(p);
    Add(p + "emb.tok_emb.weight", DType::kBF16, {c_.vocab_size, c_.dim});
    out_->back().optional = true;
    Add(p + "head.weight", DType::kBF16, {c_.vocab_size, c_.dim});
    out_->back().optional = true;
  }

  void Globals() {
    block_ = -1;
    Add("embed.weight", DType::kBF16, {c_.vocab_size, c_.dim});
    Add("head.weight", DType::kBF16, {c_.vocab_size, c_.dim});
    Add("norm.weight", DType::kBF16, {c_.dim});
    HcHead("");
  }

 private:
  const ModelConfig& c_;
  std::vector<TensorSpec>* out_;
  int64_t block_ = -1;
  int64_t expert_ = -1;
};

}  // namespace

std::string_view DTypeName(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return "F32";
    case DType::kBF16:
      return "BF16";
    case DType::kF8E4M3:
      return "F8_E4M3";
    case DType::kF8E8M0:
      return "F8_E8M0";
    case DType::kI8:
      return "I8";
    case DType::kI32:
      return "I32";
    case DType::kI64:
      return "I64";
  }
  return "?";
}

base::StatusOr<DType> ParseDType(std::string_view name) {
  for (DType d : {DType::kF32, DType::kBF16, DType::kF8E4M3, DType::kF8E8M0, DType::kI8,
                  DType::kI32, DType::kI64}) {
    if (DTypeName(d) == name) return d;
  }
  return base::InvalidArgument("unsupported dtype '" + std::string(name) + "'");
}

size_t DTypeSize(DType dtype) {
  switch (dtype) {
    case DType::kF32:
    case DType::kI32:
      return 4;
    case DType::kBF16:
      return 2;
    case DType::kF8E4M3:
    case DType::kF8E8M0:
    case DType::kI8:
      return 1;
    case DType::kI64:
      return 8;
  }
  return 1;
}

int64_t TensorSpec::NumElements() const {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

std::string TensorSpec::Describe() const {
  std::string s(DTypeName(dtype));
  s += " [";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::vector<TensorSpec> ExpectedTensors(const ModelConfig& config) {
  std::vector<TensorSpec> specs;
  LayoutBuilder builder(config, &specs);
  builder.Globals();
  for (int64_t l = 0; l < config.n_layers; ++l)
    builder.Block("layers." + std::to_string(l) + ".", l);
  for (int64_t i = 0; i < config.n_mtp_layers; ++i) builder.Mtp(i);
  return specs;
}

ParameterCount CountParameters(const ModelConfig& config) {
  ParameterCount count;
  for (const TensorSpec& spec : ExpectedTensors(config)) {
    if (spec.role == TensorRole::kScale || spec.role == TensorRole::kTable || spec.optional)
      continue;
    const int64_t n = spec.NumElements() * (spec.role == TensorRole::kFp4Weight ? 2 : 1);
    if (spec.block >= config.n_layers) {
      count.mtp += n;
      continue;
    }
    count.total += n;
    if (spec.name == "embed.weight" || spec.name == "head.weight") count.embedding += n;
    // Per token only num_experts_per_tok of the routed experts run, and the embedding table is
    // a lookup rather than compute (the convention behind the published 13B / 49B).
    if (spec.name == "embed.weight") continue;
    if (spec.routed_expert < 0) {
      count.active += n;
    } else if (spec.routed_expert < config.n_activated_experts) {
      count.active += n;
    }
  }
  return count;
}

}  // namespace inference
