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

namespace {
// The pools whose chunks the current thread may be running, innermost first: its own pool for a
// worker, then each pool whose ParallelFor this thread submitted and is still inside.
struct InsidePool {
  const ThreadPool* pool;
  const InsidePool* outer;
};
thread_local const InsidePool* tls_inside = nullptr;

// Pushes a pool onto the calling thread's chain for a scope (exceptions included).
class InsideScope {
 public:
  explicit InsideScope(const ThreadPool* pool) : node_{pool, tls_inside} { tls_inside = &node_; }
  ~InsideScope() { tls_inside = node_.outer; }
  InsideScope(const InsideScope&) = delete;
  InsideScope& operator=(const InsideScope&) = delete;

 private:
  InsidePool node_;
};
}  // namespace

bool ThreadPool::IsInsideJob() const {
  for (const InsidePool* p = tls_inside; p != nullptr; p = p->outer) {
    if (p->pool == this) return true;
  }
  return false;
}

void ThreadPool::WaitUntilNoneInside() {
  if (SpinUntil([this] { return Active(job_.load(std::memory_order_acquire)) == 0; })) return;
  std::unique_lock<std::mutex> lock(mu_);
  submitter_sleeping_.store(true, std::memory_order_seq_cst);
  done_cv_.wait(lock, [this] { return Active(job_.load(std::memory_order_seq_cst)) == 0; });
  submitter_sleeping_.store(false, std::memory_order_relaxed);
}

void ThreadPool::Run(size_t n, size_t grain, bool guided, ChunkFn fn, void* ctx) {
  if (n == 0) return;
  grain = std::max<size_t>(grain, 1);
  const bool nested = IsInsideJob();
  if (n <= grain || workers_.empty() || nested) {
    if (!nested) DropHints();  // they were for after this loop, which no worker sees
    fn(ctx, 0, n);
    return;
  }
  // Another thread's loop holds the pool: this one runs here rather than wait for it (the wait
  // could be on this very thread, through a chunk of another pool that called this one).
  std::unique_lock<std::mutex> submit(submit_mu_, std::try_to_lock);
  if (!submit.owns_lock()) {
    fn(ctx, 0, n);
    return;
  }
  InsideScope inside(this);

  // Close the previous job (even -> odd) once no worker that joined it late is still inside.
  // Acquire: those workers' reads of the fields happen before they are overwritten below.
  uint64_t word = job_.load(std::memory_order_relaxed);
  for (;;) {
    if (Active(word) != 0) {
      WaitUntilNoneInside();  // a late worker, perhaps descheduled: spin, then sleep
      word = job_.load(std::memory_order_relaxed);
      continue;
    }
    if (job_.compare_exchange_weak(word, word + (uint64_t{1} << 32), std::memory_order_acquire,
                                   std::memory_order_relaxed))
      break;
  }
  fn_ = fn;
  ctx_ = ctx;
  if (guided) {
    SplitGuided(n, grain);
  } else {
    SplitUnits(n);
  }
  next_chunk_.store(0, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(hint_mu_);
    for (size_t i = 0; i < n_pending_; ++i) {
      hint_data_[i].store(static_cast<const char*>(pending_[i].data), std::memory_order_relaxed);
      hint_bytes_[i].store(pending_[i].bytes, std::memory_order_relaxed);
    }
    n_hints_.store(n_pending_, std::memory_order_relaxed);
    hint_cursor_.store(0, std::memory_order_relaxed);
    n_pending_ = 0;
    hints_pending_.store(false, std::memory_order_relaxed);
  }
  // Open it: the next even sequence number, nobody inside. Release publishes the fields;
  // seq_cst orders it before the sleepers_ check (a worker going to sleep checks job_ after
  // counting itself, so one of the two sees the other).
  job_.store(word + (uint64_t{2} << 32), std::memory_order_seq_cst);
  if (sleepers_.load(std::memory_order_seq_cst) > 0) {
    std::lock_guard<std::mutex> lock(mu_);
    work_cv_.notify_all();
  }

  RunChunks();
  // Every chunk is now claimed; the ones still running belong to workers inside the job.
  WaitUntilNoneInside();
}

void ThreadPool::PrefetchAfterNextLoop(const Span* spans, size_t n) {
  std::lock_guard<std::mutex> lock(hint_mu_);
  for (size_t i = 0; i < n && n_pending_ < kMaxHints; ++i) {
    if (spans[i].data != nullptr && spans[i].bytes > 0) pending_[n_pending_++] = spans[i];
  }
  hints_pending_.store(n_pending_ > 0, std::memory_order_relaxed);
}

void ThreadPool::DropHints() {
  if (!hints_pending_.load(std::memory_order_relaxed)) return;  // the usual case: no lock
  std::lock_guard<std::mutex> lock(hint_mu_);
  n_pending_ = 0;
  hints_pending_.store(false, std::memory_order_relaxed);
}

void ThreadPool::PrefetchHints(uint64_t seq) {
  constexpr size_t kBlock = 1024, kLine = 64;
  // Stop as soon as the submitter closes the job (it is setting up the next loop).
  while (Sequence(job_.load(std::memory_order_relaxed)) == seq) {
    size_t offset = hint_cursor_.fetch_add(1, std::memory_order_relaxed) * kBlock;
    const size_t n = std::min(n_hints_.load(std::memory_order_relaxed), kMaxHints);
    const char* begin = nullptr;
    size_t bytes = 0;
    for (size_t i = 0; i < n && begin == nullptr; ++i) {
      const size_t span = hint_bytes_[i].load(std::memory_order_relaxed);
      if (offset < span) {
        begin = hint_data_[i].load(std::memory_order_relaxed) + offset;
        bytes = std::min(kBlock, span - offset);
      } else {
        offset -= span;
      }
    }
    if (begin == nullptr) return;  // all claimed
    // Locality 2: prefetcht1 on x86, into L2 (not L1, which the running kernels need).
    for (size_t i = 0; i < bytes; i += kLine) __builtin_prefetch(begin + i, 0, 2);
  }
}

void ThreadPool::SplitGuided(size_t n, size_t grain) {
  // Each chunk takes 1 / (kShare * size()) of what is left, at least `grain`: the first chunks
  // are long (a thread's weight rows together), the last ones short, so the threads finish
  // within about one short chunk of each other (equal chunks left one idle for half a chunk on
  // average: measured 1.7 ms of a 43 ms decode step on 2 threads). A thread the shared machine
  // descheduled leaves its later chunks to the others.
  constexpr size_t kShare = 2;
  const size_t divisor = kShare * size();
  bounds_.clear();
  bounds_.push_back(0);
  for (size_t begin = 0; begin < n;) {
    const size_t left = n - begin;
    const size_t take = std::max(grain, (left + divisor - 1) / divisor);
    begin += std::min(left, take);
    bounds_.push_back(begin);
  }
  n_chunks_ = bounds_.size() - 1;
}

void ThreadPool::SplitUnits(size_t n) {
  bounds_.resize(n + 1);
  for (size_t i = 0; i <= n; ++i) bounds_[i] = i;
  n_chunks_ = n;
}

void ThreadPool::RunChunks() {
  for (;;) {
    // acq_rel: a claim is ordered after the claimer's join, so a submitter that has claimed
    // past the end and then sees nobody inside knows every claimed chunk has finished.
    const size_t c = next_chunk_.fetch_add(1, std::memory_order_acq_rel);
    if (c >= n_chunks_) return;
    fn_(ctx_, bounds_[c], bounds_[c + 1]);
  }
}

void ThreadPool::WorkerLoop() {
  InsideScope inside(this);
  uint64_t seen = 0;  // the sequence number of the last job this worker joined
  for (;;) {
    uint64_t word = job_.load(std::memory_order_relaxed);
    if (!Joinable(word, seen)) {
      const auto ready = [&] {
        return stop_.load(std::memory_order_relaxed) ||
               Joinable(job_.load(std::memory_order_relaxed), seen);
      };
      if (!SpinUntil(ready)) {
        std::unique_lock<std::mutex> lock(mu_);
        sleepers_.fetch_add(1, std::memory_order_seq_cst);
        work_cv_.wait(lock, [&] {
          return stop_.load() || Joinable(job_.load(std::memory_order_seq_cst), seen);
        });
        sleepers_.fetch_sub(1, std::memory_order_relaxed);
      }
      if (stop_.load()) return;
      continue;
    }
    // Join exactly the job just read; acquire pairs with the submitter's store of the fields.
    if (!job_.compare_exchange_weak(word, word + 1, std::memory_order_acquire,
                                    std::memory_order_relaxed))
      continue;
    seen = Sequence(word);
    RunChunks();
    // Leave. Release: the submitter sees this worker's outputs once it sees Active() == 0.
    const uint64_t left = job_.fetch_sub(1, std::memory_order_seq_cst) - 1;
    if (Active(left) == 0 && submitter_sleeping_.load(std::memory_order_seq_cst)) {
      std::lock_guard<std::mutex> lock(mu_);
      done_cv_.notify_all();
    }
    PrefetchHints(seen);
  }
}

}  // namespace inference
