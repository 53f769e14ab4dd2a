// SwiGluRow gives its scalar definition's bits on every path: clamped and unclamped, weighted or
// not, widths with a scalar tail, and NaN, infinities, signed zeros and subnormals in both inputs.
#include "inference/backend/cpu/swiglu.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/swiglu_avx2.h"

namespace inference {
namespace {

using SwiGluFn = void (*)(float, float, bool, size_t, float*, float*, float*);

// A row of bf16 values (as the experts' products are rounded) or of fp32 values of every
// magnitude from 2^-40 to 2^8 (exp(-g) then underflows, overflows or rounds anywhere).
std::vector<float> Row(size_t n, bool bf16, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, 6.0f);
  std::uniform_real_distribution<float> mantissa(1.0f, 2.0f);
  std::uniform_int_distribution<int> exponent(-40, 7);
  std::vector<float> x(n);
  for (float& v : x) {
    v = bf16 ? RoundToBf16(normal(rng))
             : std::ldexp(mantissa(rng), exponent(rng)) * ((rng() & 1) ? -1.0f : 1.0f);
  }
  return x;
}

// Runs `swiglu` and SwiGluRowScalar on the same rows and compares g and u bit for bit.
void CheckAgainstScalar(SwiGluFn swiglu) {
  const unsigned seed = 3;
  MESSAGE("seed " << seed);
  std::mt19937 rng(seed);
  const float inf = std::numeric_limits<float>::infinity();
  const float specials[] = {std::numeric_limits<float>::quiet_NaN(),
                            inf,
                            -inf,
                            0.0f,
                            -0.0f,
                            10.0f,
                            -10.0f,
                            200.0f,
                            -200.0f,
                            104.5f,
                            -100.5f,
                            std::numeric_limits<float>::denorm_min(),
                            -1e-40f,
                            std::numeric_limits<float>::max(),
                            -std::numeric_limits<float>::max()};
  for (size_t inter : {0, 1, 7, 8, 9, 15, 16, 17, 37, 256, 512}) {
    for (float limit : {0.0f, -1.0f, 10.0f, 0.5f}) {
      for (bool weighted : {false, true}) {
        for (bool bf16 : {true, false}) {
          std::vector<float> g = Row(inter, bf16, rng), u = Row(inter, bf16, rng);
          for (size_t i = 0; i < std::size(specials) && inter > 0; ++i) {
            g[(3 * i) % inter] = specials[i];
            u[(5 * i + 1) % inter] = specials[i];
          }
          std::vector<float> g1 = g, u1 = u, g2 = g, u2 = u, s1(inter), s2(inter);
          swiglu(limit, 0.37f, weighted, inter, g1.data(), u1.data(), s1.data());
          SwiGluRowScalar(limit, 0.37f, weighted, inter, g2.data(), u2.data(), s2.data());
          INFO("inter " << inter << ", limit " << limit << ", weighted " << weighted << ", bf16 "
                        << bf16);
          CHECK((inter == 0 || std::memcmp(g1.data(), g2.data(), inter * sizeof(float)) == 0));
          CHECK((inter == 0 || std::memcmp(u1.data(), u2.data(), inter * sizeof(float)) == 0));
        }
      }
    }
  }
}

TEST_CASE("SwiGluRow equals SwiGluRowScalar bit for bit") { CheckAgainstScalar(SwiGluRow); }

TEST_CASE("SwiGluRowAvx2 equals SwiGluRowScalar bit for bit") {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
    MESSAGE("skipped: needs AVX2 and FMA");
    return;
  }
  CheckAgainstScalar(SwiGluRowAvx2);
}

}  // namespace
}  // namespace inference
