#include "inference/backend/cpu/onednn_bf16_order.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include "inference/backend/cpu/number_formats.h"

namespace inference {

size_t OneDnnBf16KBlock(size_t K) { return K >= 512 ? K / 2 : K; }

void MatmulDequantizedFp8OneDnnOrder(const float* x, size_t M, size_t x_stride, const Fp8Weight& w,
                                     size_t row_begin, size_t row_count, float* y, size_t y_stride,
                                     ThreadPool* pool) {
  const size_t K = w.in;
  const size_t block = OneDnnBf16KBlock(K);
  if (K % 2 != 0 || block % 2 != 0 || M == 0 || row_count == 0) {
    MatmulDequantizedFp8F32(x, M, x_stride, w, row_begin, row_count, y, y_stride, pool);
    return;
  }
  // Swapping each pair (2i, 2i+1) in both operands turns "odd product first" into the plain
  // in-order sum of the blocked lane kernel (the block boundary falls between pairs).
  std::vector<uint8_t> wb(row_count * K * 2);
  std::vector<float> row(K);
  for (size_t r = 0; r < row_count; ++r) {
    DecodeFp8Row(w, row_begin + r, row.data());
    uint8_t* dst = &wb[r * K * 2];
    for (size_t k = 0; k < K; ++k) {
      // The reference holds wo_a in bf16: the dequantised value rounded (exact in practice).
      const uint16_t bits = FloatToBf16Bits(row[k ^ 1]);
      std::memcpy(dst + 2 * k, &bits, 2);
    }
  }
  std::vector<float> xs(M * K);
  for (size_t m = 0; m < M; ++m) {
    for (size_t k = 0; k < K; ++k) xs[m * K + k] = x[m * x_stride + (k ^ 1)];
  }
  const Bf16Weight swapped{wb.data(), row_count, K};
  MatmulBf16WeightBlockedF32(xs.data(), M, K, swapped, block, y, y_stride, pool);
}

}  // namespace inference
