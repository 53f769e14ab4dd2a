// The AVX-512 and AVX2 residual updates, weighted stream sums and bf16 roundings give the scalar
// definitions' bits: every value's products and sums in the same order, NaN and signed zeros
// included, widths that leave a tail.
// GCC 12 warns inside its own avx512fintrin.h (the "undefined" operands of its intrinsics).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <doctest/doctest.h>

#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "inference/backend/cpu/avx2_formats.h"
#include "inference/backend/cpu/avx512_formats.h"
#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/stream_mix_avx2.h"
#include "inference/backend/cpu/stream_mix_avx512.h"

namespace inference {
namespace {

__attribute__((target("avx512f"))) void RoundAllAvx512(const float* in, size_t n, float* out) {
  for (size_t i = 0; i < n; i += 16)
    _mm512_storeu_ps(out + i, RoundToBf16x16(_mm512_loadu_ps(in + i)));
}

__attribute__((target("avx2"))) void RoundAllAvx2(const float* in, size_t n, float* out) {
  for (size_t i = 0; i < n; i += 8)
    _mm256_storeu_ps(out + i, RoundToBf16x8(_mm256_loadu_ps(in + i)));
}

// One SIMD path's functions.
struct Path {
  const char* name;
  bool supported;
  void (*round_all)(const float*, size_t, float*);  // n a multiple of 16
  void (*mix)(size_t, size_t, const float*, const float*, const float*, const float*, float*);
  void (*sum)(size_t, size_t, const float*, const float*, float*);
};

TEST_CASE("the SIMD bf16 rounding, stream mixes and stream sums equal the scalar definitions") {
  const Path paths[] = {
      {"avx512", static_cast<bool>(__builtin_cpu_supports("avx512f")), RoundAllAvx512,
       StreamMixAvx512, StreamSumAvx512},
      {"avx2", static_cast<bool>(__builtin_cpu_supports("avx2")), RoundAllAvx2, StreamMixAvx2,
       StreamSumAvx2},
  };
  const unsigned seed = std::random_device{}();
  std::printf("stream_mix_simd_test seed %u\n", seed);
  for (const Path& path : paths) {
    if (!path.supported) {
      MESSAGE("skipped " << path.name << ": not on this CPU");
      continue;
    }
    INFO(path.name);
    // Rounding: every 65537th bit pattern (both signs, NaNs, infinities, subnormals, ties).
    std::vector<float> in;
    for (uint64_t bits = 0; bits <= 0xffffffffu; bits += 65537)
      in.push_back(std::bit_cast<float>(static_cast<uint32_t>(bits)));
    while (in.size() % 16 != 0) in.push_back(std::numeric_limits<float>::quiet_NaN());
    std::vector<float> got(in.size());
    path.round_all(in.data(), in.size(), got.data());
    size_t mismatches = 0;
    for (size_t i = 0; i < in.size(); ++i)
      mismatches += std::bit_cast<uint32_t>(got[i]) != std::bit_cast<uint32_t>(RoundToBf16(in[i]));
    CHECK(mismatches == 0);

    for (size_t d : {1000, 1003}) {  // 1003: a tail of 11 and of 3 columns
      INFO("d " << d);
      std::mt19937 rng(seed);
      std::normal_distribution<float> normal(0.0f, 1.0f);
      const size_t hc = 4;
      std::vector<float> out(d), x(hc * d), post(hc), comb(hc * hc), want(hc * d),
          have(hc * d, -1.0f);
      for (auto& v : out) v = RoundToBf16(normal(rng));
      for (auto& v : x) v = RoundToBf16(normal(rng) * 4.0f);
      for (auto& v : post) v = normal(rng);
      for (auto& v : comb) v = normal(rng);
      // A NaN, an infinity and zeros of both signs, in the body and in the tail.
      out[3] = out[d - 2] = std::numeric_limits<float>::quiet_NaN();
      x[d + 7] = x[3 * d - 1] = std::numeric_limits<float>::infinity();
      out[9] = out[d - 3] = -0.0f;
      for (size_t j = 0; j < hc; ++j) x[j * d + 9] = x[j * d + d - 3] = -0.0f;
      for (size_t k = 0; k < hc; ++k) {
        for (size_t c = 0; c < d; ++c) {
          float mixed = 0.0f;
          for (size_t j = 0; j < hc; ++j) mixed += comb[j * hc + k] * x[j * d + c];
          want[k * d + c] = RoundToBf16(post[k] * out[c] + mixed);
        }
      }
      path.mix(hc, d, out.data(), x.data(), post.data(), comb.data(), have.data());
      CHECK(std::memcmp(want.data(), have.data(), want.size() * sizeof(float)) == 0);
      // In place (the streams overwritten by their update), as the model runs it.
      std::vector<float> in_place = x;
      path.mix(hc, d, out.data(), in_place.data(), post.data(), comb.data(), in_place.data());
      CHECK(std::memcmp(want.data(), in_place.data(), want.size() * sizeof(float)) == 0);

      // The weighted sum of the streams.
      std::vector<float> sum_want(d), sum_have(d, -1.0f);
      for (size_t c = 0; c < d; ++c) {
        float acc = 0.0f;
        for (size_t j = 0; j < hc; ++j) acc += post[j] * x[j * d + c];
        sum_want[c] = RoundToBf16(acc);
      }
      path.sum(hc, d, post.data(), x.data(), sum_have.data());
      CHECK(std::memcmp(sum_want.data(), sum_have.data(), d * sizeof(float)) == 0);
    }

    // Cancellation: stream 0 holds minus stream 1's product with its weight (1/3), rounded, so
    // each sum is exactly zero where every product is rounded on its own, and that product's
    // rounding error where a fused multiply-add took it (which bf16 rounding then keeps).
    const size_t d = 37;
    const float third = 1.0f / 3.0f;
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(2 * d), out(d, 1.0f), post = {0.0f, 0.0f},
                                               comb = {1.0f, 1.0f, third, third};
    for (size_t c = 0; c < d; ++c) {
      x[d + c] = normal(rng);
      float product = third * x[d + c];
      asm("" : "+x"(product));
      x[c] = -product;
    }
    std::vector<float> mixed(2 * d, -1.0f), summed(d, -1.0f);
    path.mix(2, d, out.data(), x.data(), post.data(), comb.data(), mixed.data());
    const std::vector<float> weights = {1.0f, third};
    path.sum(2, d, weights.data(), x.data(), summed.data());
    for (size_t c = 0; c < d; ++c) {
      INFO("cancelling column " << c);
      CHECK(mixed[c] == 0.0f);
      CHECK(mixed[d + c] == 0.0f);
      CHECK(summed[c] == 0.0f);
    }
  }
}

}  // namespace
}  // namespace inference
