#include "inference/backend/cpu/matmul.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/quantize.h"
#include "inference/backend/cpu/random_weight_bytes.h"
#include "inference/backend/cpu/sparse_attention.h"

namespace inference {

TEST_CASE("FP8 and FP4 products match a plain dequantised product") {
  const unsigned seed = std::random_device{}();
  std::printf("matmul_test seed %u\n", seed);
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const size_t M = 3, N = 130, K = 256;
  const std::vector<uint8_t> w8 = RandomE4m3Codes(N * K, rng), s8 = RandomBytes(2 * 2, rng, 120, 6),
                             w4 = RandomBytes(N * K / 2, rng),
                             s4 = RandomBytes(N * K / 32, rng, 120, 6);
  std::vector<float> x(M * K);
  for (auto& v : x) v = RoundToBf16(normal(rng));
  Fp8Weight fp8{w8.data(), s8.data(), N, K};
  Fp4Weight fp4{w4.data(), s4.data(), N, K};
  std::vector<float> y8(M * N), y4(M * N), xq(M * K), row(K);
  MatmulFp8(x.data(), M, fp8, y8.data());
  MatmulFp4(x.data(), M, fp4, y4.data());
  for (size_t m = 0; m < M; ++m) QuantizeDequantizeFp8(&x[m * K], K, 128, &xq[m * K]);
  for (size_t n = 0; n < N; ++n) {
    for (size_t m = 0; m < M; ++m) {
      double ref8 = 0, ref4 = 0;
      for (size_t k = 0; k < K; ++k) {
        const float w = E4m3ToFloat(w8[n * K + k]) * E8m0ToFloat(s8[(n / 128) * 2 + k / 128]);
        const uint8_t byte = w4[n * K / 2 + k / 2];
        const float v =
            E2m1ToFloat((k % 2) ? byte >> 4 : byte & 0xf) * E8m0ToFloat(s4[n * 8 + k / 32]);
        ref8 += double(xq[m * K + k]) * w;
        ref4 += double(xq[m * K + k]) * v;
      }
      CHECK(y8[m * N + n] == doctest::Approx(ref8).epsilon(1e-2).scale(1e-2));
      CHECK(y4[m * N + n] == doctest::Approx(ref4).epsilon(1e-2).scale(1e-2));
    }
  }
}

TEST_CASE("sparse attention equals a softmax with a sink, skipping empty slots") {
  const size_t H = 2, D = 8, N = 70;
  std::mt19937 rng(7);
  std::printf("sparse attention seed 7\n");
  std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
  std::vector<float> q(H * D), kv(N * D), out(H * D);
  for (auto& v : q) v = RoundToBf16(uni(rng));
  for (auto& v : kv) v = RoundToBf16(uni(rng));
  std::vector<const float*> rows(N + 5, nullptr);
  for (size_t i = 0; i < N; ++i) rows[i + (i >= 60 ? 5 : 0)] = &kv[i * D];
  const float sink[2] = {0.5f, -2.0f};
  SparseAttention(q.data(), H, D, rows.data(), rows.size(), sink, 0.3f, out.data());
  for (size_t h = 0; h < H; ++h) {
    double denom = std::exp(double(sink[h]));
    std::vector<double> num(D, 0.0);
    for (size_t i = 0; i < N; ++i) {
      double s = 0;
      for (size_t c = 0; c < D; ++c) s += q[h * D + c] * kv[i * D + c];
      const double p = std::exp(0.3 * s);
      denom += p;
      for (size_t c = 0; c < D; ++c) num[c] += p * kv[i * D + c];
    }
    for (size_t c = 0; c < D; ++c)
      CHECK(out[h * D + c] == doctest::Approx(num[c] / denom).epsilon(2e-2).scale(1e-2));
  }
}

// Heads processed together (blocks outside, heads inside, scores from one pass over the rows)
// give each head exactly what it gets alone: more heads than one group of 8, an all-empty block
// of 64 rows, an all-empty group of 16, a row count and a width that are not multiples of 16.
TEST_CASE("sparse attention over many heads equals each head alone, bit for bit") {
  const size_t H = 11, D = 40, N = 150;
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> uni(-2.0f, 2.0f);
  std::vector<float> q(H * D), kv(N * D), sink(H), together(H * D), alone(H * D);
  for (auto& v : q) v = RoundToBf16(uni(rng));
  for (auto& v : kv) v = RoundToBf16(uni(rng));
  for (auto& v : sink) v = uni(rng);
  std::vector<const float*> rows(N + 64 + 16, nullptr);
  for (size_t i = 0, slot = 0; i < N; ++i, ++slot) {
    if (slot == 64) slot += 64;   // slots 64..127: a whole empty block
    if (slot == 160) slot += 16;  // slots 160..175: a whole empty group of 16
    rows[slot] = &kv[i * D];
  }
  SparseAttention(q.data(), H, D, rows.data(), rows.size(), sink.data(), 0.2f, together.data());
  for (size_t h = 0; h < H; ++h) {
    SparseAttention(&q[h * D], 1, D, rows.data(), rows.size(), &sink[h], 0.2f, &alone[h * D]);
  }
  CHECK(std::memcmp(together.data(), alone.data(), together.size() * sizeof(float)) == 0);
}

}  // namespace inference
