#include "inference/model/model_weights.h"

#include <algorithm>
#include <cstring>
#include <initializer_list>

#include "inference/backend/cpu/cpu_simd.h"
#include "inference/backend/cpu/number_formats.h"

namespace inference {

void QuantLinear::Apply(const float* x, size_t M, float* y, ThreadPool* pool) const {
  if (is_fp4) {
    MatmulFp4(x, M, fp4, y, pool);
  } else {
    MatmulFp8(x, M, fp8, y, pool);
  }
}

void QuantLinear::AddTo(ProductBatch& batch, size_t activations, float* y) const {
  if (is_fp4) {
    batch.AddFp4(activations, fp4, y);
  } else {
    batch.AddFp8(activations, fp8, y);
  }
}

namespace {

// Reads validated tensors; every Get() here names a tensor the layout guarantees.
class Reader {
 public:
  Reader(const Checkpoint& ckpt, std::vector<AlignedBytes>& storage)
      : ckpt_(ckpt), storage_(storage) {}

  const TensorView& View(const std::string& name) const { return *ckpt_.Get(name); }

  std::vector<float> Floats(const std::string& name) const {
    const TensorView& v = View(name);
    std::vector<float> out(v.NumElements());
    for (size_t i = 0; i < out.size(); ++i) {
      out[i] = v.dtype == DType::kBF16 ? LoadBf16(v.data + 2 * i) : LoadF32(v.data + 4 * i);
    }
    return out;
  }

  // The interleaved copy of `plain` (kept in storage_), and `sources` (what it was copied
  // from, codes first) dropped from resident memory: the codes as their rows are copied, so a
  // large weight is never resident twice; `plain` itself where the layout does not take it.
  // Only where the AVX-512 or AVX2 kernels run (they decode a block's rows side by side, see
  // lane_decode_avx2.h); the baseline path decodes row by row, which the interleaved layout only
  // slows down (FLASHCODE_CPU_SIMD caps the path here too).
  template <typename Weight>
  Weight Interleaved(const Weight& plain, std::initializer_list<const TensorView*> sources) const {
    if (CpuSimd() == Simd::kBaseline) return plain;
    AlignedBytes bytes;
    const TensorView& codes = **sources.begin();
    const size_t row_bytes = codes.nbytes / std::max<size_t>(plain.out, 1);
    const Weight w = Interleave(plain, bytes, [&](size_t begin, size_t end) {
      EvictResident(codes, begin * row_bytes, (end - begin) * row_bytes);
    });
    if (w.interleaved) {
      storage_.push_back(std::move(bytes));
      for (const TensorView* v : sources) EvictResident(*v);
    }
    return w;
  }

  Fp8Weight Fp8(const std::string& name) const {
    const TensorView& w = View(name + ".weight");
    const Fp8Weight plain{w.data, View(name + ".scale").data, static_cast<size_t>(w.shape[0]),
                          static_cast<size_t>(w.shape[1])};
    return Interleaved(plain, {&w});
  }

  QuantLinear Linear(const std::string& name) const {
    QuantLinear l;
    const TensorView& w = View(name + ".weight");
    if (w.dtype == DType::kI8) {
      l.is_fp4 = true;
      const TensorView& scale = View(name + ".scale");
      const Fp4Weight plain{w.data, scale.data, static_cast<size_t>(w.shape[0]),
                            static_cast<size_t>(w.shape[1] * 2)};
      l.fp4 = Interleaved(plain, {&w, &scale});
    } else {
      l.fp8 = Fp8(name);
    }
    return l;
  }

  // A bf16 matrix as stored (the embedding: one row read per token).
  Bf16Weight Bf16Rows(const std::string& name) const {
    const TensorView& w = View(name);
    return {w.data, static_cast<size_t>(w.shape[0]), static_cast<size_t>(w.shape[1])};
  }

  // A bf16 matrix the products read.
  Bf16Weight Bf16(const std::string& name) const {
    return Interleaved(Bf16Rows(name), {&View(name)});
  }

  HcParams Hc(const std::string& prefix) const {
    HcParams p;
    p.fn_read = Floats(prefix + "_fn");
    p.fn = p.fn_read;
    p.base = Floats(prefix + "_base");
    p.scale = Floats(prefix + "_scale");
    return p;
  }

  CompressorWeights Compressor(const std::string& p, int64_t ratio, int64_t head_dim,
                               bool rotate) const {
    CompressorWeights c;
    c.ratio = ratio;
    c.head_dim = head_dim;
    c.overlap = ratio == 4;
    c.rotate = rotate;
    c.wkv = Bf16(p + "wkv.weight");
    c.wgate = Bf16(p + "wgate.weight");
    c.ape = Floats(p + "ape");
    c.norm = Floats(p + "norm.weight");
    return c;
  }

  base::StatusOr<BlockWeights> Block(const std::string& p, int64_t layer) const {
    const ModelConfig& c = ckpt_.config();
    BlockWeights b;
    b.layer = layer;
    b.attn_norm = Floats(p + "attn_norm.weight");
    b.ffn_norm = Floats(p + "ffn_norm.weight");
    b.hc_attn = Hc(p + "hc_attn");
    b.hc_ffn = Hc(p + "hc_ffn");
    AttentionWeights& a = b.attn;
    const std::string ap = p + "attn.";
    a.ratio = c.CompressRatio(layer);
    a.attn_sink = Floats(ap + "attn_sink");
    a.wq_a = Linear(ap + "wq_a");
    a.wq_b = Linear(ap + "wq_b");
    a.wkv = Linear(ap + "wkv");
    a.wo_b = Linear(ap + "wo_b");
    a.wo_a = Fp8(ap + "wo_a");
    a.q_norm = Floats(ap + "q_norm.weight");
    a.kv_norm = Floats(ap + "kv_norm.weight");
    if (a.ratio > 0) a.compressor = Compressor(ap + "compressor.", a.ratio, c.head_dim, false);
    if (a.ratio == 4) {
      IndexerWeights ix;
      ix.wq_b = Fp8(ap + "indexer.wq_b");
      ix.weights_proj = Bf16(ap + "indexer.weights_proj.weight");
      ix.compressor = Compressor(ap + "indexer.compressor.", 4, c.index_head_dim, true);
      a.indexer = std::move(ix);
    }
    MoeWeights& m = b.moe;
    const std::string fp = p + "ffn.";
    m.gate = Bf16(fp + "gate.weight");
    if (c.IsHashLayer(layer)) {
      const TensorView& t = View(fp + "gate.tid2eid");
      m.tid2eid.resize(t.NumElements());
      for (size_t i = 0; i < m.tid2eid.size(); ++i) {
        int64_t v;
        std::memcpy(&v, t.data + 8 * i, 8);
        if (v < 0 || v >= c.n_routed_experts) {
          return base::InvalidArgument(*t.file + ": tensor '" + fp + "gate.tid2eid': entry " +
                                       std::to_string(i) + " is " + std::to_string(v) +
                                       ", outside [0, " + std::to_string(c.n_routed_experts) + ")");
        }
        m.tid2eid[i] = static_cast<int32_t>(v);
      }
    } else {
      m.bias = Floats(fp + "gate.bias");
    }
    for (int64_t e = 0; e < c.n_routed_experts; ++e) {
      const std::string ep = fp + "experts." + std::to_string(e) + ".";
      m.experts.push_back({Linear(ep + "w1"), Linear(ep + "w2"), Linear(ep + "w3")});
    }
    m.shared = {Linear(fp + "shared_experts.w1"), Linear(fp + "shared_experts.w2"),
                Linear(fp + "shared_experts.w3")};
    return b;
  }

 private:
  const Checkpoint& ckpt_;
  std::vector<AlignedBytes>& storage_;
};

}  // namespace

namespace {

// Moves every HcParams' fn into one allocation (huge pages, see HcParams) owned by w.
void GatherMixWeights(ModelWeights& w) {
  std::vector<HcParams*> all = {&w.hc_head};
  for (BlockWeights& b : w.blocks) all.insert(all.end(), {&b.hc_attn, &b.hc_ffn});
  for (MtpWeights& m : w.mtp)
    all.insert(all.end(), {&m.block.hc_attn, &m.block.hc_ffn, &m.hc_head});
  size_t floats = 0;
  for (const HcParams* p : all) floats += p->fn_read.size();
  AlignedBytes arena(floats * sizeof(float));
  float* next = reinterpret_cast<float*>(arena.data());
  for (HcParams* p : all) {
    std::copy(p->fn_read.begin(), p->fn_read.end(), next);
    p->fn = std::span<const float>(next, p->fn_read.size());
    next += p->fn_read.size();
    std::vector<float>().swap(p->fn_read);
  }
  w.interleaved.push_back(std::move(arena));
}

}  // namespace

base::StatusOr<std::unique_ptr<ModelWeights>> ModelWeights::Build(const Checkpoint& ckpt) {
  const ModelConfig& c = ckpt.config();
  auto w = std::make_unique<ModelWeights>();
  Reader r(ckpt, w->interleaved);
  w->embed = r.Bf16Rows("embed.weight");
  w->head = r.Bf16("head.weight");
  w->norm = r.Floats("norm.weight");
  w->hc_head = r.Hc("hc_head");
  for (int64_t l = 0; l < c.n_layers; ++l) {
    FC_ASSIGN_OR_RETURN(BlockWeights b, r.Block("layers." + std::to_string(l) + ".", l));
    w->blocks.push_back(std::move(b));
  }
  for (int64_t i = 0; i < c.n_mtp_layers; ++i) {
    const std::string p = "mtp." + std::to_string(i) + ".";
    MtpWeights m;
    FC_ASSIGN_OR_RETURN(m.block, r.Block(p, c.n_layers + i));
    m.e_proj = r.Linear(p + "e_proj");
    m.h_proj = r.Linear(p + "h_proj");
    m.enorm = r.Floats(p + "enorm.weight");
    m.hnorm = r.Floats(p + "hnorm.weight");
    m.norm = r.Floats(p + "norm.weight");
    m.hc_head = r.Hc(p + "hc_head");
    w->mtp.push_back(std::move(m));
  }
  GatherMixWeights(*w);
  return w;
}

}  // namespace inference
