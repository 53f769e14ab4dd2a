#include "inference/model/attention.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "inference/backend/cpu/activation_facts.h"
#include "inference/backend/cpu/cpu_simd.h"
#include "inference/backend/cpu/matmul.h"
#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/onednn_bf16_order.h"
#include "inference/backend/cpu/product_batch.h"
#include "inference/backend/cpu/quantize.h"
#include "inference/backend/cpu/rms_norm.h"
#include "inference/backend/cpu/sparse_attention.h"
#include "inference/backend/cpu/thread_pool.h"
#include "inference/backend/cpu/weight_spans.h"
#include "inference/model/compressor.h"
#include "inference/model/indexer.h"

namespace inference {

void AttentionForward(const ModelConfig& c, const AttentionWeights& w, const Rope& rope,
                      const float* x, size_t T, int64_t start_pos, LayerCache& cache, float* out,
                      bool shape_rounding, const ForwardTrace* trace, const std::string& prefix,
                      ThreadPool* pool, const WeightSpans* then) {
  const size_t H = static_cast<size_t>(c.n_heads);
  const size_t hd = static_cast<size_t>(c.head_dim);
  const size_t rd = static_cast<size_t>(c.rope_head_dim);
  const size_t nope = hd - rd;
  const size_t q_rank = static_cast<size_t>(c.q_lora_rank);
  const int64_t win = c.window_size;
  const float eps = static_cast<float>(c.norm_eps);

  // Every product of the attention input in one parallel loop (product_batch.h): wq_a, wkv,
  // and the compressors' and the indexer's projections.
  const size_t dim = static_cast<size_t>(c.dim);
  std::vector<float> qr(T * q_rank), kv(T * hd);
  CompressorProjections compressed_projections, index_key_projections;
  IndexerProjections indexer_projections;
  ProductBatch batch;
  const size_t x_activations = batch.AddActivations(x, T, dim);
  w.wq_a.AddTo(batch, x_activations, qr.data());
  w.wkv.AddTo(batch, x_activations, kv.data());
  if (w.compressor)
    AddCompressorProjections(*w.compressor, batch, x_activations, T, compressed_projections);
  if (w.indexer) {
    AddCompressorProjections(w.indexer->compressor, batch, x_activations, T, index_key_projections);
    AddIndexerHeadWeights(*w.indexer, batch, x_activations, T, indexer_projections);
  }
  // While the workers idle after this loop: the query's weights.
  WeightSpans query_weights;
  query_weights.Add(w.q_norm.data(), w.q_norm.size() * sizeof(float));
  w.wq_b.AddTo(query_weights);
  if (w.indexer) query_weights.Add(w.indexer->wq_b);
  query_weights.Add(w.kv_norm.data(), w.kv_norm.size() * sizeof(float));
  query_weights.HintAfterNextLoop(pool);
  batch.Run(pool);

  // Query: q_norm (the latent also feeds the indexer) -> wq_b -> per-head RMS -> RoPE.
  for (size_t t = 0; t < T; ++t)
    RmsNormBf16(&qr[t * q_rank], q_rank, w.q_norm.data(), eps, &qr[t * q_rank]);
  std::vector<float> q(T * H * hd);
  const size_t qr_activations = batch.AddActivations(qr.data(), T, q_rank);
  w.wq_b.AddTo(batch, qr_activations, q.data());
  if (w.indexer) AddIndexerQuery(*w.indexer, batch, qr_activations, T, indexer_projections);
  // After this loop: the KV rows the attention reads (cold in a decode step: every other
  // weight of the step went through the caches since), at most the window and the newest
  // compressed entries; after the attention loop, the output projection's weights.
  WeightSpans kv_rows;
  const int64_t last = start_pos + static_cast<int64_t>(T) - 1;
  const size_t window_rows = static_cast<size_t>(std::min<int64_t>(last + 1, win));
  kv_rows.Add(cache.window.data(), std::min(cache.window.size(), window_rows * hd) * sizeof(float));
  constexpr size_t kCompressedHintBytes = size_t{256} << 10;
  const size_t compressed_bytes =
      std::min(cache.compressed.size() * sizeof(float), kCompressedHintBytes);
  kv_rows.Add(reinterpret_cast<const char*>(cache.compressed.data() + cache.compressed.size()) -
                  compressed_bytes,
              compressed_bytes);
  kv_rows.Add(w.wo_a);
  kv_rows.HintAfterNextLoop(pool);
  WeightSpans output_weights;
  output_weights.Add(w.wo_a);
  batch.Run(pool);
  const size_t vector_rows = shape_rounding ? Bf16VectorizedPrefix(T * H) : T * H;
  for (size_t t = 0; t < T; ++t) {
    for (size_t h = 0; h < H; ++h) {
      float* qh = &q[(t * H + h) * hd];
      HeadRmsNormBf16InPlace(qh, hd, eps, t * H + h >= vector_rows);
      rope.Apply(qh + nope, start_pos + static_cast<int64_t>(t));
    }
  }

  // The token's own KV: kv_norm -> RoPE -> FP8 simulation of the nope dims.
  for (size_t t = 0; t < T; ++t) {
    float* row = &kv[t * hd];
    RmsNormBf16(row, hd, w.kv_norm.data(), eps, row);
    rope.Apply(row + nope, start_pos + static_cast<int64_t>(t));
    SimulateFp8InPlace(row, nope, 64);
  }

  if (trace && *trace) {
    (*trace)(prefix + "attn.q", q.data(), q.size());
    (*trace)(prefix + "attn.kv_tokens", kv.data(), kv.size());
  }

  // Compressed entries of blocks that complete inside this chunk become visible to it.
  std::vector<std::vector<int32_t>> selected;
  if (w.compressor) {
    const size_t before = cache.compressed.size();
    CompressorAppend(*w.compressor, rope, eps, c.rope_head_dim, compressed_projections, T,
                     start_pos, cache.compressor, cache.compressed);
    if (trace && *trace && cache.compressed.size() > before) {
      (*trace)(prefix + "attn.compressor.kv", cache.compressed.data() + before,
               cache.compressed.size() - before);
    }
  }
  if (w.indexer) {
    const size_t before = cache.index_keys.size();
    CompressorAppend(w.indexer->compressor, rope, eps, c.rope_head_dim, index_key_projections, T,
                     start_pos, cache.index_compressor, cache.index_keys);
    if (trace && *trace && cache.index_keys.size() > before) {
      (*trace)(prefix + "attn.indexer.compressor.kv", cache.index_keys.data() + before,
               cache.index_keys.size() - before);
    }
    IndexerSelect(c, rope, indexer_projections, T, start_pos, cache.index_keys, shape_rounding,
                  selected, pool);
    if (trace && *trace) {
      const size_t k = static_cast<size_t>(c.index_topk);
      std::vector<float> chosen(T * k, -1.0f);
      for (size_t t = 0; t < T; ++t) {
        for (size_t i = 0; i < selected[t].size(); ++i)
          chosen[t * k + i] = static_cast<float>(selected[t][i]);
      }
      (*trace)(prefix + "attn.indexer.selected", chosen.data(), chosen.size());
    }
  }

  // Attention per query over window rows (oldest first, padded with empty slots) followed by
  // the compressed entries; the 64-row blocking of the kernel makes this layout matter. Like
  // the reference, a prefill from position 0 pads the window part to min(T, window) slots and
  // everything else to the full window.
  std::vector<float> o(T * H * hd);
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(hd)));
  const size_t window_slots = shape_rounding && start_pos == 0
                                  ? std::min<size_t>(T, static_cast<size_t>(win))
                                  : static_cast<size_t>(win);
  // Queries and their heads are independent (the ring is only read here): each range of
  // (token, head) pairs is one thread's, so a decode step's single token still uses the pool.
  auto queries = [&](size_t i_begin, size_t i_end) {
    std::vector<const float*> rows;
    for (size_t i = i_begin; i < i_end;) {
      const size_t t = i / H;
      const size_t h_end = std::min(H, i_end - t * H);
      const int64_t pos = start_pos + static_cast<int64_t>(t);
      rows.assign(window_slots, nullptr);
      const int64_t first = std::max<int64_t>(0, pos - win + 1);
      for (int64_t p = first; p <= pos; ++p) {
        rows[p - first] =
            p >= start_pos ? &kv[(p - start_pos) * hd] : &cache.window[(p % win) * hd];
      }
      if (w.ratio == 4) {
        for (int32_t b : selected[t]) rows.push_back(&cache.compressed[b * hd]);
      } else if (w.ratio > 0) {
        for (int64_t b = 0; b < (pos + 1) / w.ratio; ++b) rows.push_back(&cache.compressed[b * hd]);
      }
      const size_t h0 = i - t * H;  // this range's heads of token t share its rows
      SparseAttention(&q[(t * H + h0) * hd], h_end - h0, hd, rows.data(), rows.size(),
                      &w.attn_sink[h0], scale, &o[(t * H + h0) * hd]);
      i = t * H + h_end;
    }
  };
  output_weights.HintAfterNextLoop(pool);
  if (pool != nullptr) {
    // A thread's heads of one token in one piece: they share the rows' transposes.
    pool->ParallelFor(T * H, std::max<size_t>(1, (H + pool->size() - 1) / pool->size()), queries);
  } else {
    queries(0, T * H);
  }
  if (trace && *trace) (*trace)(prefix + "attn.o", o.data(), o.size());
  // Only now may the ring be overwritten: the chunk's queries read older slots above.
  for (size_t t = (T > static_cast<size_t>(win) ? T - win : 0); t < T; ++t) {
    const int64_t pos = start_pos + static_cast<int64_t>(t);
    std::copy(&kv[t * hd], &kv[(t + 1) * hd], &cache.window[(pos % win) * hd]);
  }

  // Undo RoPE on the output (V carried rotated rope dims), then the grouped projection.
  for (size_t t = 0; t < T; ++t) {
    for (size_t h = 0; h < H; ++h)
      rope.Apply(&o[(t * H + h) * hd + nope], start_pos + static_cast<int64_t>(t), true);
  }
  const size_t G = static_cast<size_t>(c.o_groups);
  const size_t R = static_cast<size_t>(c.o_lora_rank);
  const size_t group_in = H * hd / G;
  std::vector<float> z(T * G * R);
  // The reference's bf16 einsum sums several rows in oneDNN's order, a single row sequentially.
  const bool onednn_order = shape_rounding && T > 1;
  if (onednn_order) {
    for (size_t g = 0; g < G; ++g) {
      MatmulDequantizedFp8OneDnnOrder(&o[g * group_in], T, H * hd, w.wo_a, g * R, R, &z[g * R],
                                      G * R, pool);
    }
  } else {
    // All groups in one loop over row slices: a group alone (R rows) is too small to keep the
    // pool busy, and one loop per group would cost G hand-outs. Each output is computed as in a
    // per-group product. Decode slices are 64 rows (four calls of the few-row kernel).
    const size_t slice_rows = T <= 4 ? 64 : 16;
    const size_t slices = (R + slice_rows - 1) / slice_rows;
    // What the kernels know of the activations, measured once over all of o (bounds that hold
    // for every group's columns) rather than by each slice.
    std::optional<ActivationFacts> o_facts;
    if (CpuSimd() != Simd::kBaseline) o_facts = MeasureActivations(o.data(), T, H * hd, H * hd);
    auto group_slices = [&](size_t i0, size_t i1) {
      for (size_t i = i0; i < i1; ++i) {
        const size_t g = i / slices, r0 = (i % slices) * slice_rows;
        MatmulDequantizedFp8F32(&o[g * group_in], T, H * hd, w.wo_a, g * R + r0,
                                std::min(slice_rows, R - r0), &z[g * R + r0], G * R, nullptr,
                                o_facts ? &*o_facts : nullptr);
      }
    };
    if (pool != nullptr) {
      WeightSpans wo_b;
      w.wo_b.AddTo(wo_b);
      wo_b.HintAfterNextLoop(pool);
      pool->ParallelFor(G * slices, 1, group_slices);
    } else {
      group_slices(0, G * slices);
    }
  }
  RoundToBf16InPlace(z.data(), z.size());
  if (then != nullptr) then->HintAfterNextLoop(pool);
  w.wo_b.Apply(z.data(), T, out, pool);
}

}  // namespace inference
