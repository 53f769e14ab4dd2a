#include "inference/backend/cpu/product_batch.h"

#include <algorithm>
#include <stdexcept>

#include "inference/backend/cpu/cpu_simd.h"
#include "inference/backend/cpu/interleaved_weight.h"
#include "inference/backend/cpu/quantize.h"
#include "inference/backend/cpu/thread_pool.h"

namespace inference {
namespace {

constexpr size_t kActivationBlock = 128;  // the products' activation quantisation block
constexpr size_t kBlockRows = kInterleaveRows;
// Pieces shrink as the pool's guided split does, but by work: each takes 1 / (kShare * threads)
// of the work left, at least kMinPieceWork (WeightRowWork units times activation rows, 2 per
// bf16 byte: 32 KiB of bf16 weights, a microsecond or two on one core). Handed out one at a
// time, the first pieces keep a thread's rows long and the last ones let the threads finish
// within about a microsecond of each other (equal pieces of a 230 us batch left one waiting
// 7-9 us on average).
constexpr size_t kShare = 2;
constexpr size_t kMinPieceWork = size_t{1} << 16;

// A row's work: its weight bytes, weighted by what a byte costs the decode kernels (measured
// from memory on 2 threads: bf16 29 GB/s, FP8 20.5, MXFP4 16.5, i.e. about 2 : 3 : 3.5).
size_t WeightRowWork(const Fp8Weight& w) { return w.in * 3; }
size_t WeightRowWork(const Fp4Weight& w) { return (w.in / 2 + w.in / 32) * 7 / 2; }
size_t WeightRowWork(const Bf16Weight& w) { return w.in * 2 * 2; }

}  // namespace

ProductBatch::ProductBatch() {
  // A MoE layer's batch: 8 sets of activations, 16 products (decode, top-6 plus shared).
  activations_.reserve(8);
  products_.reserve(16);
}

size_t ProductBatch::AddActivations(const float* x, size_t M, size_t K) {
  // The same rows registered again (a decode step's routed experts all read the token's row)
  // share one handle: quantised and measured once.
  for (size_t i = 0; i < activations_.size(); ++i) {
    const Activations& a = activations_[i];
    if (a.x == x && a.M == M && a.K == K) return i;
  }
  activations_.push_back(Activations{x, M, K, false, 0, {}, false});
  return activations_.size() - 1;
}

void ProductBatch::AddFp8(size_t a, const Fp8Weight& w, float* y) {
  if (a >= activations_.size() || activations_[a].K != w.in)
    throw std::invalid_argument("ProductBatch: activations do not match the FP8 weight");
  activations_[a].quantize = true;
  products_.push_back(Product{a, Format::kFp8, w, {}, {}, y, w.out, 0, 0});
}

void ProductBatch::AddFp4(size_t a, const Fp4Weight& w, float* y) {
  if (a >= activations_.size() || activations_[a].K != w.in)
    throw std::invalid_argument("ProductBatch: activations do not match the MXFP4 weight");
  activations_[a].quantize = true;
  products_.push_back(Product{a, Format::kFp4, {}, w, {}, y, w.out, 0, 0});
}

void ProductBatch::AddBf16(size_t a, const Bf16Weight& w, float* y) {
  if (a >= activations_.size() || activations_[a].K != w.in)
    throw std::invalid_argument("ProductBatch: activations do not match the bf16 weight");
  products_.push_back(Product{a, Format::kBf16, {}, {}, w, y, w.out, 0, 0});
}

void ProductBatch::Quantize(ThreadPool* pool) {
  // Every quantised set's rows in one buffer, kept (with its capacity) across Runs.
  size_t floats = 0, total_rows = 0, widest = 1;
  for (Activations& a : activations_) {
    if (!a.quantize) continue;
    a.quantized = floats;
    floats += a.M * a.K;
    total_rows += a.M;
    widest = std::max(widest, a.K);
  }
  quantized_.resize(floats);
  auto quantize_row = [&](const Activations& a, size_t m) {
    QuantizeDequantizeFp8(a.x + m * a.K, a.K, kActivationBlock, &quantized_[a.quantized + m * a.K]);
  };
  const size_t grain = std::max<size_t>(1, 16384 / widest);  // as BlockedQuantizedMatmul
  if (pool == nullptr || total_rows <= grain) {  // a decode step's few rows: no loop to hand out
    for (const Activations& a : activations_) {
      if (!a.quantize) continue;
      for (size_t m = 0; m < a.M; ++m) quantize_row(a, m);
    }
  } else {                                        // one loop over every activation row of every set
    std::vector<std::pair<size_t, size_t>> rows;  // (set, row)
    rows.reserve(total_rows);
    for (size_t i = 0; i < activations_.size(); ++i) {
      if (!activations_[i].quantize) continue;
      for (size_t m = 0; m < activations_[i].M; ++m) rows.emplace_back(i, m);
    }
    pool->ParallelFor(rows.size(), grain, [&](size_t r0, size_t r1) {
      for (size_t r = r0; r < r1; ++r) quantize_row(activations_[rows[r].first], rows[r].second);
    });
  }
  // What the kernels would measure for each piece (decode steps and prefill), once per set.
  if (CpuSimd() == Simd::kBaseline) return;
  for (Activations& a : activations_) {
    if (!a.quantize || a.M == 0) continue;
    a.facts = MeasureActivations(&quantized_[a.quantized], a.M, a.K, a.K);
    a.facts_known = true;
  }
}

void ProductBatch::RunBlocks(size_t b0, size_t b1) const {
  // Products are laid out one after another; find the first one that block b0 belongs to.
  auto it = std::upper_bound(products_.begin(), products_.end(), b0,
                             [](size_t b, const Product& p) { return b < p.first_block; });
  for (size_t i = static_cast<size_t>(it - products_.begin()) - 1; i < products_.size(); ++i) {
    const Product& p = products_[i];
    if (p.first_block >= b1) break;
    const size_t row_begin = (std::max(b0, p.first_block) - p.first_block) * kBlockRows;
    const size_t row_end = std::min(p.out, (b1 - p.first_block) * kBlockRows);
    if (row_begin >= row_end) continue;
    const Activations& a = activations_[p.activations];
    const ActivationFacts* facts = a.facts_known ? &a.facts : nullptr;
    float* y = p.y + row_begin;
    switch (p.format) {
      case Format::kFp8:
        MatmulFp8Rows(&quantized_[a.quantized], a.M, p.fp8, row_begin, row_end, y, p.out, facts);
        break;
      case Format::kFp4:
        MatmulFp4Rows(&quantized_[a.quantized], a.M, p.fp4, row_begin, row_end, y, p.out, facts);
        break;
      case Format::kBf16:
        MatmulBf16WeightF32Rows(a.x, a.M, p.bf16, row_begin, row_end, y, p.out);
        break;
    }
  }
}

void ProductBatch::Run(ThreadPool* pool) {
  Quantize(pool);
  // A block's work: its rows' WeightRowWork times the activation rows that read them.
  size_t blocks = 0, total = 0;
  for (Product& p : products_) {
    p.first_block = blocks;
    p.row_work = (p.format == Format::kFp8   ? WeightRowWork(p.fp8)
                  : p.format == Format::kFp4 ? WeightRowWork(p.fp4)
                                             : WeightRowWork(p.bf16)) *
                 std::max<size_t>(1, activations_[p.activations].M);
    blocks += (p.out + kBlockRows - 1) / kBlockRows;
    total += p.out * p.row_work;
  }
  const size_t threads = pool != nullptr ? pool->size() : 1;
  if (threads == 1 || blocks <= 1 || total <= kMinPieceWork) {
    RunBlocks(0, blocks);
  } else {
    // A piece ends at the first block boundary past its share of the work: the split depends
    // only on the products and the pool's size, never on timing.
    const size_t divisor = kShare * threads;
    auto share = [&](size_t done) { return std::max(kMinPieceWork, (total - done) / divisor); };
    piece_start_.assign(1, 0);
    size_t before = 0, b = 0, piece_end = share(0);
    for (const Product& p : products_) {
      for (size_t r = 0; r < p.out; r += kBlockRows, ++b) {
        if (before >= piece_end) {
          piece_start_.push_back(b);
          piece_end = before + share(before);
        }
        before += std::min(kBlockRows, p.out - r) * p.row_work;
      }
    }
    piece_start_.push_back(blocks);
    pool->ParallelForEach(piece_start_.size() - 1,
                          [&](size_t p) { RunBlocks(piece_start_[p], piece_start_[p + 1]); });
  }
  activations_.clear();
  products_.clear();
}

}  // namespace inference
