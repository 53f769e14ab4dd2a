#include "inference/backend/cpu/thread_pool.h"

#include <algorithm>
#include <chrono>

namespace inference {

ThreadPool::ThreadPool(size_t threads) {
  const size_t workers = threads > 1 ? threads - 1 : 0;
  workers_.reserve(workers);
  for (size_t i = 0; i < workers; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

size_t ThreadPool::DefaultSize() {
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : hw;
}

template <typename Ready>
bool ThreadPool::SpinUntil(Ready ready) {
  // Long enough to span the serial gap between two loops of a decode step, short enough that
  // an idle pool gives its core back almost at once.
  constexpr auto kSpin = std::chrono::microseconds(200);
  const auto deadline = std::chrono::steady_clock::now() + kSpin;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (ready()) return true;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    if (std::chrono::steady_clock::now() >= deadline) return ready();
  }
}

bool ThreadPool::IsInsideJob() const {
  const std::thread::id self = std::this_thread::get_id();
  if (submitter_.load(std::memory_order_relaxed) == self) return true;
  for (const std::thread& t : workers_) {
    if (t.get_id() == self) return true;
  }
  return false;
}

void ThreadPool::Run(size_t n, size_t grain, ChunkFn fn, void* ctx) {
  if (n == 0) return;
  grain = std::max<size_t>(grain, 1);
  // A few contiguous chunks per thread: ranges stay long (a thread's weight rows together)
  // while a thread the shared machine descheduled leaves its later chunks to the others.
  constexpr size_t kChunksPerThread = 4;
  const size_t max_chunks = (n + grain - 1) / grain;
  const size_t chunks = std::min(max_chunks, size() * kChunksPerThread);
  if (chunks <= 1 || workers_.empty() || IsInsideJob()) {
    fn(ctx, 0, n);
    return;
  }
  std::lock_guard<std::mutex> submit(submit_mu_);
  submitter_.store(std::this_thread::get_id(), std::memory_order_relaxed);
  {
    // A worker that woke late for the previous job may still be leaving RunChunks.
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [this] { return busy_ == 0; });
    fn_ = fn;
    ctx_ = ctx;
    n_ = n;
    n_chunks_ = chunks;
    chunk_ = (n + chunks - 1) / chunks;
    next_chunk_.store(0, std::memory_order_relaxed);
    ++generation_;
  }
  work_cv_.notify_all();
  RunChunks();
  // Every chunk is now claimed; the ones still running belong to busy workers.
  SpinUntil([this] { return busy_.load(std::memory_order_acquire) == 0; });
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [this] { return busy_ == 0; });
  submitter_.store(std::thread::id(), std::memory_order_relaxed);
}

void ThreadPool::RunChunks() {
  for (;;) {
    const size_t c = next_chunk_.fetch_add(1, std::memory_order_relaxed);
    if (c >= n_chunks_) return;
    const size_t begin = c * chunk_;
    const size_t end = std::min(n_, begin + chunk_);
    if (begin < end) fn_(ctx_, begin, end);
  }
}

void ThreadPool::WorkerLoop() {
  uint64_t seen = 0;
  for (;;) {
    SpinUntil([&] {
      return stop_.load(std::memory_order_relaxed) ||
             generation_.load(std::memory_order_relaxed) != seen;
    });
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      ++busy_;
    }
    RunChunks();
    std::lock_guard<std::mutex> lock(mu_);
    if (--busy_ == 0) done_cv_.notify_all();
  }
}

}  // namespace inference
