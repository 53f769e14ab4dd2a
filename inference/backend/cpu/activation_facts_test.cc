// ActivationFacts as each SIMD path measures them: significant bits, the exponent range, nothing
// assumed past the normal range; the AVX2 and AVX-512 measurements agree.
#include "inference/backend/cpu/activation_facts.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace inference {
namespace {

using Measure = ActivationFacts (*)(const float*, size_t, size_t, size_t);

// The measurements this CPU runs, with their names.
std::vector<std::pair<const char*, Measure>> Measurements() {
  std::vector<std::pair<const char*, Measure>> m;
  if (__builtin_cpu_supports("avx512f")) m.emplace_back("avx512", MeasureActivationsAvx512);
  if (__builtin_cpu_supports("avx2")) m.emplace_back("avx2", MeasureActivationsAvx2);
  return m;
}

TEST_CASE("activation facts: significant bits, exponent range, nothing assumed past normal") {
  if (Measurements().empty()) MESSAGE("skipped: needs AVX2 or AVX-512");
  for (const auto& [name, measure] : Measurements()) {
    INFO(name);
    std::vector<float> x = {0.0f, 1.5f, -0.375f, 96.0f, -0.0f, 3.0f, 0.0f, 0.0f, 0.0f,
                            0.0f, 0.0f, 0.0f,    0.0f,  0.0f,  0.0f, 0.0f, 0.0f};  // 17: a tail
    ActivationFacts f = measure(x.data(), 1, x.size(), x.size());
    CHECK(f.known);
    CHECK(f.significant_bits == 2);  // 1.5, 0.375, 96 and 3 are two-bit numbers
    CHECK(f.min_exponent == -2);     // 0.375 = 1.5 * 2^-2
    CHECK(f.max_exponent == 6);      // 96 = 1.5 * 2^6
    x[16] = 1.0f + 1.0f / 1024;      // in the tail: 11 bits
    CHECK(measure(x.data(), 1, x.size(), x.size()).significant_bits == 11);
    x[16] = 1024.0f;  // in the tail: the largest exponent
    CHECK(measure(x.data(), 1, x.size(), x.size()).max_exponent == 10);
    x[7] = 1e-40f;  // subnormal
    CHECK_FALSE(measure(x.data(), 1, x.size(), x.size()).known);
    x[7] = std::numeric_limits<float>::infinity();
    CHECK_FALSE(measure(x.data(), 1, x.size(), x.size()).known);
    x[7] = std::numeric_limits<float>::quiet_NaN();
    CHECK_FALSE(measure(x.data(), 1, x.size(), x.size()).known);
    x[7] = 0.0f;
    // Rows apart by a stride: the gap is not read.
    std::vector<float> two = {1.0f, 2.0f, 1e-40f, 4.0f, 8.0f};
    f = measure(two.data(), 2, 3, 2);
    CHECK(f.known);
    CHECK(f.max_exponent == 3);
    CHECK(f.min_exponent == 0);
    // Past K, nothing is read either (a subnormal right after the row's last value).
    std::vector<float> tail = {2.0f, 2.0f, 2.0f, 2.0f, 2.0f, 2.0f, 2.0f, 2.0f, 2.0f, 1e-40f};
    CHECK(measure(tail.data(), 1, 9, 9).known);
    // All zero: known, one bit.
    std::vector<float> zeros(9, -0.0f);
    f = measure(zeros.data(), 1, 9, 9);
    CHECK(f.known);
    CHECK(f.significant_bits == 1);
  }
}

TEST_CASE("activation facts: the AVX2 and AVX-512 measurements agree") {
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx2")) {
    MESSAGE("skipped: needs AVX2 and AVX-512");
    return;
  }
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int trial = 0; trial < 200; ++trial) {
    const size_t M = 1 + rng() % 3, K = 1 + rng() % 300, stride = K + rng() % 5;
    const int bits = 1 + static_cast<int>(rng() % 24), shift = static_cast<int>(rng() % 200) - 100;
    std::vector<float> x(M * stride);
    for (float& v : x) {
      const float r = std::ldexp(std::nearbyint(std::ldexp(normal(rng), bits)), shift - bits);
      v = rng() % 4 == 0 ? 0.0f : r;
    }
    const ActivationFacts a = MeasureActivationsAvx512(x.data(), M, stride, K),
                          b = MeasureActivationsAvx2(x.data(), M, stride, K);
    INFO("trial " << trial);
    CHECK(a.known == b.known);
    CHECK(a.significant_bits == b.significant_bits);
    CHECK(a.min_exponent == b.min_exponent);
    CHECK(a.max_exponent == b.max_exponent);
  }
}

}  // namespace
}  // namespace inference
