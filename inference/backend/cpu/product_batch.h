// ProductBatch: several independent matrix products (FP8, MXFP4, bf16) run as one parallel loop.
//
// A decode step's products are small (a 1b model's routed expert matrix is 128 KiB, a MoE layer
// is 21 of them), and each ParallelFor costs microseconds of handing out and waiting however
// little work it carries, more with every thread in the pool. A batch quantises each set of
// activations once (an expert's w1 and w3 read the same one), then splits all the products'
// 16-row output blocks into pieces of about equal work across the pool.
//
// Every output is computed as MatmulFp8 / MatmulFp4 / MatmulBf16WeightF32 compute it (same
// kernel, same order of operations), so the results are bit-identical to running the products
// one by one. The products run in no particular order: no product may read another's output
// of the same batch. Activation handles are valid until Run. Not thread-safe; the buffers it is
// given must stay valid until Run returns.
#pragma once

#include <cstddef>
#include <vector>

#include "inference/backend/cpu/activation_facts.h"
#include "inference/backend/cpu/matmul.h"

namespace inference {

class ThreadPool;

class ProductBatch {
 public:
  ProductBatch();
  // Registers activations x[M, K] (bf16 values) for the products to read; returns their handle
  // (the same one for the same x, M and K: they are quantised once).
  size_t AddActivations(const float* x, size_t M, size_t K);
  // y[M, w.out] = the MatmulFp8 / MatmulFp4 product of the activations `a` with w.
  void AddFp8(size_t a, const Fp8Weight& w, float* y);
  void AddFp4(size_t a, const Fp4Weight& w, float* y);
  // y[M, w.out] = MatmulBf16WeightF32 of the activations `a` (as given, not quantised) with w.
  void AddBf16(size_t a, const Bf16Weight& w, float* y);
  // Runs every product added (quantising first), then empties the batch. A null pool runs
  // everything on the caller.
  void Run(ThreadPool* pool);

 private:
  struct Activations {
    const float* x;
    size_t M, K;
    bool quantize;          // a quantised product reads them
    size_t quantized;       // offset of their quantised copy in quantized_
    ActivationFacts facts;  // of `quantized`, measured once for every piece (SIMD paths)
    bool facts_known;
  };
  enum class Format { kFp8, kFp4, kBf16 };
  struct Product {
    size_t activations;
    Format format;
    Fp8Weight fp8;
    Fp4Weight fp4;
    Bf16Weight bf16;
    float* y;
    size_t out;
    size_t first_block;  // index of its first 16-row block among all the batch's blocks
    size_t row_work;     // what one output row costs (ProductBatch::Run's balance)
  };
  void Quantize(ThreadPool* pool);
  // Rows of blocks [b0, b1) of the batch, on the calling thread.
  void RunBlocks(size_t b0, size_t b1) const;

  std::vector<Activations> activations_;
  std::vector<Product> products_;
  // Kept across Runs with their capacity (attention and MoE run a batch twice per layer).
  std::vector<float> quantized_;
  std::vector<size_t> piece_start_;
};

}  // namespace inference
