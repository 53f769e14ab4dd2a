// The interleaved layout puts every unit where interleaved_weight.h says, pads the last block
// with zero rows, decodes to the row-major weight's values, and leaves alone what it does not
// take. (matmul_parallel_test checks the products over both layouts.)
#include "inference/backend/cpu/interleaved_weight.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "inference/backend/cpu/matmul.h"
#include "inference/backend/cpu/random_weight_bytes.h"

namespace inference {
namespace {

std::vector<float> Row(const Fp8Weight& w, size_t r) {
  std::vector<float> row(w.in);
  DecodeFp8Row(w, r, row.data());
  return row;
}
std::vector<float> Row(const Fp4Weight& w, size_t r) {
  std::vector<float> row(w.in);
  DecodeFp4Row(w, r, row.data());
  return row;
}
std::vector<float> Row(const Bf16Weight& w, size_t r) {
  std::vector<float> row(w.in);
  DecodeBf16Row(w, r, row.data());
  return row;
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST_CASE("interleaved weights: unit positions, zero padding, same decoded rows") {
  std::mt19937 rng(3);
  const size_t N = 37, K = 256;  // 37 rows: three blocks, the last with 5 rows and 11 padding
  CHECK(InterleavedRows(N) == 48);
  std::vector<uint8_t> w8 = RandomE4m3Codes(N * K, rng), s8(1 * 2, 127);
  s8[1] = 130;
  const std::vector<uint8_t> w4 = RandomBytes(N * K / 2, rng), s4 = RandomBytes(N * K / 32, rng);
  const std::vector<uint8_t> wb = RandomBytes(N * K * 2, rng);
  const Fp8Weight fp8{w8.data(), s8.data(), N, K};
  const Fp4Weight fp4{w4.data(), s4.data(), N, K};
  const Bf16Weight bf16{wb.data(), N, K};
  const auto i8 = Interleaved(fp8);
  const auto i4 = Interleaved(fp4);
  const auto ib = Interleaved(bf16);
  REQUIRE(i8.view.interleaved);
  REQUIRE(i4.view.interleaved);
  REQUIRE(ib.view.interleaved);
  CHECK(i8.view.scale == fp8.scale);  // FP8 scales keep their layout

  // Unit u of row r at ((r / 16) * units + u) * 16 + r % 16; padding rows are zero.
  for (size_t r = 0; r < InterleavedRows(N); ++r) {
    for (size_t u : {size_t{0}, size_t{1}, size_t{77}, K / 2 - 1}) {
      CAPTURE(r);
      CAPTURE(u);
      const size_t at8 = ((r / 16) * K + u) * 16 + r % 16;
      const size_t at4 = ((r / 16) * (K / 2) + u) * 16 + r % 16;
      const size_t at4_scale = ((r / 16) * (K / 32) + u % (K / 32)) * 16 + r % 16;
      const size_t atb = (((r / 16) * (K / 2) + u) * 16 + r % 16) * 4;
      const bool real = r < N;
      CHECK(i8.view.data[at8] == (real ? w8[r * K + u] : 0));
      CHECK(i4.view.data[at4] == (real ? w4[r * K / 2 + u] : 0));
      CHECK(i4.view.scale[at4_scale] == (real ? s4[r * K / 32 + u % (K / 32)] : 0));
      const uint8_t zeros[4] = {};
      CHECK(std::memcmp(ib.view.data + atb, real ? &wb[(r * K + 2 * u) * 2] : zeros, 4) == 0);
    }
  }
  for (size_t r = 0; r < N; ++r) {
    CAPTURE(r);
    CHECK(SameBits(Row(i8.view, r), Row(fp8, r)));
    CHECK(SameBits(Row(i4.view, r), Row(fp4, r)));
    CHECK(SameBits(Row(ib.view, r), Row(bf16, r)));
  }
}

TEST_CASE("interleaving leaves alone what the layout does not take") {
  std::vector<uint8_t> w8(32 * 128, 0x38), s8(1, 127), wb(32 * 7 * 2, 0x3f);
  w8[100] = 0xff;  // an e4m3 NaN code
  const auto nan = Interleaved(Fp8Weight{w8.data(), s8.data(), 32, 128});
  CHECK_FALSE(nan.view.interleaved);
  CHECK(nan.view.data == w8.data());
  CHECK(nan.storage.data() == nullptr);
  const auto odd = Interleaved(Bf16Weight{wb.data(), 32, 7});  // odd K: no whole pairs
  CHECK_FALSE(odd.view.interleaved);
  CHECK(odd.view.data == wb.data());
  // Interleaving an interleaved weight changes nothing.
  w8[100] = 0x38;
  const auto once = Interleaved(Fp8Weight{w8.data(), s8.data(), 32, 128});
  const auto twice = Interleaved(once.view);
  CHECK(twice.view.data == once.view.data);
}

}  // namespace
}  // namespace inference
