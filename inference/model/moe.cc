#include "inference/model/moe.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "inference/backend/cpu/matmul.h"
#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/product_batch.h"
#include "inference/backend/cpu/quantize.h"
#include "inference/backend/cpu/rms_norm.h"
#include "inference/backend/cpu/swiglu.h"
#include "inference/backend/cpu/thread_pool.h"
#include "inference/backend/cpu/top_k.h"
#include "inference/backend/cpu/torch_math.h"
#include "inference/backend/cpu/weight_spans.h"

namespace inference {
namespace {

float SqrtSoftplus(float v) {
  // torch's softplus (SLEEF exp and log1p; the input itself above its threshold of 20).
  return std::sqrt(TorchSoftplus(v));
}

}  // namespace

void MoeForward(const ModelConfig& c, const MoeWeights& w, bool hash_layer, const float* x,
                const int32_t* tokens, size_t T, float* out, const ForwardTrace* trace,
                const std::string& prefix, ThreadPool* pool, const WeightSpans* then) {
  const size_t d = static_cast<size_t>(c.dim);
  const size_t E = static_cast<size_t>(c.n_routed_experts);
  const size_t K = static_cast<size_t>(c.n_activated_experts);
  std::vector<float> scores(T * E);
  MatmulBf16WeightF32(x, T, w.gate, scores.data(), pool);
  for (float& s : scores) s = SqrtSoftplus(s);

  std::vector<int32_t> indices(T * K);
  std::vector<float> weights(T * K);
  std::vector<float> biased(E);
  for (size_t t = 0; t < T; ++t) {
    const float* s = &scores[t * E];
    int32_t* idx = &indices[t * K];
    if (hash_layer) {
      std::copy_n(&w.tid2eid[static_cast<size_t>(tokens[t]) * K], K, idx);
    } else {
      for (size_t e = 0; e < E; ++e) biased[e] = s[e] + w.bias[e];
      const std::vector<int32_t> top = TopKIndices(biased.data(), E, K);
      std::copy_n(top.begin(), K, idx);
    }
    float* wt = &weights[t * K];
    for (size_t k = 0; k < K; ++k) wt[k] = s[idx[k]];
    const float sum = CascadeSum(wt, K);  // torch's row-sum order
    for (size_t k = 0; k < K; ++k) wt[k] = wt[k] / sum * static_cast<float>(c.route_scale);
  }
  if (trace && *trace) {
    std::vector<float> as_float(indices.begin(), indices.end());
    (*trace)(prefix + "ffn.gate.indices", as_float.data(), as_float.size());
    (*trace)(prefix + "ffn.gate.weights", weights.data(), weights.size());
  }

  // The routed experts' batches (rows routed to each expert), then the shared expert on all
  // rows. All experts' w1 and w3 products run as one parallel loop, then all their w2 products
  // (ProductBatch: a decode step's experts are too small for a loop each); their outputs are
  // added afterwards in expert order, the reference's accumulation order.
  // A decode step runs this once per layer between parallel loops, on one thread: its buffers
  // are few and flat (an allocation per expert and vector showed in the step's profile).
  const float limit = static_cast<float>(c.swiglu_limit);
  struct Batch {
    const ExpertWeights* expert;
    size_t first, rows;  // its rows are slots [first, first + rows): token slot_token[i], ...
    size_t inter;        // its hidden width
    size_t hidden;       // offset of its rows in g and u
    const float* xs;     // its input rows
  };
  std::vector<size_t> slot_token;
  std::vector<float> slot_weight;
  slot_token.reserve(T * K + T);
  slot_weight.reserve(T * K + T);
  std::vector<Batch> batches;
  batches.reserve(E + 1);
  size_t hidden_floats = 0;
  for (size_t e = 0; e < E; ++e) {
    const size_t first = slot_token.size();
    for (size_t t = 0; t < T; ++t) {
      for (size_t k = 0; k < K; ++k) {
        if (indices[t * K + k] == static_cast<int32_t>(e)) {
          slot_token.push_back(t);
          slot_weight.push_back(weights[t * K + k]);
        }
      }
    }
    const size_t rows = slot_token.size() - first;
    if (rows == 0) continue;
    const size_t inter = w.experts[e].w1.out();
    batches.push_back(Batch{&w.experts[e], first, rows, inter, hidden_floats, nullptr});
    hidden_floats += rows * inter;
  }
  const size_t n_routed = batches.size();
  const size_t routed_slots = slot_token.size();
  for (size_t t = 0; t < T; ++t) slot_token.push_back(t);  // the shared expert: every row
  batches.push_back(Batch{&w.shared, routed_slots, T, w.shared.w1.out(), hidden_floats, x});
  hidden_floats += T * w.shared.w1.out();

  // Input rows: x itself where an expert takes all of x's rows in order (always in a decode
  // step), else a copy of its rows.
  std::vector<float> xs_copy;
  for (size_t i = 0; i < n_routed; ++i) {
    Batch& b = batches[i];
    bool all_in_order = b.rows == T;
    for (size_t r = 0; all_in_order && r < b.rows; ++r) all_in_order = slot_token[b.first + r] == r;
    if (all_in_order) {
      b.xs = x;
    } else {
      if (xs_copy.empty()) xs_copy.resize(routed_slots * d);
      float* rows = &xs_copy[b.first * d];
      for (size_t r = 0; r < b.rows; ++r)
        std::copy_n(x + slot_token[b.first + r] * d, d, rows + r * d);
      b.xs = rows;
    }
  }

  std::vector<float> g(hidden_floats), u(hidden_floats), ys(slot_token.size() * d);
  ProductBatch products;
  for (const Batch& b : batches) {
    const size_t a = products.AddActivations(b.xs, b.rows, d);
    b.expert->w1.AddTo(products, a, &g[b.hidden]);
    b.expert->w3.AddTo(products, a, &u[b.hidden]);
  }
  WeightSpans down_weights;  // for the workers' idle time after this loop
  for (const Batch& b : batches) b.expert->w2.AddTo(down_weights);
  down_weights.HintAfterNextLoop(pool);
  products.Run(pool);

  // SwiGLU over every expert's rows; (expert, row) pairs in one loop.
  std::vector<std::pair<size_t, size_t>> swiglu_rows;
  swiglu_rows.reserve(slot_token.size());
  size_t inter_max = 1;
  for (size_t i = 0; i < batches.size(); ++i) {
    for (size_t r = 0; r < batches[i].rows; ++r) swiglu_rows.emplace_back(i, r);
    inter_max = std::max(inter_max, batches[i].inter);
  }
  auto swiglu = [&](size_t j0, size_t j1) {
    std::vector<float> scratch(inter_max);
    for (size_t j = j0; j < j1; ++j) {
      const auto [i, r] = swiglu_rows[j];
      const Batch& b = batches[i];
      const float* row_weight = i == n_routed ? nullptr : &slot_weight[b.first + r];
      SwiGluRow(limit, row_weight ? *row_weight : 0.0f, row_weight != nullptr, b.inter,
                &g[b.hidden + r * b.inter], &u[b.hidden + r * b.inter], scratch.data());
    }
  };
  const size_t swiglu_grain = std::max<size_t>(1, 16384 / inter_max);
  if (pool != nullptr) {
    pool->ParallelFor(swiglu_rows.size(), swiglu_grain, swiglu);
  } else {
    swiglu(0, swiglu_rows.size());
  }

  for (const Batch& b : batches) {
    const size_t a = products.AddActivations(&g[b.hidden], b.rows, b.inter);
    b.expert->w2.AddTo(products, a, &ys[b.first * d]);
  }
  if (then != nullptr) then->HintAfterNextLoop(pool);
  products.Run(pool);

  // The routed experts' outputs added in expert order (the reference's), then the shared one.
  // Summed in out itself (the input x is no longer read). 1 * row is row: each add is out += row.
  std::fill(out, out + T * d, 0.0f);
  for (size_t slot = 0; slot < routed_slots; ++slot)
    AddScaled(&out[slot_token[slot] * d], 1.0f, &ys[slot * d], d);
  AddScaled(out, 1.0f, &ys[routed_slots * d], T * d);
  RoundToBf16InPlace(out, T * d);
}

}  // namespace inference
