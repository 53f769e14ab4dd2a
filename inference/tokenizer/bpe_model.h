// Byte-level BPE: turns one pre-tokenized piece (raw bytes) into token ids by merges.
//
// Start from one symbol per byte, then repeatedly merge the adjacent pair with the lowest merge
// rank (the leftmost one among equals) until no adjacent pair has a merge. This is the rule of
// Hugging Face tokenizers and of transformers.js, so ids agree with both. Short pieces (nearly
// all of them) use an in-place array scan; long ones (runs of spaces, minified text) a heap, so
// the cost stays O(n log n). Immutable after Create; thread-safe. BpeCache is thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"

namespace inference {

using TokenId = int32_t;

// Memo of piece -> ids. Source code repeats its words, so a cache makes encoding several times
// faster. Bounded: it forgets everything when full. One per thread (or per call).
class BpeCache {
 public:
  BpeCache() = default;
  BpeCache(const BpeCache&) = delete;
  BpeCache& operator=(const BpeCache&) = delete;

 private:
  friend class BpeModel;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, std::pair<uint32_t, uint32_t>, Hash, std::equal_to<>> spans_;
  std::vector<TokenId> ids_;  // spans_ point into this arena
};

class BpeModel {
 public:
  // `vocab[id]` is the raw byte string of token `id` (empty for ids that are not BPE tokens).
  // `merges` are (left, right) byte strings in rank order. Fails with InvalidArgument when a byte
  // has no token, a merge names an unknown token or its result is not in the vocabulary.
  static base::StatusOr<BpeModel> Create(
      const std::vector<std::string>& vocab,
      const std::vector<std::pair<std::string, std::string>>& merges);

  // Appends the ids of `piece` (non-empty) to `out`. `cache` may be null.
  void Encode(std::string_view piece, BpeCache* cache, std::vector<TokenId>* out) const;

  // Encode without the cache and always with the heap algorithm; for tests of the fast path.
  void EncodeWithHeapForTest(std::string_view piece, std::vector<TokenId>* out) const;

 private:
  struct Merge {
    uint64_t key;  // left << 32 | right; kEmptyKey for a free slot
    int32_t rank;
    TokenId result;
  };
  static constexpr uint64_t kEmptyKey = ~uint64_t{0};

  const Merge* FindMerge(TokenId left, TokenId right) const;
  void EncodeShort(std::string_view piece, std::vector<TokenId>* out) const;
  void EncodeLong(std::string_view piece, std::vector<TokenId>* out) const;

  TokenId byte_token_[256] = {};
  std::vector<Merge> table_;  // open addressing, power-of-two size
  uint64_t mask_ = 0;
};

}  // namespace inference
