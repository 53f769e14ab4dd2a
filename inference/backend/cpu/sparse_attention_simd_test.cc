// The AVX-512 and AVX2 attention steps equal their scalar definitions bit for bit: weighted row
// sums with
// each product rounded on its own (tiny weights make subnormal products, where a fused
// multiply-add would differ), null rows skipped, any number of heads; the rescale and the
// final division with bf16 rounding.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/sparse_attention_avx2.h"
#include "inference/backend/cpu/sparse_attention_avx512.h"

namespace inference {
namespace {

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// One SIMD path's three steps, and the widths d it takes.
struct Steps {
  const char* name;
  bool supported;
  void (*weighted_row_sums)(const float*, size_t, const float* const*, size_t, size_t, float*);
  void (*rescale_add)(float*, float, const float*, size_t);
  void (*divide_to_bf16)(const float*, float, size_t, float*);
  std::vector<size_t> widths;
};

TEST_CASE("the SIMD attention steps (WeightedRowSums, RescaleAdd, DivideToBf16) equal the scalar") {
  const Steps paths[] = {
      {"avx512",
       static_cast<bool>(__builtin_cpu_supports("avx512f")),
       WeightedRowSumsAvx512,
       RescaleAddAvx512,
       DivideToBf16Avx512,
       {64, 512}},
      {"avx2",
       static_cast<bool>(__builtin_cpu_supports("avx2")),
       WeightedRowSumsAvx2,
       RescaleAddAvx2,
       DivideToBf16Avx2,
       {16, 48, 512}},
  };
  for (const Steps& path : paths) {
    if (!path.supported) {
      MESSAGE("skipped " << path.name << ": not on this CPU");
      continue;
    }
    INFO(path.name);
    std::mt19937 rng(9);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (size_t d : path.widths) {
      for (size_t heads : {1, 3, 4, 6, 8}) {
        for (size_t n : {1, 17, 64}) {
          std::vector<float> storage(n * d);
          for (float& v : storage) v = RoundToBf16(normal(rng));
          std::vector<const float*> rows(n);
          for (size_t j = 0; j < n; ++j) rows[j] = j % 5 == 3 ? nullptr : &storage[j * d];
          std::vector<float> p(heads * n);
          for (size_t i = 0; i < p.size(); ++i) {
            // Some weights so small that their products fall below the normal range.
            // (all of head 0's, so that its sums stay that small too).
            const bool tiny = i < n || i % 7 == 0;
            p[i] = RoundToBf16(tiny ? std::ldexp(std::fabs(normal(rng)), -130)
                                    : std::fabs(normal(rng)));
          }
          std::vector<float> want(heads * d, 0.0f), got(heads * d, -1.0f);
          for (size_t h = 0; h < heads; ++h) {
            for (size_t j = 0; j < n; ++j) {
              if (rows[j] == nullptr) continue;
              for (size_t c = 0; c < d; ++c) {
                float product = p[h * n + j] * rows[j][c];
                asm("" : "+x"(product));  // rounded on its own, as AddScaled
                want[h * d + c] += product;
              }
            }
          }
          path.weighted_row_sums(p.data(), heads, rows.data(), n, d, got.data());
          INFO("d " << d << ", heads " << heads << ", rows " << n);
          CHECK(SameBits(got, want));

          // The rescale against the last head's sums (head 0's are tiny, and a tiny addend would
          // hide a fused multiply-add).
          std::vector<float> acc(d), acc_want(d), out(d), out_want(d);
          const float* last = &want[(heads - 1) * d];
          for (float& v : acc) v = normal(rng);
          for (size_t c = 0; c < d; ++c) {
            float scaled = acc[c] * 0.37f;
            asm("" : "+x"(scaled));
            acc_want[c] = scaled + last[c];
          }
          path.rescale_add(acc.data(), 0.37f, last, d);
          CHECK(SameBits(acc, acc_want));
          for (size_t c = 0; c < d; ++c) out_want[c] = RoundToBf16(acc[c] / 3.1f);
          path.divide_to_bf16(acc.data(), 3.1f, d, out.data());
          CHECK(SameBits(out, out_want));
        }
      }
    }
  }
}

}  // namespace
}  // namespace inference
