#include "inference/model/moe.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "inference/backend/cpu/matmul.h"
#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/rms_norm.h"
#include "inference/backend/cpu/thread_pool.h"
#include "inference/backend/cpu/top_k.h"
#include "inference/backend/cpu/torch_math.h"

namespace inference {
namespace {

// SwiGLU expert on M rows: out = w2(bf16(route_weight * silu(min(g, L)) * clamp(u, -L, L))).
void ExpertForward(const ExpertWeights& e, float limit, const float* x, size_t M,
                   const float* route_weight, float* out, ThreadPool* pool) {
  const size_t inter = e.w1.out();
  std::vector<float> g(M * inter), u(M * inter);
  e.w1.Apply(x, M, g.data(), pool);
  e.w3.Apply(x, M, u.data(), pool);
  for (size_t m = 0; m < M; ++m) {
    for (size_t i = 0; i < inter; ++i) {
      float gate = g[m * inter + i], up = u[m * inter + i];
      if (limit > 0) {
        up = std::clamp(up, -limit, limit);
        gate = std::min(gate, limit);
      }
      float a = gate / (1.0f + TorchExp(-gate)) * up;
      if (route_weight) a = route_weight[m] * a;
      g[m * inter + i] = RoundToBf16(a);
    }
  }
  e.w2.Apply(g.data(), M, out, pool);
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
  // rows. The experts run independently (in parallel when there are enough of them to keep the
  // pool busy; otherwise each one's rows are split across the pool), and their outputs are
  // added afterwards in expert order, the reference's accumulation order.
  const float limit = static_cast<float>(c.swiglu_limit);
  struct Batch {
    const ExpertWeights* expert;
    std::vector<size_t> rows;
    std::vector<float> ws, xs, ys;
  };
  std::vector<Batch> batches;
  for (size_t e = 0; e < E; ++e) {
    Batch b{&w.experts[e], {}, {}, {}, {}};
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
  batches.push_back(Batch{&w.shared, {}, {}, {}, {}});
  const bool across_experts = pool != nullptr && batches.size() >= pool->size();
  // Across experts, the shared expert (all rows, often a wider format) is handed out first:
  // taken last, it left one thread working alone at the end of every layer.
  auto run = [&](size_t b0, size_t b1) {
    for (size_t j = b0; j < b1; ++j) {
      const size_t i = across_experts ? (j == 0 ? n_routed : j - 1) : j;
      Batch& b = batches[i];
      const bool shared = i == n_routed;
      const size_t M = shared ? T : b.rows.size();
      b.ys.resize(M * d);
      ExpertForward(*b.expert, limit, shared ? x : b.xs.data(), M, shared ? nullptr : b.ws.data(),
                    b.ys.data(), across_experts ? nullptr : pool);
    }
  };
  if (across_experts) {
    pool->ParallelFor(batches.size(), 1, run);
  } else {
    run(0, batches.size());
  }
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
