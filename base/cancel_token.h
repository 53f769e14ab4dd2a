// CancelToken: a one-way flag that a client's Cancel (or disconnect) sets and long work polls.
// Callbacks registered with OnCancel run once, on the thread that calls Cancel (or at once if
// already cancelled), so a running process can be killed without polling. Thread-safe.
// Shared between the canceller and the workers, hence handed out as shared_ptr.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <vector>

#include "base/thread_annotations.h"

namespace base {

class CancelToken {
 public:
  CancelToken() = default;
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  void Cancel() {
    std::vector<std::function<void()>> callbacks;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cancelled_.exchange(true)) return;
      callbacks.swap(callbacks_);
    }
    for (auto& cb : callbacks) cb();
  }

  bool IsCancelled() const { return cancelled_.load(std::memory_order_acquire); }

  // Runs `cb` when Cancel is called; runs it immediately if that already happened.
  void OnCancel(std::function<void()> cb) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!cancelled_.load()) {
        callbacks_.push_back(std::move(cb));
        return;
      }
    }
    cb();
  }

 private:
  std::atomic<bool> cancelled_{false};
  std::mutex mu_;
  std::vector<std::function<void()>> callbacks_ GUARDED_BY(mu_);
};

}  // namespace base
