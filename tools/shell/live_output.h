// LiveOutput: batches a running process's output for live display (the agent streams it to
// clients as ToolCallOutput events, each of which is stored, so one event per write(2) of a
// chatty build would flood the session store).
//
// Delivery rules: at most one delivery per `interval`; a delivery ends at the last newline
// when there is one, and a partial line is held until its newline comes, it has waited four
// intervals (a progress prompt), or `max_held_bytes` pile up. Delivered text is valid UTF-8
// (a multi-byte character split across reads is held until it completes; invalid bytes become
// U+FFFD). After `max_bytes` delivered bytes one notice is delivered and the rest is dropped:
// the tool's final result still carries the head and tail of everything.
// Thread-compatible: the thread that reads the process's pipes owns it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace tools {

// Receives batches of live output in order. Called on the thread that runs the process.
using OutputCallback = std::function<void(std::string_view text)>;

struct LiveOutputOptions {
  std::chrono::milliseconds interval{50};
  size_t max_held_bytes = 8 * 1024;  // a partial line this long goes out without its newline
  size_t max_bytes = 256 * 1024;     // total delivered before the notice
};

class LiveOutput {
 public:
  using Clock = std::chrono::steady_clock;

  LiveOutput(OutputCallback deliver, LiveOutputOptions options);
  LiveOutput(const LiveOutput&) = delete;
  LiveOutput& operator=(const LiveOutput&) = delete;

  void Append(std::string_view data, Clock::time_point now);
  // Delivers what the rules above allow at `now`.
  void Flush(Clock::time_point now);
  // Delivers everything still held (the process has ended).
  void FlushAll();
  // When Flush could next deliver something; Clock::time_point::max() when nothing is held.
  Clock::time_point NextFlush() const;

  uint64_t delivered_bytes() const { return delivered_; }

 private:
  void Deliver(std::string_view text, Clock::time_point now);

  OutputCallback deliver_;
  LiveOutputOptions options_;
  std::string held_;
  Clock::time_point held_since_{};     // when the oldest held byte arrived
  Clock::time_point last_delivery_{};  // epoch: nothing delivered yet
  uint64_t delivered_ = 0;
  bool capped_ = false;  // the notice went out; everything after it is dropped
};

}  // namespace tools
