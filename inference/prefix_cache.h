// PrefixCache: the engine's copies of sequence caches at token prefixes it has seen, so that a
// prompt that starts with one of them (an agent's system prompt and tool declarations, or the
// previous model call of the same turn) continues from a copy instead of prefilling it again.
//
// Exact prefixes only: a V4 cache carries compressor running state and cannot be cut back to a
// shorter prefix, so entries are taken where they may be reused — at the end of each agent
// call's prompt, and at the point where a new prompt departs from an entry (the part two prompts
// share, such as a system prompt, becomes an entry of its own). The least recently used entry goes
// first. Owned by the engine thread; thread-compatible.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "inference/model_runner.h"

namespace inference {

class PrefixCache {
 public:
  explicit PrefixCache(size_t capacity) : capacity_(capacity) {}
  PrefixCache(const PrefixCache&) = delete;
  PrefixCache& operator=(const PrefixCache&) = delete;

  struct Lookup {
    // The longest entry whose tokens are a strict prefix of the looked-up tokens (at least one
    // token is left to feed, whose logits the caller needs); null when none is.
    const SequenceState* state = nullptr;
    size_t length = 0;  // that entry's token count
    size_t shared = 0;  // the longest common prefix with any entry (>= length)
  };
  // Marks the entry found as just used. The state stays owned by the cache and lives until the
  // next Insert or Clear.
  Lookup Find(std::span<const int32_t> tokens);
  bool Contains(std::span<const int32_t> tokens) const;
  // Adds an entry for `tokens` (the state has exactly them fed), dropping the least recently
  // used one when full.
  void Insert(std::span<const int32_t> tokens, std::unique_ptr<SequenceState> state);
  // Frees every entry (the engine needs the memory for live sequences).
  void Clear() { entries_.clear(); }
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::vector<int32_t> tokens;
    std::unique_ptr<SequenceState> state;
    uint64_t last_used = 0;
  };
  const size_t capacity_;
  uint64_t uses_ = 0;
  std::vector<Entry> entries_;
};

}  // namespace inference
