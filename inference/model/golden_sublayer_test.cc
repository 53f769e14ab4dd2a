// Sublayer isolation against the golden trace: the MoE sublayer of each layer is fed the
// residual state rebuilt from stored tensors (stored layer input, stored attention output and
// stored mHC coefficients), so a mismatch is attributed to the MoE itself.
#include <doctest/doctest.h>

#include <cstdio>

#include "inference/backend/cpu/rms_norm.h"
#include "inference/backend/cpu/sparse_attention.h"
#include "inference/model/checkpoint.h"
#include "inference/model/golden_test_support.h"
#include "inference/model/mhc.h"
#include "inference/model/model_weights.h"
#include "inference/model/moe.h"
#include "inference/model/rope.h"

namespace inference {

TEST_CASE("each MoE sublayer reproduces the stored output from stored inputs") {
  auto ckpt = Checkpoint::Open(golden::TinyDir());
  REQUIRE(ckpt.ok());
  auto weights = ModelWeights::Build(**ckpt);
  REQUIRE(weights.ok());
  const ModelConfig& c = (*ckpt)->config();
  auto trace = golden::OpenCase("case1_prefill_trace.safetensors");
  auto case1 = golden::OpenCase("case1_prefill_decode.safetensors");
  const std::vector<int32_t> tokens = golden::Ints(*case1, "prompt_tokens");
  const size_t T = tokens.size(), hc = c.hc_mult, d = c.dim;
  const HcShape shape{hc, d, static_cast<size_t>(c.hc_sinkhorn_iters),
                      static_cast<float>(c.norm_eps), static_cast<float>(c.hc_eps)};
  for (int64_t l = 0; l < c.n_layers; ++l) {
    const std::string p = "layers." + std::to_string(l) + ".";
    std::vector<float> X(T * hc * d);
    if (l == 0) {
      const std::vector<float> embed = golden::Floats(*trace, "embed");
      for (size_t t = 0; t < T; ++t) {
        for (size_t j = 0; j < hc; ++j) std::copy_n(&embed[t * d], d, &X[(t * hc + j) * d]);
      }
    } else {
      X = golden::Floats(*trace, "layers." + std::to_string(l - 1) + ".out");
    }
    const std::vector<float> attn_out = golden::Floats(*trace, p + "attn_out");
    const std::vector<float> post = golden::Floats(*trace, p + "hc_attn.post");
    const std::vector<float> comb = golden::Floats(*trace, p + "hc_attn.comb");
    std::vector<float> mid(X.size());
    HcPost(shape, attn_out.data(), X.data(), post.data(), comb.data(), T, mid.data());
    std::vector<float> h(T * d), post2(T * hc), comb2(T * hc * hc), out(T * d);
    HcPre(shape, (*weights)->blocks[l].hc_ffn, mid.data(), T, h.data(), post2.data(), comb2.data());
    for (size_t t = 0; t < T; ++t) {
      RmsNormBf16(&h[t * d], d, (*weights)->blocks[l].ffn_norm.data(),
                  static_cast<float>(c.norm_eps), &h[t * d]);
    }
    MoeForward(c, (*weights)->blocks[l].moe, c.IsHashLayer(l), h.data(), tokens.data(), T,
               out.data(), nullptr, p);
    const std::vector<float> expected = golden::Floats(*trace, p + "ffn_out");
    const golden::Diff diff = golden::Compare(out.data(), expected.data(), out.size());
    std::printf("layer %lld MoE from stored input: rms_rel %.3g max %.3g\n",
                static_cast<long long>(l), diff.rms_rel, diff.max_abs);
    CHECK(diff.rms_rel <= 2e-3);
  }
}

}  // namespace inference

namespace inference {

TEST_CASE("sparse attention reproduces the stored output from stored q, kv and indices") {
  auto ckpt = Checkpoint::Open(golden::TinyDir());
  REQUIRE(ckpt.ok());
  auto weights = ModelWeights::Build(**ckpt);
  REQUIRE(weights.ok());
  const ModelConfig& c = (*ckpt)->config();
  auto trace = golden::OpenCase("case1_prefill_trace.safetensors");
  const size_t H = c.n_heads, hd = c.head_dim, T = 370;
  for (int layer : {0, 2}) {
    const std::string p = "layers." + std::to_string(layer) + ".attn.";
    const std::vector<float> q = golden::Floats(*trace, p + "q_tail32");
    const std::vector<float> kv = golden::Floats(*trace, p + "kv");
    const std::vector<int32_t> idx = golden::Ints(*trace, p + "topk_idxs");
    const std::vector<float> expected = golden::Floats(*trace, p + "o_tail32");
    const size_t width = idx.size() / T;
    std::vector<float> o(expected.size());
    std::vector<const float*> rows(width);
    for (size_t r = 0; r < 32; ++r) {
      const size_t t = T - 32 + r;
      for (size_t k = 0; k < width; ++k) {
        const int32_t i = idx[t * width + k];
        rows[k] = i < 0 ? nullptr : &kv[static_cast<size_t>(i) * hd];
      }
      SparseAttention(&q[r * H * hd], H, hd, rows.data(), width,
                      (*weights)->blocks[layer].attn.attn_sink.data(),
                      static_cast<float>(1.0 / std::sqrt(512.0)), &o[r * H * hd]);
    }
    const golden::Diff diff = golden::Compare(o.data(), expected.data(), o.size());
    size_t differ = 0;
    for (size_t i = 0; i < o.size(); ++i) differ += o[i] != expected[i];
    std::printf(
        "layer %d sparse attention from stored inputs: rms_rel %.3g max %.3g, %zu of %zu differ\n",
        layer, diff.rms_rel, diff.max_abs, differ, o.size());
    CHECK(diff.rms_rel <= 1e-3);

    // Output projection from the stored o: inverse RoPE, grouped wo_a, wo_b.
    const AttentionWeights& aw = (*weights)->blocks[layer].attn;
    const Rope rope(c, c.CompressRatio(layer) > 0);
    std::vector<float> ob = expected;
    for (size_t r = 0; r < 32; ++r) {
      for (size_t h = 0; h < H; ++h)
        rope.Apply(&ob[(r * H + h) * hd + hd - 64], static_cast<int64_t>(T - 32 + r), true);
    }
    const size_t G = c.o_groups, R = c.o_lora_rank, group_in = H * hd / G;
    std::vector<float> z(32 * G * R), out(32 * c.dim);
    for (size_t g = 0; g < G; ++g)
      MatmulDequantizedFp8F32(&ob[g * group_in], 32, H * hd, aw.wo_a, g * R, R, &z[g * R], G * R);
    for (float& v : z) v = RoundToBf16(v);
    aw.wo_b.Apply(z.data(), 32, out.data());
    const std::vector<float> attn_out =
        golden::Floats(*trace, "layers." + std::to_string(layer) + ".attn_out");
    const golden::Diff od = golden::Compare(out.data(), &attn_out[(T - 32) * c.dim], out.size());
    std::printf("layer %d output projection from stored o: rms_rel %.3g max %.3g\n", layer,
                od.rms_rel, od.max_abs);
    CHECK(od.rms_rel <= 1e-3);
  }
}

}  // namespace inference
