// ModelWeights: typed views of every tensor of a validated Checkpoint, grouped the way the
// forward pass uses them (globals, one BlockWeights per layer, the MTP block).
//
// Large matrices stay in their stored precision (FP8, MXFP4, bf16). On AVX-512 CPUs, those the
// matrix products read are copied once into the interleaved layout the decode kernels stream
// (backend/cpu/interleaved_weight.h), and the checkpoint's pages they came from are dropped from
// resident memory, so the process still holds about one copy of the weights; the embedding
// (read one row per token) and the FP8 scales stay views of the checkpoint's mapping. Small
// vectors (norm weights, biases, sinks, mHC parameters, the hash table) are copied into fp32/int
// vectors, which is exact. Borrows the Checkpoint, which must outlive it. Immutable after Build;
// thread-safe for concurrent reads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "inference/backend/cpu/interleaved_weight.h"
#include "inference/backend/cpu/matmul.h"
#include "inference/backend/cpu/product_batch.h"
#include "inference/backend/cpu/weight_spans.h"
#include "inference/model/checkpoint.h"

namespace inference {

// A linear layer whose weight is FP8 (128x128 scales) or MXFP4 (routed experts).
struct QuantLinear {
  bool is_fp4 = false;
  Fp8Weight fp8;
  Fp4Weight fp4;
  size_t out() const { return is_fp4 ? fp4.out : fp8.out; }
  // y[M, out] = bf16(quantised product of x[M, in]); output rows split across `pool` if given.
  void Apply(const float* x, size_t M, float* y, ThreadPool* pool = nullptr) const;
  // The same product as one of a batch's (product_batch.h), on its registered activations.
  void AddTo(ProductBatch& batch, size_t activations, float* y) const;
  // Its bytes, for a prefetch hint.
  void AddTo(WeightSpans& spans) const {
    if (is_fp4) {
      spans.Add(fp4);
    } else {
      spans.Add(fp8);
    }
  }
};

struct HcParams {
  // [mix, hc * dim]. ModelWeights::Build gathers every sublayer's into one allocation on huge
  // pages: the mixes read these fp32 rows at every step, 24 rows of 16 KiB side by side, and on
  // 4 KiB pages the TLB misses showed (one thread, cold: 40 -> 31 us per mix; a 2-thread decode
  // step's mix loop 20-22 -> 18.4-20 us).
  std::span<const float> fn;
  std::vector<float> base;     // [mix]
  std::vector<float> scale;    // [3] (or [1] for the head)
  std::vector<float> fn_read;  // fn as read, until Build gathers it
};

struct CompressorWeights {
  int64_t ratio = 0;
  int64_t head_dim = 0;
  bool overlap = false;  // ratio 4: overlapping windows, projections are 2 * head_dim wide
  bool rotate = false;   // indexer keys: Hadamard + FP4 instead of FP8 on the nope dims
  Bf16Weight wkv, wgate;
  std::vector<float> ape;   // [ratio, coff * head_dim]
  std::vector<float> norm;  // [head_dim]
};

struct IndexerWeights {
  Fp8Weight wq_b;
  Bf16Weight weights_proj;
  CompressorWeights compressor;
};

struct AttentionWeights {
  int64_t ratio = 0;
  std::vector<float> attn_sink;
  QuantLinear wq_a, wq_b, wkv, wo_b;
  Fp8Weight wo_a;  // run as a bf16 product of the exactly dequantised weight, as the reference
  std::vector<float> q_norm, kv_norm;
  std::optional<CompressorWeights> compressor;
  std::optional<IndexerWeights> indexer;
};

struct ExpertWeights {
  QuantLinear w1, w2, w3;
};

struct MoeWeights {
  Bf16Weight gate;
  std::vector<float> bias;       // score-routed layers
  std::vector<int32_t> tid2eid;  // hash layers: [vocab, n_activated]
  std::vector<ExpertWeights> experts;
  ExpertWeights shared;
};

struct BlockWeights {
  int64_t layer = 0;
  std::vector<float> attn_norm, ffn_norm;
  HcParams hc_attn, hc_ffn;
  AttentionWeights attn;
  MoeWeights moe;
};

struct MtpWeights {
  BlockWeights block;
  QuantLinear e_proj, h_proj;
  std::vector<float> enorm, hnorm, norm;
  HcParams hc_head;
};

struct ModelWeights {
  Bf16Weight embed, head;
  std::vector<float> norm;
  HcParams hc_head;
  std::vector<BlockWeights> blocks;
  std::vector<MtpWeights> mtp;
  std::vector<AlignedBytes> interleaved;  // the interleaved copies and the mixes' weights

  // Builds the views. InvalidArgument when a table holds out-of-range values (tid2eid).
  static base::StatusOr<std::unique_ptr<ModelWeights>> Build(const Checkpoint& ckpt);
};

}  // namespace inference
