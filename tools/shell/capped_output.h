// CappedOutput: collects a stream of bytes but keeps at most `cap` of them: the first half and
// the last half, so both the command line's echo and the final error of a long build survive.
// Counts every byte seen. Thread-compatible (one reader thread appends).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tools {

class CappedOutput {
 public:
  explicit CappedOutput(size_t cap) : cap_(cap) {}

  void Append(std::string_view data);
  uint64_t total_bytes() const { return total_; }
  bool truncated() const { return total_ > cap_; }
  // The kept bytes; when truncated, a notice with the number of dropped bytes sits between the
  // head and the tail.
  std::string Text() const;

 private:
  size_t cap_;
  uint64_t total_ = 0;
  std::string head_;
  std::string tail_;       // ring buffer of the last cap_/2 bytes once the head is full
  size_t tail_start_ = 0;  // index of the oldest byte in tail_ when it is full
};

}  // namespace tools
