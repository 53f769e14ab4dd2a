// ThreadPool: a fixed set of worker threads that split a loop over [0, n) into contiguous
// chunks (ParallelFor). The CPU kernels and the DeepSeek-V4 model use it to spread independent
// outputs (matrix rows, tokens, experts) across cores; every output is still computed by one
// thread in its usual order, so results are bit-identical to a serial run whatever the number of
// threads.
//
// Created by the composition root (or a benchmark/test) and passed in explicitly; borrowers
// keep a raw pointer and the pool must outlive them. Thread-safe: one loop runs across the pool
// at a time; a ParallelFor that finds the pool busy with another thread's loop runs serially on
// its own thread instead of waiting, and one issued from inside a chunk of the same pool (also
// through another pool's chunk on the same thread) runs serially on the calling thread, so
// nesting, within a pool or across pools, never deadlocks. Results never depend on which.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace inference {

class ThreadPool {
 public:
  // `threads` is the total parallelism including the calling thread (at least 1): the pool
  // starts threads - 1 workers. 1 makes every ParallelFor run inline.
  explicit ThreadPool(size_t threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Total parallelism (workers + the caller).
  size_t size() const { return workers_.size() + 1; }

  // Calls fn(begin, end) on disjoint ranges covering [0, n), each at least `grain` long (except
  // the last), on the workers and the calling thread; returns when all have finished. The split
  // depends only on n, grain and size(), never on timing: ranges shrink from about
  // n / (2 * size()) towards `grain` (guided), and n <= grain runs as one range on the caller.
  // fn must not throw.
  template <typename Fn>
  void ParallelFor(size_t n, size_t grain, Fn&& fn) {
    using F = std::remove_reference_t<Fn>;
    Run(
        n, grain, true, [](void* ctx, size_t b, size_t e) { (*static_cast<F*>(ctx))(b, e); },
        const_cast<void*>(static_cast<const void*>(&fn)));
  }

  // Calls fn(i) for every i in [0, n), handed out one at a time in order, for items the caller
  // has already sized (ProductBatch's pieces, which shrink towards the end as the guided split
  // does). Otherwise as ParallelFor.
  template <typename Fn>
  void ParallelForEach(size_t n, Fn&& fn) {
    using F = std::remove_reference_t<Fn>;
    Run(
        n, 1, false,
        [](void* ctx, size_t b, size_t e) {
          for (size_t i = b; i < e; ++i) (*static_cast<F*>(ctx))(i);
        },
        const_cast<void*>(static_cast<const void*>(&fn)));
  }

  // The hardware concurrency (at least 1): the usual size of a pool.
  static size_t DefaultSize();

  // Memory the caller reads after the next ParallelFor (the following loop's first weights, or
  // small weights its serial code reads). A decode step runs hundreds of loops with serial work
  // between them; through that work the workers idle and the memory with them. Once a worker
  // runs out of the next loop's chunks, it prefetches these spans (into its L2, in order, 1 KiB
  // at a time) until the loop after it opens or they are done. Only a hint: nothing waits for
  // it, and it never changes a result. Up to kMaxHints spans (later ones are dropped); the pool's
  // next ParallelFor or ParallelForEach takes them, and one too short for the workers drops
  // them (on a pool several threads share, whichever thread's loop comes next: a hint lost or
  // misplaced costs only its prefetches).
  struct Span {
    const void* data;
    size_t bytes;
  };
  static constexpr size_t kMaxHints = 16;
  void PrefetchAfterNextLoop(const Span* spans, size_t n);

 private:
  using ChunkFn = void (*)(void* ctx, size_t begin, size_t end);
  // guided: split as ParallelFor does; otherwise one item per chunk.
  void Run(size_t n, size_t grain, bool guided, ChunkFn fn, void* ctx);
  void WorkerLoop();
  // Fills bounds_ / n_chunks_ with the guided split of [0, n) (see ParallelFor), or with one
  // item per chunk.
  void SplitGuided(size_t n, size_t grain);
  void SplitUnits(size_t n);
  // Takes chunks of the current job until none are left.
  void RunChunks();
  // A worker's prefetching of the job `seq`'s hints, while that job is the last opened.
  void PrefetchHints(uint64_t seq);
  // Forgets the pending hints (a loop ran without the workers).
  void DropHints();
  // Whether the calling thread is already running a chunk of this pool (a worker, or a thread
  // whose ParallelFor on this pool is in progress, also further out than another pool's).
  bool IsInsideJob() const;
  // The submitter's wait until no worker is inside the current job.
  void WaitUntilNoneInside();
  // Polls `ready` for a short while before the caller blocks on a condition variable: a decode
  // step issues hundreds of loops a few hundred microseconds long, and waking a sleeping thread
  // (futex, on a virtual machine an inter-processor interrupt) costs tens of microseconds each.
  template <typename Ready>
  static bool SpinUntil(Ready ready);

  // The job word: the job's sequence number in the high 32 bits, the number of workers inside
  // it in the low 32. An even sequence number is an open job a worker may join (by CAS, so it
  // joins only the job it read); odd means the submitter is writing the next job's fields.
  // The submitter closes a job (even -> odd) only when no worker is inside, so the fields and
  // next_chunk_ never change under a worker. Joining and leaving take no lock: with a mutex,
  // 15 workers queueing for it on every loop cost tens of microseconds at 16 threads.
  static constexpr uint64_t kActiveMask = 0xffffffffu;
  static uint64_t Sequence(uint64_t word) { return word >> 32; }
  static uint64_t Active(uint64_t word) { return word & kActiveMask; }
  // Whether a worker that last ran job `seen` can join the job in `word`.
  static bool Joinable(uint64_t word, uint64_t seen) {
    return Sequence(word) % 2 == 0 && Sequence(word) != seen;
  }

  std::vector<std::thread> workers_;
  std::mutex submit_mu_;  // one job at a time (try_lock: a busy pool runs the loop inline)

  alignas(64) std::atomic<uint64_t> job_{0};
  // The current job's fields; written only while job_'s sequence number is odd.
  ChunkFn fn_ = nullptr;
  void* ctx_ = nullptr;
  std::vector<size_t> bounds_;  // chunk c is [bounds_[c], bounds_[c + 1])
  size_t n_chunks_ = 0;
  alignas(64) std::atomic<size_t> next_chunk_{0};

  // Prefetch hints: pending_ collects them, installed into the hint_ fields when the next job
  // opens. Workers read those after leaving the job, while the submitter may be writing the
  // following job's: hence atomics (a torn read at worst prefetches a wrong address, which never
  // faults or changes a result).
  std::mutex hint_mu_;  // guards pending_ (callers may share the pool)
  Span pending_[kMaxHints] = {};
  size_t n_pending_ = 0;
  std::atomic<bool> hints_pending_{false};  // n_pending_ > 0, readable without the lock
  std::atomic<const char*> hint_data_[kMaxHints] = {};
  std::atomic<size_t> hint_bytes_[kMaxHints] = {};
  std::atomic<size_t> n_hints_{0};
  alignas(64) std::atomic<size_t> hint_cursor_{0};  // 1 KiB blocks of the hints claimed

  // Sleeping, for threads that spun too long. The hot path touches these only when a thread
  // is actually asleep (sleepers_ / submitter_sleeping_, checked after the job word changes).
  alignas(64) std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::atomic<size_t> sleepers_{0};
  std::atomic<bool> submitter_sleeping_{false};
  std::atomic<bool> stop_{false};
};

}  // namespace inference
