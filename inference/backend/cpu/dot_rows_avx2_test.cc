// The AVX2 dot products equal Dot()'s sequential sums and AddScaled's scalar loop bit for bit:
// any length (whole 8x8 tiles and a tail), one to eight vectors, repeated rows.
#include "inference/backend/cpu/dot_rows_avx2.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "inference/backend/cpu/matmul.h"

namespace inference {
namespace {

bool SameBits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

TEST_CASE("DotRows8MultiAvx2 and AddScaledAvx2 equal the scalar sums bit for bit") {
  if (!__builtin_cpu_supports("avx2")) {
    MESSAGE("skipped: needs AVX2");
    return;
  }
  std::mt19937 rng(29);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> exponent(-20, 20);
  for (size_t n : {1, 7, 8, 9, 64, 515}) {
    const size_t stride = n + 3;  // the vectors apart by more than their length
    std::vector<float> storage(6 * n), x(8 * stride);
    for (float& v : storage) v = std::ldexp(normal(rng), exponent(rng));
    for (float& v : x) v = std::ldexp(normal(rng), exponent(rng));
    // Eight rows, two of them repeats (as a short group's padding).
    const float* rows[8];
    for (size_t j = 0; j < 8; ++j) rows[j] = &storage[(j % 6) * n];
    for (size_t n_x = 1; n_x <= 8; ++n_x) {
      float out[8 * 8];
      DotRows8MultiAvx2(rows, x.data(), n_x, stride, n, out);
      for (size_t i = 0; i < n_x; ++i) {
        for (size_t j = 0; j < 8; ++j) {
          INFO("n " << n << ", vector " << i << ", row " << j);
          CHECK(SameBits(out[i * 8 + j], Dot(rows[j], &x[i * stride], n)));
        }
      }
    }
    std::vector<float> y(n), want(n);
    for (size_t i = 0; i < n; ++i) y[i] = want[i] = normal(rng);
    const float a = 0.3f;
    for (size_t i = 0; i < n; ++i) {
      float product = a * x[i];
      asm("" : "+x"(product));
      want[i] += product;
    }
    AddScaledAvx2(y.data(), a, x.data(), n);
    CHECK(std::memcmp(y.data(), want.data(), n * sizeof(float)) == 0);
  }
}

}  // namespace
}  // namespace inference
