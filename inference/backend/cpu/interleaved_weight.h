// The interleaved weight layout: how the CPU backend stores a weight matrix so that a decode step
// streams it, and the copies into it.
//
// A decode step multiplies one activation row (or a few) by every weight once, so its speed is
// the rate at which weight bytes arrive from memory. The kernels compute 16 outputs at once, one
// per vector lane; over row-major storage they read 16 rows side by side, which is 16 short
// memory streams per thread (the hardware prefetcher follows few of them) and a byte transpose
// per chunk. Interleaved, a block of 16 rows is stored column by column: the kernel reads one
// sequential stream, and a column of the 16 rows is one vector load (measured on 2 threads: bf16
// from memory 19.5 -> 22-24 GB/s in bench/matmul_cpu, the 1b decode step 1.3x in
// bench/engine_cpu; FP8 and MXFP4 gained mostly with the kernels that followed).
//
// Layout. Rows form blocks of 16; the last block is padded with zero rows. A row is a sequence of
// units: an FP8 code (one byte), an MXFP4 byte (two codes, the even column in the low nibble) or
// a bf16 pair (four bytes, the even column first). Unit u of row r lies at unit index
//   ((r / 16) * units_per_row + u) * 16 + r % 16.
// MXFP4 scales (one byte per row and 32 columns) are interleaved the same way; FP8 scales (one
// per 128 x 128 block) keep the checkpoint's layout. Only where the bytes lie changes: every
// value, and every product, stays bit for bit what the row-major weight gives.
//
// Owned by the CPU backend. Thread-safe for distinct weights; the copies are immutable after
// Interleave.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "inference/backend/cpu/matmul.h"

namespace inference {

constexpr size_t kInterleaveRows = 16;

// Rows of the interleaved copy of a weight with `out` rows (a multiple of 16).
constexpr size_t InterleavedRows(size_t out) {
  return (out + kInterleaveRows - 1) / kInterleaveRows * kInterleaveRows;
}

// Where row r's units lie: unit u at index first + u * step (in units).
struct RowUnits {
  size_t first = 0;
  size_t step = 1;
};
inline RowUnits UnitsOfRow(bool interleaved, size_t r, size_t units_per_row) {
  if (!interleaved) return {r * units_per_row, 1};
  return {(r / kInterleaveRows) * kInterleaveRows * units_per_row + r % kInterleaveRows,
          kInterleaveRows};
}

// Memory for interleaved copies (not initialised): 64-byte aligned; allocations of 2 MiB or more
// are aligned to 2 MiB and their whole huge pages advised as such (fewer TLB misses on a long
// stream).
class AlignedBytes {
 public:
  AlignedBytes() = default;
  explicit AlignedBytes(size_t n);
  uint8_t* data() const { return bytes_.get(); }

 private:
  struct Free {
    void operator()(uint8_t* p) const;
  };
  std::unique_ptr<uint8_t, Free> bytes_;
};

// Called as the copy goes with each stretch of rows [begin, end) of the weight's codes now
// copied, so the caller can release them as it goes (the model loader drops a large weight's
// source pages progressively rather than holding it twice at the end).
using RowsCopied = std::function<void(size_t begin, size_t end)>;

// An interleaved copy of `w` in `storage` (allocated here); the returned view has interleaved
// set (and, for MXFP4, the scale bytes' bounds, which the kernels' fast path needs). A weight the
// layout does not take is returned as it is (interleaved false, storage left empty): bf16 with an
// odd number of columns, MXFP4 whose columns are not whole scale groups, and FP8 holding e4m3 NaN
// codes (0x7f, 0xff; real checkpoints have none), since the interleaved kernels decode codes
// without checking for them.
Fp8Weight Interleave(const Fp8Weight& w, AlignedBytes& storage, const RowsCopied& copied = {});
Fp4Weight Interleave(const Fp4Weight& w, AlignedBytes& storage, const RowsCopied& copied = {});
Bf16Weight Interleave(const Bf16Weight& w, AlignedBytes& storage, const RowsCopied& copied = {});

// A weight view together with the bytes it points into (tests, benchmarks).
template <typename Weight>
struct OwnedWeight {
  Weight view;
  AlignedBytes storage;
};
template <typename Weight>
OwnedWeight<Weight> Interleaved(const Weight& w) {
  OwnedWeight<Weight> o;
  o.view = Interleave(w, o.storage);
  return o;
}

}  // namespace inference
