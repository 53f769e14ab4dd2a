// A batch of products must give each product's MatmulFp8 / MatmulFp4 / MatmulBf16WeightF32
// result bit for bit, for any pool size, mixed formats and layouts, activation sets shared by
// several products, row counts that are not multiples of the 16-row block, and pieces that span
// product boundaries.
#include "inference/backend/cpu/product_batch.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>
#include <vector>

#include "inference/backend/cpu/interleaved_weight.h"
#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/random_weight_bytes.h"
#include "inference/backend/cpu/thread_pool.h"

namespace inference {
namespace {

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST_CASE("a ProductBatch equals its products run one by one, bit for bit") {
  const unsigned seed = std::random_device{}();
  std::printf("product_batch_test seed %u, path %s\n", seed, MatmulSimdPath());
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const size_t K = 512;
  // Row counts: one block, a partial block, many blocks, a few rows.
  const size_t rows[] = {16, 37, 300, 5};
  std::vector<std::vector<uint8_t>> data, scales;
  std::vector<Fp8Weight> fp8;
  std::vector<Fp4Weight> fp4;
  std::vector<Bf16Weight> bf16;
  std::vector<OwnedWeight<Fp8Weight>> fp8_copies;
  std::vector<OwnedWeight<Fp4Weight>> fp4_copies;
  std::vector<OwnedWeight<Bf16Weight>> bf16_copies;
  for (size_t i = 0; i < 4; ++i) {
    const size_t N = rows[i];
    data.push_back(RandomE4m3Codes(N * K, rng));
    scales.push_back(RandomBytes(((N + 127) / 128) * (K / 128), rng, 120, 6));
    fp8.push_back(Fp8Weight{data.back().data(), scales.back().data(), N, K});
    data.push_back(RandomBytes(N * K / 2, rng));
    scales.push_back(RandomBytes(N * K / 32, rng, 120, 6));
    fp4.push_back(Fp4Weight{data.back().data(), scales.back().data(), N, K});
    data.emplace_back(N * K * 2);
    for (size_t j = 0; j < N * K; ++j) {
      const uint16_t bits = FloatToBf16Bits(normal(rng) * 0.05f);
      std::memcpy(&data.back()[2 * j], &bits, 2);
    }
    bf16.push_back(Bf16Weight{data.back().data(), N, K});
  }
  // Half of the weights interleaved (what the model loads on AVX-512 CPUs), half row-major.
  for (size_t i = 0; i < 4; i += 2) {
    fp8_copies.push_back(Interleaved(fp8[i]));
    fp8[i] = fp8_copies.back().view;
    fp4_copies.push_back(Interleaved(fp4[i]));
    fp4[i] = fp4_copies.back().view;
    bf16_copies.push_back(Interleaved(bf16[i]));
    bf16[i] = bf16_copies.back().view;
  }
  // Two activation sets: one row (a decode step) and three rows.
  const size_t Ms[2] = {1, 3};
  std::vector<float> xs[2];
  for (size_t a = 0; a < 2; ++a) {
    xs[a].resize(Ms[a] * K);
    for (auto& v : xs[a]) v = RoundToBf16(normal(rng));
  }

  for (size_t threads : {1, 2, 3, 7}) {
    ThreadPool pool(threads);
    ProductBatch batch;
    const size_t handles[2] = {batch.AddActivations(xs[0].data(), Ms[0], K),
                               batch.AddActivations(xs[1].data(), Ms[1], K)};
    // The same rows again share a handle; other rows of the same buffer do not.
    CHECK(batch.AddActivations(xs[1].data(), Ms[1], K) == handles[1]);
    CHECK(batch.AddActivations(xs[1].data(), Ms[1] - 1, K) != handles[1]);
    std::vector<std::vector<float>> got, want;
    for (size_t i = 0; i < 4; ++i) {
      for (size_t a = 0; a < 2; ++a) {
        for (int format = 0; format < 3; ++format) {
          const size_t N = rows[i];
          got.emplace_back(Ms[a] * N, -1.0f);
          want.emplace_back(Ms[a] * N);
          if (format == 0) {
            batch.AddFp8(handles[a], fp8[i], got.back().data());
            MatmulFp8(xs[a].data(), Ms[a], fp8[i], want.back().data());
          } else if (format == 1) {
            batch.AddFp4(handles[a], fp4[i], got.back().data());
            MatmulFp4(xs[a].data(), Ms[a], fp4[i], want.back().data());
          } else {
            batch.AddBf16(handles[a], bf16[i], got.back().data());
            MatmulBf16WeightF32(xs[a].data(), Ms[a], bf16[i], want.back().data());
          }
        }
      }
    }
    batch.Run(&pool);
    for (size_t p = 0; p < got.size(); ++p) {
      INFO("threads " << threads << ", product " << p);
      CHECK(SameBits(got[p], want[p]));
    }
    // The batch is empty again: running it changes nothing.
    const auto before = got;
    batch.Run(&pool);
    CHECK(got == before);
  }
}

TEST_CASE("a ProductBatch refuses a weight whose width is not its activations'") {
  std::vector<float> x(256);
  std::vector<uint8_t> codes(16 * 128), scale(1);
  ProductBatch batch;
  const size_t a = batch.AddActivations(x.data(), 1, 256);
  std::vector<float> y(16);
  CHECK_THROWS_AS(batch.AddFp8(a, Fp8Weight{codes.data(), scale.data(), 16, 128}, y.data()),
                  std::invalid_argument);
  CHECK_THROWS_AS(batch.AddFp8(a + 1, Fp8Weight{codes.data(), scale.data(), 16, 256}, y.data()),
                  std::invalid_argument);
}

}  // namespace
}  // namespace inference
