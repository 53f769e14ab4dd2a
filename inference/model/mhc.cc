#include "inference/model/mhc.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "inference/backend/cpu/cpu_simd.h"
#include "inference/backend/cpu/matmul.h"
#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/rms_norm.h"
#include "inference/backend/cpu/stream_mix_avx2.h"
#include "inference/backend/cpu/stream_mix_avx512.h"
#include "inference/backend/cpu/thread_pool.h"
#include "inference/backend/cpu/torch_math.h"

namespace inference {
namespace {

// mixes[k] = (fn[k] . x) * rsqrt(mean(x^2) + eps) over the flattened streams of one token.
// With a pool the rows go out in equal groups of at most 16 (the kernel's width), one per thread
// where there are enough rows: a decode step has one token, and its n_mix x hc * dim fp32
// weights are worth reading on every core (groups of 16 left one of two threads a third of the
// 24 rows). Inside a pool's chunk that runs serially.
void Mixes(const HcShape& s, const HcParams& p, const float* x, size_t n_mix, float* mixes,
           ThreadPool* pool) {
  if (n_mix == 0) return;
  const size_t n = s.hc * s.dim;
  const float r = 1.0f / std::sqrt(MeanOfSquares(x, n) + s.norm_eps);
  constexpr size_t kMinRowsPerGroup = 4;
  const size_t threads = pool != nullptr ? pool->size() : 1;
  const size_t groups = std::max(
      (n_mix + 15) / 16, std::min(threads, (n_mix + kMinRowsPerGroup - 1) / kMinRowsPerGroup));
  const size_t per_group = (n_mix + groups - 1) / groups;
  // Each row is one Dot's sequential sum, whichever group computes it.
  auto rows = [&](size_t g0, size_t g1) {
    const size_t first = std::min(n_mix, per_group * g0), last = std::min(n_mix, per_group * g1);
    if (first < last) DotRowsStrided(p.fn.data() + first * n, n, last - first, x, n, mixes + first);
  };
  if (pool != nullptr) {
    pool->ParallelFor(groups, 1, rows);
  } else {
    rows(0, groups);
  }
  for (size_t k = 0; k < n_mix; ++k) mixes[k] *= r;
}

// y = bf16(sum_j pre[j] * X[j]).
void WeightedStreamSum(const HcShape& s, const float* pre, const float* x, float* y) {
  if (CpuSimd() == Simd::kAvx512) return StreamSumAvx512(s.hc, s.dim, pre, x, y);
  if (CpuSimd() == Simd::kAvx2) return StreamSumAvx2(s.hc, s.dim, pre, x, y);
  for (size_t c = 0; c < s.dim; ++c) {
    float acc = 0.0f;
    for (size_t j = 0; j < s.hc; ++j) acc += pre[j] * x[j * s.dim + c];
    y[c] = RoundToBf16(acc);
  }
}

}  // namespace

void HcPre(const HcShape& s, const HcParams& p, const float* X, size_t T, float* y, float* post,
           float* comb, float* pre_out, ThreadPool* pool) {
  const size_t hc = s.hc, n_mix = (2 + hc) * hc;
  // Tokens are independent: each range of them is one thread's, with its own scratch.
  auto tokens = [&](size_t t_begin, size_t t_end) {
    // The exponentials of a token (the sigmoids' and the softmax's) go in one TorchExpMany call
    // (16 at a time on AVX-512): one by one, each cost eight library calls to fmaf.
    std::vector<float> mixes(n_mix), pre(hc), e(2 * hc + hc * hc);
    for (size_t t = t_begin; t < t_end; ++t) {
      const float* x = X + t * hc * s.dim;
      Mixes(s, p, x, n_mix, mixes.data(), pool);
      float* po = post + t * hc;
      float* C = comb + t * hc * hc;
      // sigmoid(v) = 1 / (1 + exp(-v)), as TorchSigmoid.
      for (size_t j = 0; j < hc; ++j) {
        e[j] = -(mixes[j] * p.scale[0] + p.base[j]);
        e[hc + j] = -(mixes[hc + j] * p.scale[1] + p.base[hc + j]);
      }
      for (size_t j = 0; j < hc; ++j) {
        float row_max = -INFINITY;
        for (size_t k = 0; k < hc; ++k) {
          C[j * hc + k] = mixes[2 * hc + j * hc + k] * p.scale[2] + p.base[2 * hc + j * hc + k];
          row_max = std::max(row_max, C[j * hc + k]);
        }
        for (size_t k = 0; k < hc; ++k) e[2 * hc + j * hc + k] = C[j * hc + k] - row_max;
      }
      TorchExpMany(e.data(), e.size(), e.data());
      for (size_t j = 0; j < hc; ++j) {
        pre[j] = 1.0f / (1.0f + e[j]) + s.hc_eps;
        po[j] = 2.0f * (1.0f / (1.0f + e[hc + j]));
      }
      for (size_t j = 0; j < hc; ++j) {
        float row_sum = 0.0f;
        for (size_t k = 0; k < hc; ++k) {
          C[j * hc + k] = e[2 * hc + j * hc + k];
          row_sum += C[j * hc + k];
        }
        for (size_t k = 0; k < hc; ++k) C[j * hc + k] = C[j * hc + k] / row_sum + s.hc_eps;
      }
      auto normalize_columns = [&] {
        for (size_t k = 0; k < hc; ++k) {
          float col = 0.0f;
          for (size_t j = 0; j < hc; ++j) col += C[j * hc + k];
          for (size_t j = 0; j < hc; ++j) C[j * hc + k] /= col + s.hc_eps;
        }
      };
      normalize_columns();
      for (size_t it = 1; it < s.sinkhorn_iters; ++it) {
        for (size_t j = 0; j < hc; ++j) {
          float row = 0.0f;
          for (size_t k = 0; k < hc; ++k) row += C[j * hc + k];
          for (size_t k = 0; k < hc; ++k) C[j * hc + k] /= row + s.hc_eps;
        }
        normalize_columns();
      }
      WeightedStreamSum(s, pre.data(), x, y + t * s.dim);
      if (pre_out) std::copy(pre.begin(), pre.end(), pre_out + t * hc);
    }
  };
  // One token (a decode step): its mixes use the pool instead.
  if (pool != nullptr && T > 1) {
    pool->ParallelFor(T, 1, tokens);
  } else {
    tokens(0, T);
  }
}

void HcPost(const HcShape& s, const float* out, const float* X, const float* post,
            const float* comb, size_t T, float* X_new) {
  const size_t hc = s.hc, d = s.dim;
  const bool avx512 = CpuSimd() == Simd::kAvx512 && hc <= kMaxStreamMixStreams;
  const bool avx2 = CpuSimd() == Simd::kAvx2 && hc <= kMaxStreamMixStreamsAvx2;
  std::vector<float> column(avx512 || avx2 ? 0 : hc);  // a column's new values, stored after it
                                                       // is read
  for (size_t t = 0; t < T; ++t) {
    const float* x = X + t * hc * d;
    const float* C = comb + t * hc * hc;
    float* dst = X_new + t * hc * d;
    if (avx512) {  // the same operations, 16 columns at a time
      StreamMixAvx512(hc, d, out + t * d, x, post + t * hc, C, dst);
      continue;
    }
    if (avx2) {  // 8 at a time
      StreamMixAvx2(hc, d, out + t * d, x, post + t * hc, C, dst);
      continue;
    }
    for (size_t c = 0; c < d; ++c) {
      for (size_t k = 0; k < hc; ++k) {
        float mixed = 0.0f;
        for (size_t j = 0; j < hc; ++j) mixed += C[j * hc + k] * x[j * d + c];
        column[k] = RoundToBf16(post[t * hc + k] * out[t * d + c] + mixed);
      }
      for (size_t k = 0; k < hc; ++k) dst[k * d + c] = column[k];
    }
  }
}

void HcHead(const HcShape& s, const HcParams& p, const float* X, size_t T, float* y) {
  std::vector<float> mixes(s.hc), pre(s.hc);
  for (size_t t = 0; t < T; ++t) {
    const float* x = X + t * s.hc * s.dim;
    Mixes(s, p, x, s.hc, mixes.data(), nullptr);
    for (size_t j = 0; j < s.hc; ++j)
      pre[j] = TorchSigmoid(mixes[j] * p.scale[0] + p.base[j]) + s.hc_eps;
    WeightedStreamSum(s, pre.data(), x, y + t * s.dim);
  }
}

}  // namespace inference
