// The AVX2 block decoder gives each lane the scalar decoder's value bit for bit: every e4m3 code
// (subnormals, signed zeros; NaN codes never reach an interleaved weight), every e2m1 code in
// both nibbles, every e8m0 scale byte (0 and 255 included; not every code with every scale),
// random bf16 patterns, and the zero padding rows of the last block.
#include "inference/backend/cpu/lane_decode_avx2.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "inference/backend/cpu/interleaved_weight.h"
#include "inference/backend/cpu/random_weight_bytes.h"

namespace inference {
namespace {

// Rows [n0, n0 + 8) of w as the scalar decoder gives them, lane-interleaved; rows past w.out are
// zeros.
template <typename Weight, typename DecodeRow>
std::vector<float> ScalarLanes(const Weight& w, size_t n0, DecodeRow decode_row) {
  std::vector<float> lanes(w.in * 8, 0.0f), row(w.in);
  for (size_t j = 0; j < 8 && n0 + j < w.out; ++j) {
    decode_row(w, n0 + j, row.data());
    for (size_t k = 0; k < w.in; ++k) lanes[k * 8 + j] = row[k];
  }
  return lanes;
}

template <typename Weight, typename DecodeRow>
void CheckEveryHalfBlock(const Weight& w, DecodeRow decode_row) {
  float* got = static_cast<float*>(std::aligned_alloc(64, w.in * 8 * sizeof(float)));
  for (size_t n0 = 0; n0 < InterleavedRows(w.out); n0 += 8) {
    DecodeLanes8Avx2(w, n0, got);
    const std::vector<float> want = ScalarLanes(w, n0, decode_row);
    CAPTURE(n0);
    CHECK(std::memcmp(got, want.data(), want.size() * sizeof(float)) == 0);
  }
  std::free(got);
}

TEST_CASE("DecodeLanes8Avx2 equals the scalar row decoders bit for bit") {
  if (!__builtin_cpu_supports("avx2")) {
    MESSAGE("skipped: needs AVX2");
    return;
  }
  std::mt19937 rng(17);
  // 150 rows: two FP8 scale rows, the last block holding 6 rows and 10 padding rows.
  const size_t N = 150, K = 256;
  // FP8: every non-NaN code appears; scales from tiny to large.
  std::vector<uint8_t> w8 = RandomE4m3Codes(N * K, rng);
  for (size_t i = 0; i < 256; ++i) {
    if ((i & 0x7f) != 0x7f) w8[i] = static_cast<uint8_t>(i);
  }
  const std::vector<uint8_t> s8 = {3, 250, 127, 20};  // [2 row blocks, 2 column blocks]
  const Fp8Weight fp8{w8.data(), s8.data(), N, K};
  // MXFP4: every code in both nibbles, every scale byte.
  std::vector<uint8_t> w4 = RandomBytes(N * K / 2, rng), s4 = RandomBytes(N * K / 32, rng);
  for (size_t i = 0; i < 256; ++i) {
    w4[i] = static_cast<uint8_t>(i);
    s4[i % s4.size()] = static_cast<uint8_t>(i);
  }
  const Fp4Weight fp4{w4.data(), s4.data(), N, K};
  const std::vector<uint8_t> wb = RandomBytes(N * K * 2, rng);
  const Bf16Weight bf16{wb.data(), N, K};

  const auto i8 = Interleaved(fp8);
  const auto i4 = Interleaved(fp4);
  const auto ib = Interleaved(bf16);
  REQUIRE(i8.view.interleaved);
  REQUIRE(i4.view.interleaved);
  REQUIRE(ib.view.interleaved);
  CheckEveryHalfBlock(i8.view, DecodeFp8Row);
  CheckEveryHalfBlock(i4.view, DecodeFp4Row);
  CheckEveryHalfBlock(ib.view, DecodeBf16Row);
}

}  // namespace
}  // namespace inference
