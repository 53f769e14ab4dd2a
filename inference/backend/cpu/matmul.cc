#include "inference/backend/cpu/matmul.h"

#include <algorithm>
#include <vector>

#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/quantize.h"

namespace inference {
namespace {

constexpr size_t kFp8Block = 128;  // weight scale block and activation quantisation block
constexpr size_t kFp4Group = 32;   // FP4 weight scale group along K

}  // namespace

float Dot(const float* a, const float* b, size_t n) {
  // One running sum in index order, without fused multiply-add: the order the reference's
  // CPU matrix products used (matched bit for bit against the golden mHC coefficients).
  float s = 0.0f;
  for (size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

void DecodeFp8Row(const Fp8Weight& w, size_t r, float* row) {
  const float* table = E4m3Table();
  const size_t scale_cols = (w.in + kFp8Block - 1) / kFp8Block;
  const uint8_t* src = w.data + r * w.in;
  const uint8_t* scales = w.scale + (r / kFp8Block) * scale_cols;
  for (size_t kb = 0; kb < scale_cols; ++kb) {
    const float s = E8m0ToFloat(scales[kb]);
    const size_t end = std::min(w.in, (kb + 1) * kFp8Block);
    for (size_t k = kb * kFp8Block; k < end; ++k) row[k] = table[src[k]] * s;
  }
}

void DecodeFp4Row(const Fp4Weight& w, size_t r, float* row) {
  float codes[16];
  for (uint8_t c = 0; c < 16; ++c) codes[c] = E2m1ToFloat(c);
  const uint8_t* src = w.data + r * (w.in / 2);
  const uint8_t* scales = w.scale + r * (w.in / kFp4Group);
  for (size_t g = 0; g < w.in / kFp4Group; ++g) {
    const float s = E8m0ToFloat(scales[g]);
    for (size_t k = g * kFp4Group; k < (g + 1) * kFp4Group; k += 2) {
      const uint8_t byte = src[k / 2];
      row[k] = codes[byte & 0xf] * s;
      row[k + 1] = codes[byte >> 4] * s;
    }
  }
}

void DecodeBf16Row(const Bf16Weight& w, size_t r, float* row) {
  const uint8_t* src = w.data + r * w.in * 2;
  for (size_t k = 0; k < w.in; ++k) row[k] = LoadBf16(src + 2 * k);
}

namespace {

// Eight output rows are computed at once, one per vector lane: each lane still adds its products
// one by one in K order (no reassociation, no fused multiply-add), so the result is identical to
// Dot() per output while the compiler can use SIMD registers across the rows.
constexpr size_t kLanes = 8;
using Lanes = float __attribute__((vector_size(kLanes * sizeof(float))));

// Decodes rows [n0, n0 + 8) of a weight into lane-interleaved form wt[k * 8 + lane]; rows past
// the end decode as zeros.
template <typename Weight, typename DecodeRow>
void DecodeLaneBlock(const Weight& w, size_t n0, size_t rows, DecodeRow decode_row,
                     std::vector<float>& row, std::vector<Lanes>& wt) {
  const size_t K = w.in;
  for (size_t k = 0; k < K; ++k) wt[k] = Lanes{};
  for (size_t j = 0; j < kLanes && n0 + j < rows; ++j) {
    decode_row(w, n0 + j, row.data());
    for (size_t k = 0; k < K; ++k) wt[k][j] = row[k];
  }
}

// y[m, n0 + lane] for all m: K-blocked sums (partials of `block` products, added in order).
void LaneProducts(const float* x, size_t M, size_t x_stride, size_t K, size_t block,
                  const std::vector<Lanes>& wt, Lanes* out) {
  for (size_t m = 0; m < M; ++m) {
    const float* a = x + m * x_stride;
    Lanes acc{};
    for (size_t k0 = 0; k0 < K; k0 += block) {
      Lanes partial{};
      const size_t end = std::min(K, k0 + block);
      for (size_t k = k0; k < end; ++k) partial += a[k] * wt[k];
      acc = k0 == 0 ? partial : acc + partial;
    }
    out[m] = acc;
  }
}

// Shared body of the FP8 and FP4 products: quantised activations, per-block fp32 partials
// added in K order, bf16 output. `block` is the K width of one partial sum.
template <typename Weight, typename DecodeRow>
void BlockedQuantizedMatmul(const float* x, size_t M, const Weight& w, size_t block,
                            DecodeRow decode_row, float* y) {
  const size_t K = w.in;
  std::vector<float> xq(M * K);
  for (size_t m = 0; m < M; ++m) QuantizeDequantizeFp8(x + m * K, K, kFp8Block, xq.data() + m * K);
  std::vector<float> row(K);
  std::vector<Lanes> wt(K), out(M);
  for (size_t n0 = 0; n0 < w.out; n0 += kLanes) {
    DecodeLaneBlock(w, n0, w.out, decode_row, row, wt);
    LaneProducts(xq.data(), M, K, K, block, wt, out.data());
    for (size_t m = 0; m < M; ++m) {
      for (size_t j = 0; j < kLanes && n0 + j < w.out; ++j)
        y[m * w.out + n0 + j] = RoundToBf16(out[m][j]);
    }
  }
}

}  // namespace

void MatmulFp8(const float* x, size_t M, const Fp8Weight& w, float* y) {
  BlockedQuantizedMatmul(x, M, w, kFp8Block, DecodeFp8Row, y);
}

void MatmulFp4(const float* x, size_t M, const Fp4Weight& w, float* y) {
  BlockedQuantizedMatmul(x, M, w, kFp4Group, DecodeFp4Row, y);
}

void MatmulBf16WeightF32(const float* x, size_t M, const Bf16Weight& w, float* y) {
  std::vector<float> row(w.in);
  std::vector<Lanes> wt(w.in), out(M);
  for (size_t n0 = 0; n0 < w.out; n0 += kLanes) {
    DecodeLaneBlock(w, n0, w.out, DecodeBf16Row, row, wt);
    LaneProducts(x, M, w.in, w.in, w.in, wt, out.data());
    for (size_t m = 0; m < M; ++m) {
      for (size_t j = 0; j < kLanes && n0 + j < w.out; ++j) y[m * w.out + n0 + j] = out[m][j];
    }
  }
}

void MatmulDequantizedFp8F32(const float* x, size_t M, size_t x_stride, const Fp8Weight& w,
                             size_t row_begin, size_t row_count, float* y, size_t y_stride) {
  std::vector<float> row(w.in);
  std::vector<Lanes> wt(w.in), out(M);
  const size_t row_end = row_begin + row_count;
  for (size_t n0 = row_begin; n0 < row_end; n0 += kLanes) {
    DecodeLaneBlock(w, n0, row_end, DecodeFp8Row, row, wt);
    LaneProducts(x, M, x_stride, w.in, w.in, wt, out.data());
    for (size_t m = 0; m < M; ++m) {
      for (size_t j = 0; j < kLanes && n0 + j < row_end; ++j)
        y[m * y_stride + (n0 - row_begin) + j] = out[m][j];
    }
  }
}

}  // namespace inference
