// The threaded and SIMD matrix products must give exactly the result of the sequential
// definition (per output: K-block partial sums in K order, no fused multiply-add), for every
// pool size, both weight layouts (row-major and interleaved) and shapes that are not multiples of
// the lane width.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "inference/backend/cpu/blocked_dot_reference.h"
#include "inference/backend/cpu/interleaved_weight.h"
#include "inference/backend/cpu/matmul.h"
#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/quantize.h"
#include "inference/backend/cpu/random_weight_bytes.h"
#include "inference/backend/cpu/thread_pool.h"

namespace inference {
namespace {

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST_CASE("threaded SIMD products equal the sequential definition bit for bit") {
  const unsigned seed = std::random_device{}();
  std::printf("matmul_parallel_test seed %u, path %s\n", seed, MatmulSimdPath());
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const size_t M = 11, N = 300, K = 640;  // K: five 128-column blocks
  const std::vector<uint8_t> w8 = RandomE4m3Codes(N * K, rng), s8 = RandomBytes(3 * 5, rng, 120, 6),
                             w4 = RandomBytes(N * K / 2, rng),
                             s4 = RandomBytes(N * K / 32, rng, 120, 6);
  std::vector<uint8_t> wb(N * K * 2);
  for (size_t i = 0; i < N * K; ++i) {
    const uint16_t bits = FloatToBf16Bits(normal(rng) * 0.05f);
    std::memcpy(&wb[2 * i], &bits, 2);
  }
  std::vector<float> x(M * K), xq(M * K);
  for (auto& v : x) v = RoundToBf16(normal(rng));
  for (size_t m = 0; m < M; ++m) QuantizeDequantizeFp8(&x[m * K], K, 128, &xq[m * K]);
  const Fp8Weight fp8{w8.data(), s8.data(), N, K};
  const Fp4Weight fp4{w4.data(), s4.data(), N, K};
  const Bf16Weight bf16{wb.data(), N, K};

  // The definitions, one output at a time. Two row ranges for MatmulDequantizedFp8F32: one not
  // starting on a 16-row block, one starting on a block and ending inside one.
  const size_t row_begins[2] = {37, 32}, row_count = 200;
  std::vector<float> ref8(M * N), ref4(M * N), refb(M * N), refd[2], row(K);
  for (auto& r : refd) r.resize(M * row_count);
  for (size_t n = 0; n < N; ++n) {
    for (size_t m = 0; m < M; ++m) {
      DecodeFp8Row(fp8, n, row.data());
      ref8[m * N + n] = RoundToBf16(BlockedDot(&xq[m * K], row.data(), K, 128));
      for (size_t i = 0; i < 2; ++i) {
        if (n >= row_begins[i] && n < row_begins[i] + row_count)
          refd[i][m * row_count + n - row_begins[i]] = BlockedDot(&x[m * K], row.data(), K, K);
      }
      DecodeFp4Row(fp4, n, row.data());
      ref4[m * N + n] = RoundToBf16(BlockedDot(&xq[m * K], row.data(), K, 32));
      DecodeBf16Row(bf16, n, row.data());
      refb[m * N + n] = BlockedDot(&x[m * K], row.data(), K, K);
    }
  }
  // Rows are independent, so the first Mt rows of each reference are the answer for Mt rows
  // (Mt <= 4 takes the decode-step kernel on AVX-512, for interleaved weights).
  auto first = [](const std::vector<float>& v, size_t n) {
    return std::vector<float>(v.begin(), v.begin() + n);
  };
  const auto fp8_i = Interleaved(fp8);
  const auto fp4_i = Interleaved(fp4);
  const auto bf16_i = Interleaved(bf16);
  REQUIRE(fp8_i.view.interleaved);
  REQUIRE(fp4_i.view.interleaved);
  REQUIRE(bf16_i.view.interleaved);
  for (bool interleaved : {false, true}) {
    const Fp8Weight& w8v = interleaved ? fp8_i.view : fp8;
    const Fp4Weight& w4v = interleaved ? fp4_i.view : fp4;
    const Bf16Weight& wbv = interleaved ? bf16_i.view : bf16;
    for (size_t threads : {0, 1, 2, 3}) {
      for (size_t Mt : {1, 2, 3, 4, 5, 11}) {  // 11: 8 + 1 + 1 + 1 rows on AVX-512
        CAPTURE(interleaved);
        CAPTURE(threads);
        CAPTURE(Mt);
        ThreadPool pool(threads == 0 ? 1 : threads);
        ThreadPool* p = threads == 0 ? nullptr : &pool;
        std::vector<float> y8(Mt * N), y4(Mt * N), yb(Mt * N), yd(Mt * row_count);
        MatmulFp8(x.data(), Mt, w8v, y8.data(), p);
        MatmulFp4(x.data(), Mt, w4v, y4.data(), p);
        MatmulBf16WeightF32(x.data(), Mt, wbv, yb.data(), p);
        CHECK(SameBits(y8, first(ref8, Mt * N)));
        CHECK(SameBits(y4, first(ref4, Mt * N)));
        CHECK(SameBits(yb, first(refb, Mt * N)));
        for (size_t i = 0; i < 2; ++i) {
          CAPTURE(row_begins[i]);
          MatmulDequantizedFp8F32(x.data(), Mt, K, w8v, row_begins[i], row_count, yd.data(),
                                  row_count, p);
          CHECK(SameBits(yd, first(refd[i], Mt * row_count)));
        }
      }
    }
  }
}

// NaN e4m3 codes: Interleave keeps such a weight row-major (the interleaved kernels do not check
// codes), and the row-major paths give the table's values. Scales whose 2^8 multiple overflows
// and the subnormal scale take the decode-step kernel's own fallbacks (interleaved, below).
TEST_CASE("FP8 products with NaN codes and extreme scales equal the sequential definition") {
  std::mt19937 rng(7);
  const size_t N = 256, K = 256, M = 3;
  std::vector<uint8_t> w8 = RandomE4m3Codes(N * K, rng), s8(2 * 2);
  w8[5 * K + 3] = 0x7f;  // NaN in rows 5, 130
  w8[130 * K + 200] = 0xff;
  s8 = {0, 250, 127, 120};  // subnormal, overflowing 2^8 multiple, 1, 2^-7
  std::vector<float> x(M * K), xq(M * K);
  for (auto& v : x) v = RoundToBf16(std::normal_distribution<float>(0.0f, 1.0f)(rng));
  for (size_t m = 0; m < M; ++m) QuantizeDequantizeFp8(&x[m * K], K, 128, &xq[m * K]);
  const Fp8Weight fp8{w8.data(), s8.data(), N, K};
  CHECK_FALSE(Interleaved(fp8).view.interleaved);
  std::vector<uint8_t> no_nan(w8);
  no_nan[5 * K + 3] = no_nan[130 * K + 200] = 0x01;
  const auto interleaved = Interleaved(Fp8Weight{no_nan.data(), s8.data(), N, K});
  REQUIRE(interleaved.view.interleaved);
  std::vector<float> ref(M * N), ref_i(M * N), row(K);
  for (size_t n = 0; n < N; ++n) {
    DecodeFp8Row(fp8, n, row.data());
    for (size_t m = 0; m < M; ++m)
      ref[m * N + n] = RoundToBf16(BlockedDot(&xq[m * K], row.data(), K, 128));
    DecodeFp8Row(interleaved.view, n, row.data());
    for (size_t m = 0; m < M; ++m)
      ref_i[m * N + n] = RoundToBf16(BlockedDot(&xq[m * K], row.data(), K, 128));
  }
  ThreadPool pool(2);
  for (size_t Mt : {1, 3}) {
    CAPTURE(Mt);
    std::vector<float> y(Mt * N), y_i(Mt * N);
    MatmulFp8(x.data(), Mt, interleaved.view, y_i.data(), &pool);
    MatmulFp8(x.data(), Mt, fp8, y.data(), &pool);
    // A NaN's sign depends on the operand order of the multiply that produced it: NaN is
    // compared as NaN, everything else bit for bit.
    for (size_t i = 0; i < Mt * N; ++i) {
      CAPTURE(i);
      if (std::isnan(ref[i])) {
        CHECK(std::isnan(y[i]));
      } else {
        CHECK(std::memcmp(&y[i], &ref[i], sizeof(float)) == 0);
      }
      if (std::isnan(ref_i[i])) {
        CHECK(std::isnan(y_i[i]));
      } else {
        CHECK(std::memcmp(&y_i[i], &ref_i[i], sizeof(float)) == 0);
      }
    }
  }
}

// The decode-step kernel moves a block's power-of-two scale onto the activations when that is
// exact; activations that would overflow there, or lose bits below the normal range, must keep
// the scale on the weights. Quantised activations (MatmulFp8) have few significant bits, so the
// raw fp32 activations of MatmulDequantizedFp8F32 (24 bits) probe the low end.
TEST_CASE("FP8 products whose scale cannot move onto the activations equal the definition") {
  std::mt19937 rng(11);
  const size_t N = 512, K = 256;
  // Scale blocks (128 x 128), 2^(byte - 127): the largest the fast path takes, the smallest
  // bytes (scaled activations fall below the normal range), 1, and a few between.
  const std::vector<uint8_t> scales = {246, 127, 0, 3, 200, 100, 8, 60};  // [row block][k block]
  std::vector<uint8_t> w8 = RandomE4m3Codes(N * K, rng), s8(scales);
  const std::vector<int> magnitudes = {100, 60, 20, 0, -20, -30, -40};
  const size_t M = magnitudes.size();
  std::vector<float> x(M * K), xq(M * K);
  for (size_t m = 0; m < M; ++m) {
    for (size_t k = 0; k < K; ++k)
      x[m * K + k] = std::ldexp(std::normal_distribution<float>(0.0f, 1.0f)(rng), magnitudes[m]);
    QuantizeDequantizeFp8(&x[m * K], K, 128, &xq[m * K]);
  }
  const auto interleaved = Interleaved(Fp8Weight{w8.data(), s8.data(), N, K});
  REQUIRE(interleaved.view.interleaved);
  const Fp8Weight& fp8 = interleaved.view;
  std::vector<float> row(K);
  ThreadPool pool(2);
  // NaN (inf - inf) compared as NaN, the rest bit for bit.
  auto same = [](const std::vector<float>& got, const std::vector<float>& want) {
    for (size_t n = 0; n < want.size(); ++n) {
      CAPTURE(n);
      if (std::isnan(want[n])) {
        CHECK(std::isnan(got[n]));
      } else {
        CHECK(std::memcmp(&got[n], &want[n], sizeof(float)) == 0);
      }
    }
  };
  for (size_t m = 0; m < M; ++m) {
    CAPTURE(magnitudes[m]);
    std::vector<float> quantised(N), raw(N), y(N);
    for (size_t n = 0; n < N; ++n) {
      DecodeFp8Row(fp8, n, row.data());
      quantised[n] = RoundToBf16(BlockedDot(&xq[m * K], row.data(), K, 128));
      raw[n] = BlockedDot(&x[m * K], row.data(), K, K);
    }
    MatmulFp8(x.data() + m * K, 1, fp8, y.data(), &pool);
    same(y, quantised);
    MatmulDequantizedFp8F32(x.data() + m * K, 1, K, fp8, 0, N, y.data(), N, &pool);
    same(y, raw);
  }
}

// The MXFP4 decode-step kernel multiplies a group's partial sum by the row's scale (instead of
// each product) only where every sum stays normal; activations and scales at the ends of the
// range must take the per-product path and still equal the definition.
TEST_CASE("MXFP4 products at extreme scales and magnitudes equal the definition") {
  std::mt19937 rng(13);
  const size_t N = 32, K = 256;
  std::vector<uint8_t> w4(N * K / 2), s4(N * K / 32);
  for (auto& b : w4) b = static_cast<uint8_t>(rng() % 256);
  ThreadPool pool(2);
  // A weight per scale range (the kernel checks a weight's whole range): ordinary, tiny, huge,
  // huge enough that 6 * scale overflows, and one with the subnormal scale.
  const uint8_t ranges[5][2] = {{120, 130}, {1, 20}, {200, 252}, {240, 254}, {0, 3}};
  for (const auto& range : ranges) {
    CAPTURE(int(range[0]));
    for (auto& b : s4) b = static_cast<uint8_t>(range[0] + rng() % (range[1] - range[0] + 1));
    const auto fp4 = Interleaved(Fp4Weight{w4.data(), s4.data(), N, K});
    REQUIRE(fp4.view.interleaved);
    for (int magnitude : {100, 60, 20, 0, -10, -14}) {  // smaller ones quantise to zeros
      CAPTURE(magnitude);
      std::vector<float> x(K), xq(K), row(K), want(N), got(N);
      for (auto& v : x) v = std::ldexp(std::normal_distribution<float>(0.0f, 1.0f)(rng), magnitude);
      QuantizeDequantizeFp8(x.data(), K, 128, xq.data());
      for (size_t n = 0; n < N; ++n) {
        DecodeFp4Row(fp4.view, n, row.data());
        want[n] = RoundToBf16(BlockedDot(xq.data(), row.data(), K, 32));
      }
      MatmulFp4(x.data(), 1, fp4.view, got.data(), &pool);
      for (size_t n = 0; n < N; ++n) {
        CAPTURE(n);
        if (std::isnan(want[n])) {
          CHECK(std::isnan(got[n]));
        } else {
          CHECK(std::memcmp(&got[n], &want[n], sizeof(float)) == 0);
        }
      }
    }
  }
}

TEST_CASE(
    "DotRows and DotRowsMulti equal Dot per row bit for bit, null rows untouched; AddScaled") {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (size_t n : {7, 16, 300}) {
    const size_t n_rows = 37;
    std::vector<float> rows(n_rows * n), x(n);
    for (auto& v : rows) v = normal(rng);
    for (auto& v : x) v = normal(rng);
    std::vector<const float*> pointers(n_rows);
    for (size_t r = 0; r < n_rows; ++r) pointers[r] = r % 5 == 3 ? nullptr : &rows[r * n];
    std::vector<float> by_pointer(n_rows, 42.0f), strided(n_rows);
    DotRows(pointers.data(), n_rows, x.data(), n, by_pointer.data());
    DotRowsStrided(rows.data(), n, n_rows, x.data(), n, strided.data());
    std::vector<float> y(rows.begin(), rows.begin() + n), y_want = y;
    AddScaled(y.data(), 0.37f, x.data(), n);
    for (size_t i = 0; i < n; ++i) {
      float product = 0.37f * x[i];
      volatile float rounded = product;  // one rounding for the product, one for the sum
      y_want[i] += rounded;
    }
    CHECK(SameBits(y, y_want));
    // Several vectors against the same rows: every count the kernels specialise (1-8), and more
    // than one group of 8.
    for (size_t n_x : {1, 2, 3, 4, 5, 6, 7, 8, 11}) {
      std::vector<float> xs(n_x * n), multi(n_x * n_rows, 42.0f);
      for (auto& v : xs) v = normal(rng);
      DotRowsMulti(pointers.data(), n_rows, xs.data(), n_x, n, n, multi.data());
      for (size_t i = 0; i < n_x; ++i) {
        for (size_t r = 0; r < n_rows; ++r) {
          CAPTURE(n_x);
          CAPTURE(i);
          CAPTURE(r);
          const float want = pointers[r] ? Dot(pointers[r], &xs[i * n], n) : 42.0f;
          CHECK(std::memcmp(&multi[i * n_rows + r], &want, sizeof want) == 0);
        }
      }
    }
    for (size_t r = 0; r < n_rows; ++r) {
      CAPTURE(n);
      CAPTURE(r);
      const float want = Dot(&rows[r * n], x.data(), n);
      CHECK(std::memcmp(&strided[r], &want, sizeof want) == 0);
      if (pointers[r] == nullptr) {
        CHECK(by_pointer[r] == 42.0f);
      } else {
        CHECK(std::memcmp(&by_pointer[r], &want, sizeof want) == 0);
      }
    }
  }
}

TEST_CASE("products with inexact terms keep the multiply and the add apart") {
  // Full-precision activations (24 significant bits) against FP8 weights (4): x * w needs up to
  // 28 bits and rounds, so a fused multiply-add would round differently. The kernels must see
  // that from the activations and keep the two steps (prefill rows and decode rows alike).
  const unsigned seed = std::random_device{}();
  std::printf("matmul_parallel_test (inexact) seed %u\n", seed);
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const size_t M = 11, N = 64, K = 256;
  const std::vector<uint8_t> codes = RandomE4m3Codes(N * K, rng),
                             scales = RandomBytes(2, rng, 122, 4);
  std::vector<float> x(M * K);
  for (auto& v : x) v = normal(rng);
  const auto w = Interleaved(Fp8Weight{codes.data(), scales.data(), N, K});
  REQUIRE(w.view.interleaved);
  std::vector<float> row(K), want(M * N);
  for (size_t n = 0; n < N; ++n) {
    DecodeFp8Row(w.view, n, row.data());
    for (size_t m = 0; m < M; ++m) want[m * N + n] = BlockedDot(&x[m * K], row.data(), K, K);
  }
  ThreadPool pool(2);
  for (size_t Mt : {size_t{1}, size_t{3}, M}) {
    CAPTURE(Mt);
    std::vector<float> y(Mt * N, -1.0f);
    MatmulDequantizedFp8F32(x.data(), Mt, K, w.view, 0, N, y.data(), N, &pool);
    CHECK(SameBits(y, std::vector<float>(want.begin(), want.begin() + Mt * N)));
  }
}

TEST_CASE("prefill products fuse only inside the range where every product is exact") {
  // Few-bit activations scaled towards the ends of the float range against FP8 weights with tiny
  // and large scales: past the bounds a product underflows into the subnormals (or beyond) or
  // overflows, where a fused multiply-add rounds differently from the separate steps.
  const unsigned seed = std::random_device{}();
  std::printf("matmul_parallel_test (range) seed %u\n", seed);
  std::mt19937 rng(seed);
  const size_t M = 6, N = 32, K = 128;  // M > 4: the lane path
  const std::vector<uint8_t> codes = RandomE4m3Codes(N * K, rng);
  std::vector<float> x(M * K), row(K), want(M * N), y(M * N);
  size_t mismatches = 0;
  for (uint8_t scale : {uint8_t{0}, uint8_t{1}, uint8_t{3}, uint8_t{200}, uint8_t{215}}) {
    const auto w = Interleaved(Fp8Weight{codes.data(), &scale, N, K});
    REQUIRE(w.view.interleaved);
    const int first = scale < 128 ? -115 : 20, last = scale < 128 ? -70 : 75;
    for (int xe = first; xe <= last; ++xe) {
      for (auto& v : x) {  // (1 + m/8) * 2^(xe + r): 4 significant bits
        v = std::ldexp(1.0f + static_cast<float>(rng() % 8) / 8.0f,
                       xe + static_cast<int>(rng() % 4));
        if (rng() % 2) v = -v;
      }
      for (size_t n = 0; n < N; ++n) {
        DecodeFp8Row(w.view, n, row.data());
        for (size_t m = 0; m < M; ++m) want[m * N + n] = BlockedDot(&x[m * K], row.data(), K, K);
      }
      MatmulDequantizedFp8F32(x.data(), M, K, w.view, 0, N, y.data(), N);
      mismatches += !SameBits(y, want);
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("bf16 prefill products fuse only inside the range where every product is exact") {
  // bf16 activations (8 significant bits) against bf16 weights: every product is exact in
  // between, so the lanes fuse; scaled towards the subnormals or the overflow, they must not.
  const unsigned seed = std::random_device{}();
  std::printf("matmul_parallel_test (bf16 range) seed %u\n", seed);
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const size_t M = 6, N = 32, K = 128;  // M > 4: the lane path
  std::vector<float> x(M * K), row(K), want(M * N), y(M * N);
  size_t mismatches = 0, cases = 0;
  // Even rows near 2^we, odd rows 40 binades above: the smallest weights decide where products
  // underflow (an even row's sum then lies among the subnormals too), the largest where they
  // overflow (-136, -128: subnormal weights among them).
  for (int we : {-136, -128, -100, 20, 60, 80}) {
    std::vector<uint8_t> wb(N * K * 2);
    for (size_t i = 0; i < N * K; ++i) {
      const int spread = (i / K) % 2 ? 40 : static_cast<int>(rng() % 3);
      const uint16_t bits = FloatToBf16Bits(std::ldexp(normal(rng), we + spread));
      std::memcpy(&wb[2 * i], &bits, 2);
    }
    const auto w = Interleaved(Bf16Weight{wb.data(), N, K});
    REQUIRE(w.view.interleaved);
    for (int xe = -130; xe <= 127; xe += 3) {
      for (auto& v : x) v = RoundToBf16(std::ldexp(normal(rng), xe));
      for (size_t n = 0; n < N; ++n) {
        DecodeBf16Row(w.view, n, row.data());
        for (size_t m = 0; m < M; ++m) want[m * N + n] = BlockedDot(&x[m * K], row.data(), K, K);
      }
      MatmulBf16WeightF32(x.data(), M, w.view, y.data());
      mismatches += !SameBits(y, want);
      ++cases;
    }
  }
  CHECK(cases > 300);
  CHECK(mismatches == 0);
}

}  // namespace
}  // namespace inference
