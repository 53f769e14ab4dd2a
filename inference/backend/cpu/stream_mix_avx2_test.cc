// The AVX2 residual update, weighted stream sum and bf16 rounding give the scalar definitions'
// bits: every value's products and sums in the same order, NaN and signed zeros included, a
// width that leaves a tail.
#include "inference/backend/cpu/stream_mix_avx2.h"

#include <doctest/doctest.h>
#include <immintrin.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "inference/backend/cpu/avx2_formats.h"
#include "inference/backend/cpu/number_formats.h"

namespace inference {
namespace {

__attribute__((target("avx2"))) void RoundEight(const float* in, float* out) {
  _mm256_storeu_ps(out, RoundToBf16x8(_mm256_loadu_ps(in)));
}

TEST_CASE("RoundToBf16x8, StreamMixAvx2 and StreamSumAvx2 equal the scalar definitions") {
  if (!__builtin_cpu_supports("avx2")) {
    MESSAGE("skipped: needs AVX2");
    return;
  }
  // Rounding: every 65537th bit pattern (both signs, NaNs, infinities, subnormals, ties).
  std::vector<float> in;
  for (uint64_t bits = 0; bits <= 0xffffffffu; bits += 65537)
    in.push_back(std::bit_cast<float>(static_cast<uint32_t>(bits)));
  while (in.size() % 8 != 0) in.push_back(std::numeric_limits<float>::quiet_NaN());
  std::vector<float> got(in.size());
  for (size_t i = 0; i < in.size(); i += 8) RoundEight(&in[i], &got[i]);
  size_t mismatches = 0;
  for (size_t i = 0; i < in.size(); ++i)
    mismatches += std::bit_cast<uint32_t>(got[i]) != std::bit_cast<uint32_t>(RoundToBf16(in[i]));
  CHECK(mismatches == 0);

  // The residual update, d = 8 * 125 + 3, with a NaN, an infinity and zeros of both signs, one of
  // each in the tail too.
  std::mt19937 rng(41);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const size_t hc = 4, d = 1003;
  std::vector<float> out(d), x(hc * d), post(hc), comb(hc * hc), want(hc * d), have(hc * d, -1.0f);
  for (auto& v : out) v = RoundToBf16(normal(rng));
  for (auto& v : x) v = RoundToBf16(normal(rng) * 4.0f);
  for (auto& v : post) v = normal(rng);
  for (auto& v : comb) v = normal(rng);
  out[3] = out[1001] = std::numeric_limits<float>::quiet_NaN();
  x[d + 7] = x[2 * d + 1002] = std::numeric_limits<float>::infinity();
  out[9] = out[1000] = -0.0f;
  for (size_t j = 0; j < hc; ++j) x[j * d + 9] = x[j * d + 1000] = -0.0f;
  for (size_t k = 0; k < hc; ++k) {
    for (size_t c = 0; c < d; ++c) {
      float mixed = 0.0f;
      for (size_t j = 0; j < hc; ++j) mixed += comb[j * hc + k] * x[j * d + c];
      want[k * d + c] = RoundToBf16(post[k] * out[c] + mixed);
    }
  }
  StreamMixAvx2(hc, d, out.data(), x.data(), post.data(), comb.data(), have.data());
  CHECK(std::memcmp(want.data(), have.data(), want.size() * sizeof(float)) == 0);
  // In place (the streams overwritten by their update), as the model runs it.
  std::vector<float> in_place = x;
  StreamMixAvx2(hc, d, out.data(), in_place.data(), post.data(), comb.data(), in_place.data());
  CHECK(std::memcmp(want.data(), in_place.data(), want.size() * sizeof(float)) == 0);

  // The weighted sum of the streams.
  std::vector<float> sum_want(d), sum_have(d, -1.0f);
  for (size_t c = 0; c < d; ++c) {
    float acc = 0.0f;
    for (size_t j = 0; j < hc; ++j) acc += post[j] * x[j * d + c];
    sum_want[c] = RoundToBf16(acc);
  }
  StreamSumAvx2(hc, d, post.data(), x.data(), sum_have.data());
  CHECK(std::memcmp(sum_want.data(), sum_have.data(), d * sizeof(float)) == 0);
}

}  // namespace
}  // namespace inference
