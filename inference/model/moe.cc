#include "inference/model/moe.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "inference/backend/cpu/matmul.h"
#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/product_batch.h"
#include "inference/backend/cpu/rms_norm.h"
#include "inference/backend/cpu/thread_pool.h"
#include "inference/backend/cpu/top_k.h"
#include "inference/backend/cpu/torch_math.h"

namespace inference {
namespace {

// One row of an expert's SwiGLU, in place in g: bf16(route_weight * silu(min(g, L)) *
// clamp(u, -L, L)), the activation its w2 reads. The exponentials go in one call (16 at a time
// on AVX-512); every value's operations are the scalar ones, in the same order.
void SwiGlu(float limit, float route_weight, bool weighted, size_t inter, float* g, float* u,
            float* scratch) {
  for (size_t i = 0; i < inter; ++i) {
    if (limit > 0) {
      u[i] = std::clamp(u[i], -limit, limit);
      g[i] = std::min(g[i], limit);
    }
    scratch[i] = -g[i];
  }
  TorchExpMany(scratch, inter, scratch);
  for (size_t i = 0; i < inter; ++i) {
    float a = g[i] / (1.0f + scratch[i]) * u[i];
    if (weighted) a = route_weight * a;
    g[i] = RoundToBf16(a);
  }
}

float SqrtSoftplus(float v) {
  // torch's softplus (SLEEF exp and log1p; the input itself above its threshold of 20).
  return std::sqrt(TorchSoftplus(v));
}

}  // namespace

void MoeForward(const ModelConfig& c, const MoeWeights& w, bool hash_layer, const float* x,
                const int32_t* tokens, size_t T, float* out, const ForwardTrace* trace,
                const std::string& prefix, ThreadPool* pool) {
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
  const float limit = static_cast<float>(c.swiglu_limit);
  struct Batch {
    const ExpertWeights* expert;
    std::vector<size_t> rows;
    std::vector<float> ws, xs, g, u, ys;
  };
  std::vector<Batch> batches;
  for (size_t e = 0; e < E; ++e) {
    Batch b{&w.experts[e], {}, {}, {}, {}, {}, {}};
    for (size_t t = 0; t < T; ++t) {
      for (size_t k = 0; k < K; ++k) {
        if (indices[t * K + k] == static_cast<int32_t>(e)) {
          b.rows.push_back(t);
          b.ws.push_back(weights[t * K + k]);
        }
      }
    }
    if (b.rows.empty()) continue;
    b.xs.resize(b.rows.size() * d);
    for (size_t r = 0; r < b.rows.size(); ++r) std::copy_n(x + b.rows[r] * d, d, &b.xs[r * d]);
    batches.push_back(std::move(b));
  }
  const size_t n_routed = batches.size();
  batches.push_back(Batch{&w.shared, {}, {}, {}, {}, {}, {}});
  auto rows_of = [&](size_t i) { return i == n_routed ? T : batches[i].rows.size(); };

  ProductBatch products;
  for (size_t i = 0; i < batches.size(); ++i) {
    Batch& b = batches[i];
    const size_t inter = b.expert->w1.out();
    b.g.resize(rows_of(i) * inter);
    b.u.resize(rows_of(i) * inter);
    const size_t a = products.AddActivations(i == n_routed ? x : b.xs.data(), rows_of(i), d);
    b.expert->w1.AddTo(products, a, b.g.data());
    b.expert->w3.AddTo(products, a, b.u.data());
  }
  products.Run(pool);

  // SwiGLU over every expert's rows; (expert, row) pairs in one loop.
  std::vector<std::pair<size_t, size_t>> swiglu_rows;
  size_t inter_max = 1;
  for (size_t i = 0; i < batches.size(); ++i) {
    for (size_t r = 0; r < rows_of(i); ++r) swiglu_rows.emplace_back(i, r);
    inter_max = std::max(inter_max, batches[i].expert->w1.out());
  }
  auto swiglu = [&](size_t j0, size_t j1) {
    std::vector<float> scratch(inter_max);
    for (size_t j = j0; j < j1; ++j) {
      const auto [i, r] = swiglu_rows[j];
      Batch& b = batches[i];
      const size_t inter = b.expert->w1.out();
      SwiGlu(limit, i == n_routed ? 0.0f : b.ws[r], i != n_routed, inter, &b.g[r * inter],
             &b.u[r * inter], scratch.data());
    }
  };
  const size_t swiglu_grain = std::max<size_t>(1, 16384 / inter_max);
  if (pool != nullptr) {
    pool->ParallelFor(swiglu_rows.size(), swiglu_grain, swiglu);
  } else {
    swiglu(0, swiglu_rows.size());
  }

  for (size_t i = 0; i < batches.size(); ++i) {
    Batch& b = batches[i];
    b.ys.resize(rows_of(i) * d);
    const size_t a = products.AddActivations(b.g.data(), rows_of(i), b.expert->w1.out());
    b.expert->w2.AddTo(products, a, b.ys.data());
  }
  products.Run(pool);

  std::vector<float> y(T * d, 0.0f);
  for (size_t i = 0; i < n_routed; ++i) {
    const Batch& b = batches[i];
    for (size_t r = 0; r < b.rows.size(); ++r) {
      for (size_t j = 0; j < d; ++j) y[b.rows[r] * d + j] += b.ys[r * d + j];
    }
  }
  const std::vector<float>& ys = batches.back().ys;
  for (size_t i = 0; i < T * d; ++i) out[i] = RoundToBf16(y[i] + ys[i]);
}

}  // namespace inference
