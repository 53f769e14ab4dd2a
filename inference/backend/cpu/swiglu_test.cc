// SwiGluRow gives its scalar definition's bits on every path: clamped and unclamped, weighted or
// not, widths with a scalar tail, and NaN, infinities and signed zeros in both inputs.
#include "inference/backend/cpu/swiglu.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "inference/backend/cpu/number_formats.h"

namespace inference {
namespace {

TEST_CASE("SwiGluRow equals SwiGluRowScalar bit for bit") {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 6.0f);
  const float inf = std::numeric_limits<float>::infinity();
  const float specials[] = {std::numeric_limits<float>::quiet_NaN(),
                            inf,
                            -inf,
                            0.0f,
                            -0.0f,
                            10.0f,
                            -10.0f,
                            200.0f,
                            -200.0f};
  for (size_t inter : {16, 37, 256}) {
    for (float limit : {0.0f, 10.0f}) {
      for (bool weighted : {false, true}) {
        std::vector<float> g(inter), u(inter);
        for (size_t i = 0; i < inter; ++i) {
          g[i] = RoundToBf16(normal(rng));
          u[i] = RoundToBf16(normal(rng));
        }
        for (size_t i = 0; i < std::size(specials); ++i) {
          g[(3 * i) % inter] = specials[i];
          u[(5 * i + 1) % inter] = specials[i];
        }
        std::vector<float> g1 = g, u1 = u, g2 = g, u2 = u, s1(inter), s2(inter);
        SwiGluRow(limit, 0.37f, weighted, inter, g1.data(), u1.data(), s1.data());
        SwiGluRowScalar(limit, 0.37f, weighted, inter, g2.data(), u2.data(), s2.data());
        INFO("inter " << inter << ", limit " << limit << ", weighted " << weighted);
        CHECK(std::memcmp(g1.data(), g2.data(), inter * sizeof(float)) == 0);
        CHECK(std::memcmp(u1.data(), u2.data(), inter * sizeof(float)) == 0);
      }
    }
  }
}

}  // namespace
}  // namespace inference
