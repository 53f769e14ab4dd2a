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
  const uint8_t* src = w.data + r * (w.in / 2);
  const uint8_t* scales = w.scale + r * (w.in / kFp4Group);
  for (size_t g = 0; g < w.in / kFp4Group; ++g) {
    const float s = E8m0ToFloat(scales[g]);
    for (size_t k = g * kFp4Group; k < (g + 1) * kFp4Group; k += 2) {
      const uint8_t byte = src[k / 2];
      row[k] = E2m1ToFloat(byte & 0xf) * s;
      row[k + 1] = E2m1ToFloat(byte >> 4) * s;
    }
  }
}

void DecodeBf16Row(const Bf16Weight& w, size_t r, float* row) {
  const uint8_t* src = w.data + r * w.in * 2;
  for (size_t k = 0; k < w.in; ++k) row[k] = LoadBf16(src + 2 * k);
}

namespace {

// Shared body of the FP8 and FP4 products: quantised activations, per-block fp32 partials
// added in K order, bf16 output. `block` is the K width of one partial sum.
template <typename Weight, typename DecodeRow>
void BlockedQuantizedMatmul(const float* x, size_t M, const Weight& w, size_t block,
                            DecodeRow decode_row, float* y) {
  const size_t K = w.in;
  std::vector<float> xq(M * K);
  for (size_t m = 0; m < M; ++m) QuantizeDequantizeFp8(x + m * K, K, kFp8Block, xq.data() + m * K);
  std::vector<float> row(K);
  for (size_t n = 0; n < w.out; ++n) {
    decode_row(w, n, row.data());
    for (size_t m = 0; m < M; ++m) {
      const float* a = xq.data() + m * K;
      float acc = 0.0f;
      for (size_t k = 0; k < K; k += block) acc += Dot(a + k, row.data() + k, std::min(block, K - k));
      y[m * w.out + n] = RoundToBf16(acc);
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
  for (size_t n = 0; n < w.out; ++n) {
    DecodeBf16Row(w, n, row.data());
    for (size_t m = 0; m < M; ++m) y[m * w.out + n] = Dot(x + m * w.in, row.data(), w.in);
  }
}

void MatmulDequantizedFp8F32(const float* x, size_t M, size_t x_stride, const Fp8Weight& w,
                             size_t row_begin, size_t row_count, float* y, size_t y_stride) {
  std::vector<float> row(w.in);
  for (size_t n = 0; n < row_count; ++n) {
    DecodeFp8Row(w, row_begin + n, row.data());
    for (size_t m = 0; m < M; ++m) y[m * y_stride + n] = Dot(x + m * x_stride, row.data(), w.in);
  }
}

}  // namespace inference
