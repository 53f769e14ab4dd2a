#include "inference/tokenizer/bpe_model.h"

#include <algorithm>
#include <limits>
#include <queue>

namespace inference {
namespace {

constexpr int32_t kNoMerge = std::numeric_limits<int32_t>::max();
constexpr size_t kShortPiece = 64;       // pieces up to this many bytes use the array scan
constexpr size_t kMaxCachedPiece = 256;  // longer pieces rarely repeat
constexpr size_t kMaxCacheEntries = 1 << 18;

uint64_t PairKey(TokenId left, TokenId right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

uint64_t Mix(uint64_t key) {
  key ^= key >> 29;
  key *= 0xbf58476d1ce4e5b9ULL;
  key ^= key >> 32;
  return key;
}

}  // namespace

base::StatusOr<BpeModel> BpeModel::Create(
    const std::vector<std::string>& vocab,
    const std::vector<std::pair<std::string, std::string>>& merges) {
  BpeModel model;
  std::unordered_map<std::string_view, TokenId> ids;
  ids.reserve(vocab.size());
  for (size_t id = 0; id < vocab.size(); ++id) {
    if (!vocab[id].empty()) ids.emplace(vocab[id], static_cast<TokenId>(id));
  }
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    auto it = ids.find(std::string_view(&c, 1));
    if (it == ids.end()) {
      return base::InvalidArgument("BPE vocabulary has no token for byte " + std::to_string(b));
    }
    model.byte_token_[b] = it->second;
  }
  size_t capacity = 16;
  while (capacity < merges.size() * 2) capacity *= 2;
  model.table_.assign(capacity, Merge{kEmptyKey, 0, 0});
  model.mask_ = capacity - 1;
  std::string joined;
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [left, right] = merges[rank];
    auto l = ids.find(left);
    auto r = ids.find(right);
    joined = left + right;
    auto m = ids.find(joined);
    if (l == ids.end() || r == ids.end() || m == ids.end()) {
      return base::InvalidArgument("BPE merge " + std::to_string(rank) +
                                   " names a token that is not in the vocabulary");
    }
    const uint64_t key = PairKey(l->second, r->second);
    size_t slot = Mix(key) & model.mask_;
    while (model.table_[slot].key != kEmptyKey && model.table_[slot].key != key) {
      slot = (slot + 1) & model.mask_;
    }
    // A repeated pair keeps its first (lowest) rank, as a rank lookup table would.
    if (model.table_[slot].key == kEmptyKey) {
      model.table_[slot] = Merge{key, static_cast<int32_t>(rank), m->second};
    }
  }
  return model;
}

const BpeModel::Merge* BpeModel::FindMerge(TokenId left, TokenId right) const {
  const uint64_t key = PairKey(left, right);
  for (size_t slot = Mix(key) & mask_;; slot = (slot + 1) & mask_) {
    const Merge& m = table_[slot];
    if (m.key == key) return &m;
    if (m.key == kEmptyKey) return nullptr;
  }
}

void BpeModel::Encode(std::string_view piece, BpeCache* cache, std::vector<TokenId>* out) const {
  if (piece.size() == 1) {
    out->push_back(byte_token_[static_cast<unsigned char>(piece[0])]);
    return;
  }
  const bool cacheable = cache != nullptr && piece.size() <= kMaxCachedPiece;
  if (cacheable) {
    auto it = cache->spans_.find(piece);
    if (it != cache->spans_.end()) {
      const TokenId* begin = cache->ids_.data() + it->second.first;
      out->insert(out->end(), begin, begin + it->second.second);
      return;
    }
  }
  const size_t first = out->size();
  if (piece.size() <= kShortPiece) {
    EncodeShort(piece, out);
  } else {
    EncodeLong(piece, out);
  }
  if (cacheable) {
    if (cache->spans_.size() >= kMaxCacheEntries) {
      cache->spans_.clear();
      cache->ids_.clear();
    }
    const auto offset = static_cast<uint32_t>(cache->ids_.size());
    cache->ids_.insert(cache->ids_.end(), out->begin() + first, out->end());
    cache->spans_.emplace(std::string(piece),
                          std::make_pair(offset, static_cast<uint32_t>(out->size() - first)));
  }
}

void BpeModel::EncodeWithHeapForTest(std::string_view piece, std::vector<TokenId>* out) const {
  EncodeLong(piece, out);
}

// Array scan: sym[k] are the current symbols, rank[k] the merge rank of (sym[k], sym[k+1]).
void BpeModel::EncodeShort(std::string_view piece, std::vector<TokenId>* out) const {
  TokenId sym[kShortPiece];
  int32_t rank[kShortPiece];
  TokenId merged[kShortPiece];
  size_t n = piece.size();
  for (size_t k = 0; k < n; ++k) sym[k] = byte_token_[static_cast<unsigned char>(piece[k])];
  auto update = [&](size_t k) {
    const Merge* m = FindMerge(sym[k], sym[k + 1]);
    rank[k] = m ? m->rank : kNoMerge;
    merged[k] = m ? m->result : 0;
  };
  for (size_t k = 0; k + 1 < n; ++k) update(k);
  while (n > 1) {
    size_t best = 0;
    for (size_t k = 1; k + 1 < n; ++k) {
      if (rank[k] < rank[best]) best = k;  // strict: the leftmost of equal ranks wins
    }
    if (rank[best] == kNoMerge) break;
    sym[best] = merged[best];
    // Remove symbol best+1 and pair slot best+1.
    for (size_t k = best + 1; k + 1 < n; ++k) {
      sym[k] = sym[k + 1];
      rank[k] = rank[k + 1];
      merged[k] = merged[k + 1];
    }
    --n;
    if (best > 0) update(best - 1);
    if (best + 1 < n) update(best);
  }
  out->insert(out->end(), sym, sym + n);
}

// Heap of candidate merges over a doubly linked list of symbols; stale candidates (whose
// symbols changed since they were pushed) are recognised and skipped when popped.
void BpeModel::EncodeLong(std::string_view piece, std::vector<TokenId>* out) const {
  const size_t n = piece.size();
  std::vector<TokenId> sym(n);
  std::vector<int32_t> prev(n), next(n);
  for (size_t k = 0; k < n; ++k) {
    sym[k] = byte_token_[static_cast<unsigned char>(piece[k])];
    prev[k] = static_cast<int32_t>(k) - 1;
    next[k] = k + 1 < n ? static_cast<int32_t>(k + 1) : -1;
  }
  struct Candidate {
    int32_t rank;
    int32_t pos;  // position of the left symbol; symbols keep the position of their first byte
    TokenId left, right;
    bool operator>(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  auto push = [&](int32_t pos) {
    if (pos < 0 || next[pos] < 0) return;
    if (const Merge* m = FindMerge(sym[pos], sym[next[pos]])) {
      heap.push({m->rank, pos, sym[pos], sym[next[pos]]});
    }
  };
  for (size_t k = 0; k + 1 < n; ++k) push(static_cast<int32_t>(k));
  while (!heap.empty()) {
    const Candidate c = heap.top();
    heap.pop();
    const int32_t right = next[c.pos];
    if (sym[c.pos] < 0 || right < 0 || sym[c.pos] != c.left || sym[right] != c.right) continue;
    sym[c.pos] = FindMerge(c.left, c.right)->result;
    sym[right] = -1;  // removed
    next[c.pos] = next[right];
    if (next[right] >= 0) prev[next[right]] = c.pos;
    push(prev[c.pos]);
    push(c.pos);
  }
  for (int32_t k = 0; k >= 0; k = next[k]) out->push_back(sym[k]);
}

}  // namespace inference
