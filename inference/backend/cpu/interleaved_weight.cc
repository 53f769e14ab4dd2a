#include "inference/backend/cpu/interleaved_weight.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace inference {
namespace {

constexpr size_t kFp4Group = 32;
constexpr size_t kHugePage = size_t{2} << 20;

// Copies rows x units of kUnitBytes each from row-major `src` into the interleaved `dst`, in
// stretches of about 4 MiB of source rows: each is first checked (`accept`, if set: false stops
// the copy and returns false), then copied row by row (a block's 16 rows write into the same
// destination tile, which stays in the caches), then reported (`copied`, if set). So a weight's
// source is read once, a stretch at a time, and never needs to be resident whole.
template <size_t kUnitBytes>
bool InterleaveUnits(const uint8_t* src, size_t rows, size_t units, uint8_t* dst,
                     const std::function<bool(const uint8_t*, size_t)>& accept,
                     const RowsCopied& copied) {
  const size_t row_bytes = units * kUnitBytes;
  // The last block's padding rows are zeros: its tile is zeroed first, then the rows it has
  // are copied over (the other tiles are written whole by the copy).
  if (rows % kInterleaveRows != 0) {
    std::memset(dst + rows / kInterleaveRows * kInterleaveRows * row_bytes, 0,
                kInterleaveRows * row_bytes);
  }
  const size_t stretch = std::max<size_t>(1, (size_t{4} << 20) / std::max<size_t>(row_bytes, 1));
  for (size_t begin = 0; begin < rows; begin += stretch) {
    const size_t end = std::min(rows, begin + stretch);
    if (accept && !accept(src + begin * row_bytes, (end - begin) * row_bytes)) return false;
    for (size_t r = begin; r < end; ++r) {
      const RowUnits at = UnitsOfRow(true, r, units);
      const uint8_t* row = src + r * row_bytes;
      uint8_t* out = dst + at.first * kUnitBytes;
      for (size_t u = 0; u < units; ++u)
        std::memcpy(out + u * at.step * kUnitBytes, row + u * kUnitBytes, kUnitBytes);
    }
    if (copied) copied(begin, end);
  }
  return true;
}

bool NoE4m3Nan(const uint8_t* codes, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if ((codes[i] & 0x7f) == 0x7f) return false;
  }
  return true;
}

}  // namespace

AlignedBytes::AlignedBytes(size_t n) {
  // 2 MiB-aligned when large, so whole huge pages fit, but only rounded up to a small page: a
  // weight of 4.25 MiB must not take 6.
  const size_t alignment = n >= kHugePage ? kHugePage : 64;
  const size_t rounded = (std::max<size_t>(n, 1) + 4095) / 4096 * 4096;
  void* p = nullptr;
  if (posix_memalign(&p, alignment, rounded) != 0) throw std::bad_alloc();
  bytes_.reset(static_cast<uint8_t*>(p));
  // Before the first touch, so those pages are huge from the start (ignored where THP is off).
  if (alignment == kHugePage) madvise(p, rounded / kHugePage * kHugePage, MADV_HUGEPAGE);
}

void AlignedBytes::Free::operator()(uint8_t* p) const { std::free(p); }

Fp8Weight Interleave(const Fp8Weight& w, AlignedBytes& storage, const RowsCopied& copied) {
  if (w.interleaved) return w;
  AlignedBytes bytes(InterleavedRows(w.out) * w.in);
  // A NaN code anywhere keeps the weight row-major (found stretch by stretch, as copied).
  if (!InterleaveUnits<1>(w.data, w.out, w.in, bytes.data(), NoE4m3Nan, copied)) return w;
  storage = std::move(bytes);
  Fp8Weight v = w;
  v.data = storage.data();
  v.interleaved = true;
  return v;
}

Fp4Weight Interleave(const Fp4Weight& w, AlignedBytes& storage, const RowsCopied& copied) {
  if (w.interleaved || w.in % kFp4Group != 0) return w;
  const size_t rows = InterleavedRows(w.out), bytes = w.in / 2, groups = w.in / kFp4Group;
  // Scales after the codes, at a 64-byte boundary.
  const size_t scale_offset = (rows * bytes + 63) / 64 * 64;
  storage = AlignedBytes(scale_offset + rows * groups);
  InterleaveUnits<1>(w.data, w.out, bytes, storage.data(), {}, copied);
  InterleaveUnits<1>(w.scale, w.out, groups, storage.data() + scale_offset, {}, {});
  Fp4Weight v = w;
  const auto [lo, hi] = std::minmax_element(w.scale, w.scale + w.out * groups);
  v.scale_min = w.out * groups > 0 ? *lo : 0;
  v.scale_max = w.out * groups > 0 ? *hi : 255;
  v.data = storage.data();
  v.scale = storage.data() + scale_offset;
  v.interleaved = true;
  return v;
}

namespace {

// The exponent bounds Bf16Weight records, over n bf16 values (unset where one is NaN or inf).
// Sixteen lanes of running bounds, so that the compiler vectorises the loop (over single values
// it stayed scalar, and showed in the 1b preset's load profile).
void MeasureBf16Exponents(const uint16_t* values, size_t n, Bf16Weight& w) {
  constexpr size_t kLanes = 16;
  uint16_t lo[kLanes], hi[kLanes], special[kLanes];
  for (size_t l = 0; l < kLanes; ++l) lo[l] = 255, hi[l] = 0, special[l] = 0;
  auto take = [](uint16_t v, uint16_t& l, uint16_t& h, uint16_t& s) {
    const uint16_t e = (v >> 7) & 0xff, nonzero = (v & 0x7fff) != 0;
    l = std::min<uint16_t>(l, nonzero ? std::max<uint16_t>(e, 1) : 255);
    h = std::max<uint16_t>(h, nonzero ? e : 0);
    s |= e == 255;
  };
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (size_t l = 0; l < kLanes; ++l) take(values[i + l], lo[l], hi[l], special[l]);
  }
  for (; i < n; ++i) take(values[i], lo[0], hi[0], special[0]);
  unsigned min = 255, max = 0, any_special = 0;
  for (size_t l = 0; l < kLanes; ++l) {
    min = std::min<unsigned>(min, lo[l]);
    max = std::max<unsigned>(max, hi[l]);
    any_special |= special[l];
  }
  w.exponents_known = !any_special && min <= max;
  w.exponent_min = static_cast<uint8_t>(min);
  w.exponent_max = static_cast<uint8_t>(max);
}

}  // namespace

Bf16Weight Interleave(const Bf16Weight& w, AlignedBytes& storage, const RowsCopied& copied) {
  if (w.interleaved || w.in % 2 != 0) return w;
  const size_t values = InterleavedRows(w.out) * w.in;
  storage = AlignedBytes(values * 2);
  InterleaveUnits<4>(w.data, w.out, w.in / 2, storage.data(), {}, copied);
  Bf16Weight v = w;
  v.data = storage.data();
  v.interleaved = true;
  // From the copy: the source's pages may be released as they are copied. Padding rows are 0.
  MeasureBf16Exponents(reinterpret_cast<const uint16_t*>(storage.data()), values, v);
  return v;
}

}  // namespace inference
