// Shared by the CPU benchmarks: the memory read bandwidth they compare their figures with, memory
// on huge pages as the weights have it, and the median they quote.
#pragma once

#include <immintrin.h>
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <span>
#include <vector>

#include "inference/backend/cpu/cpu_simd.h"
#include "inference/backend/cpu/thread_pool.h"

namespace bench {

// Memory on huge pages where the kernel gives them (2 MiB-aligned, advised), as the model's
// weights are (AlignedBytes): on 4 KiB pages a long stream also measures TLB misses.
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}
  T* allocate(size_t n) {
    constexpr size_t kHuge = size_t{2} << 20;
    const size_t bytes = (n * sizeof(T) + kHuge - 1) / kHuge * kHuge;
    void* p = std::aligned_alloc(kHuge, bytes);
    if (p == nullptr) throw std::bad_alloc();
    madvise(p, bytes, MADV_HUGEPAGE);  // advice only: without it the pages are 4 KiB
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t) { std::free(p); }
  bool operator==(const HugePageAllocator&) const { return true; }
};

inline double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// GCC 12's own avx512fintrin.h (the reduction's "undefined" operands) would warn here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
// Sums words [begin, end) of a buffer. The read must not be limited by the loop itself: with
// scalar 8-byte loads one core reaches only about two thirds of what wide loads do, so 512-bit
// loads (four independent sums) are used where the CPU has AVX-512.
__attribute__((target("avx512f"))) inline uint64_t SumWordsAvx512(const uint64_t* p, size_t begin,
                                                                  size_t end) {
  __m512i s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0;
  size_t i = begin;
  for (; i + 32 <= end; i += 32) {
    s0 = _mm512_add_epi64(s0, _mm512_loadu_si512(p + i));
    s1 = _mm512_add_epi64(s1, _mm512_loadu_si512(p + i + 8));
    s2 = _mm512_add_epi64(s2, _mm512_loadu_si512(p + i + 16));
    s3 = _mm512_add_epi64(s3, _mm512_loadu_si512(p + i + 24));
  }
  uint64_t total = static_cast<uint64_t>(_mm512_reduce_add_epi64(
      _mm512_add_epi64(_mm512_add_epi64(s0, s1), _mm512_add_epi64(s2, s3))));
  for (; i < end; ++i) total += p[i];
  return total;
}
#pragma GCC diagnostic pop

inline uint64_t SumWordsPortable(const uint64_t* p, size_t begin, size_t end) {
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = begin;
  for (; i + 4 <= end; i += 4) {
    s0 += p[i];
    s1 += p[i + 1];
    s2 += p[i + 2];
    s3 += p[i + 3];
  }
  for (; i < end; ++i) s0 += p[i];
  return s0 + s1 + s2 + s3;
}

// Read bandwidth in GB/s: the pool's threads sum disjoint parts of a buffer larger than the
// caches. The buffer is kept, so that a benchmark can measure again beside each timed run (the
// machine may be shared, and what it gives changes by the second).
class ReadBandwidth {
 public:
  explicit ReadBandwidth(size_t mib) : memory_(mib * (size_t{1} << 20) / sizeof(uint64_t)) {
    for (size_t i = 0; i < memory_.size(); ++i) memory_[i] = i;
  }
  size_t bytes() const { return memory_.size() * sizeof(uint64_t); }

  // Median of `runs` passes after a warm-up pass.
  double Measure(inference::ThreadPool& pool, int runs) {
    const std::span<const uint64_t> buffer(memory_.data(), memory_.size());
    const bool wide = inference::CpuSimd() == inference::Simd::kAvx512;
    std::vector<uint64_t> sums(pool.size() * 64 * 8, 0);
    std::vector<double> rates;
    for (int r = 0; r <= runs; ++r) {
      const auto start = std::chrono::steady_clock::now();
      const size_t parts = pool.size() * 64;
      const size_t part = (buffer.size() + parts - 1) / parts;
      pool.ParallelFor(parts, 1, [&](size_t p0, size_t p1) {
        for (size_t p = p0; p < p1; ++p) {
          const size_t begin = std::min(buffer.size(), p * part);
          const size_t end = std::min(buffer.size(), begin + part);
          // One cache line per part: no false sharing.
          sums[p * 8] = wide ? SumWordsAvx512(buffer.data(), begin, end)
                             : SumWordsPortable(buffer.data(), begin, end);
        }
      });
      const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - start;
      if (r > 0) rates.push_back(bytes() / wall.count() / 1e9);
    }
    uint64_t check = 0;
    for (uint64_t s : sums) check += s;
    if (check == 1) std::printf(" ");  // keeps the sums observable
    return Median(rates);
  }

 private:
  // 2 MiB-aligned: no 512-bit load straddles two cache lines either.
  std::vector<uint64_t, HugePageAllocator<uint64_t>> memory_;
};

// One measurement with a buffer of `mib` MiB, freed afterwards.
inline double MeasureReadBandwidth(inference::ThreadPool& pool, size_t mib, int runs) {
  return ReadBandwidth(mib).Measure(pool, runs);
}

}  // namespace bench
