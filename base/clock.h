// Clock: the passage of time, passed in so that tests can control it (conventions.md §5).
// SystemClock is thread-safe; FakeClock is thread-safe and only moves when told.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace base {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time for durations and deadlines.
  virtual std::chrono::steady_clock::time_point Now() const = 0;
  // Wall-clock time as Unix milliseconds, for timestamps shown to users and stored on disk.
  virtual int64_t UnixMillis() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point Now() const override {
    return std::chrono::steady_clock::now();
  }
  int64_t UnixMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t unix_millis = 1'700'000'000'000) : millis_(unix_millis) {}
  std::chrono::steady_clock::time_point Now() const override {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(millis_.load()));
  }
  int64_t UnixMillis() const override { return millis_.load(); }
  void Advance(std::chrono::milliseconds d) { millis_ += d.count(); }

 private:
  std::atomic<int64_t> millis_;
};

}  // namespace base
