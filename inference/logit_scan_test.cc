#include "inference/logit_scan.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace inference {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// The scan written the obvious way.
LogitScan Naive(const std::vector<float>& v) {
  LogitScan scan;
  for (size_t i = 0; i < v.size(); ++i) {
    if (std::isnan(v[i]) || v[i] == kInf) {
      scan.first_bad = static_cast<int64_t>(i);
      return scan;
    }
  }
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] != -kInf && (scan.argmax < 0 || v[i] > v[scan.argmax]))
      scan.argmax = static_cast<int64_t>(i);
  }
  return scan;
}

TEST_CASE("ScanLogits agrees with the obvious scan on every length and position") {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> coarse(-3, 3);  // few distinct values: many ties
  int checked = 0;
  for (size_t n : {1, 2, 15, 16, 17, 31, 32, 33, 100, 1000, 129280}) {
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<float> v(n);
      for (float& x : v) x = static_cast<float>(coarse(rng));
      // Sometimes a unique maximum, or masked tokens, or a bad value, at a random place.
      const size_t at = rng() % n, at2 = rng() % n;
      switch (trial % 5) {
        case 1:
          v[at] = 7.0f;
          break;
        case 2:
          v[at] = -kInf;
          v[at2] = -kInf;
          break;
        case 3:
          v[at] = std::numeric_limits<float>::quiet_NaN();
          v[at2] = kInf;
          break;
        case 4:
          v[at] = kInf;
          break;
        default:
          break;
      }
      const LogitScan want = Naive(v), got = ScanLogits(v);
      INFO("n " << n << ", trial " << trial);
      CHECK(got.argmax == want.argmax);
      CHECK(got.first_bad == want.first_bad);
      ++checked;
    }
  }
  CHECK(checked == 220);
}

TEST_CASE("ScanLogits: ties go to the lowest index, -inf is never chosen, empty rows have none") {
  std::vector<float> v(40, 1.0f);
  v[37] = 2.0f;
  v[18] = 2.0f;
  CHECK(ScanLogits(v).argmax == 18);
  std::vector<float> masked(33, -kInf);
  CHECK(ScanLogits(masked).argmax == -1);
  CHECK(ScanLogits(masked).first_bad == -1);
  masked[32] = -1e30f;
  CHECK(ScanLogits(masked).argmax == 32);
  CHECK(ScanLogits(std::vector<float>{}).argmax == -1);
  std::vector<float> nan_late(50, 0.0f);
  nan_late[49] = std::numeric_limits<float>::quiet_NaN();
  nan_late[3] = 5.0f;
  CHECK(ScanLogits(nan_late).first_bad == 49);
  CHECK(ScanLogits(nan_late).argmax == -1);
}

}  // namespace
}  // namespace inference
