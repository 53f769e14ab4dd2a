// WeightSpans: the bytes of a few weights, in the order a loop reads them, for
// ThreadPool::PrefetchAfterNextLoop (thread_pool.h). A decode step's serial work between two
// parallel loops leaves the memory idle; idle workers prefetch the next loop's first weights
// (and small weights the serial code reads) through it. A hint only: results never change.
// Not thread-safe (a caller's local).
#pragma once

#include <cstddef>

#include "inference/backend/cpu/matmul.h"
#include "inference/backend/cpu/thread_pool.h"

namespace inference {

class WeightSpans {
 public:
  // Data, then scales; spans past ThreadPool::kMaxHints are dropped.
  WeightSpans& Add(const Fp8Weight& w);
  WeightSpans& Add(const Fp4Weight& w);
  WeightSpans& Add(const Bf16Weight& w);
  WeightSpans& Add(const void* data, size_t bytes);
  // Hands them to pool->PrefetchAfterNextLoop (nothing without a pool).
  void HintAfterNextLoop(ThreadPool* pool) const;

 private:
  ThreadPool::Span spans_[ThreadPool::kMaxHints] = {};
  size_t n_ = 0;
};

}  // namespace inference
