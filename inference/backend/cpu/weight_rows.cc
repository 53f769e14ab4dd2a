#include "inference/backend/cpu/weight_rows.h"

#include <algorithm>

#include "inference/backend/cpu/interleaved_weight.h"
#include "inference/backend/cpu/number_formats.h"

namespace inference {
namespace {

constexpr size_t kFp8Block = 128;  // weight scale block
constexpr size_t kFp4Group = 32;   // FP4 weight scale group along K

}  // namespace

void DecodeFp8RowStrided(const Fp8Weight& w, size_t r, float* out, size_t stride) {
  const float* table = E4m3Table();
  const size_t scale_cols = (w.in + kFp8Block - 1) / kFp8Block;
  const RowUnits codes = UnitsOfRow(w.interleaved, r, w.in);
  const uint8_t* src = w.data + codes.first;
  const uint8_t* scales = w.scale + (r / kFp8Block) * scale_cols;
  for (size_t kb = 0; kb < scale_cols; ++kb) {
    const float s = E8m0ToFloat(scales[kb]);
    const size_t end = std::min(w.in, (kb + 1) * kFp8Block);
    for (size_t k = kb * kFp8Block; k < end; ++k) out[k * stride] = table[src[k * codes.step]] * s;
  }
}

void DecodeFp4RowStrided(const Fp4Weight& w, size_t r, float* out, size_t stride) {
  float values[16];
  for (uint8_t c = 0; c < 16; ++c) values[c] = E2m1ToFloat(c);
  const RowUnits bytes = UnitsOfRow(w.interleaved, r, w.in / 2);
  const RowUnits scales = UnitsOfRow(w.interleaved, r, w.in / kFp4Group);
  for (size_t g = 0; g < w.in / kFp4Group; ++g) {
    const float s = E8m0ToFloat(w.scale[scales.first + g * scales.step]);
    for (size_t k = g * kFp4Group; k < (g + 1) * kFp4Group; k += 2) {
      const uint8_t byte = w.data[bytes.first + (k / 2) * bytes.step];
      out[k * stride] = values[byte & 0xf] * s;
      out[(k + 1) * stride] = values[byte >> 4] * s;
    }
  }
}

void DecodeBf16RowStrided(const Bf16Weight& w, size_t r, float* out, size_t stride) {
  if (!w.interleaved) {
    const uint8_t* src = w.data + r * w.in * 2;
    for (size_t k = 0; k < w.in; ++k) out[k * stride] = LoadBf16(src + 2 * k);
    return;
  }
  const RowUnits pairs = UnitsOfRow(true, r, w.in / 2);  // 4-byte units: columns 2u, 2u + 1
  for (size_t k = 0; k < w.in; ++k)
    out[k * stride] = LoadBf16(w.data + (pairs.first + (k / 2) * pairs.step) * 4 + (k % 2) * 2);
}

void DecodeFp8Row(const Fp8Weight& w, size_t r, float* row) { DecodeFp8RowStrided(w, r, row, 1); }
void DecodeFp4Row(const Fp4Weight& w, size_t r, float* row) { DecodeFp4RowStrided(w, r, row, 1); }
void DecodeBf16Row(const Bf16Weight& w, size_t r, float* row) {
  DecodeBf16RowStrided(w, r, row, 1);
}

}  // namespace inference
