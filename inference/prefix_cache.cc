#include "inference/prefix_cache.h"

#include <algorithm>

namespace inference {

PrefixCache::Lookup PrefixCache::Find(std::span<const int32_t> tokens) {
  Lookup out;
  Entry* best = nullptr;
  for (Entry& e : entries_) {
    const size_t n = std::min(e.tokens.size(), tokens.size());
    const size_t common = static_cast<size_t>(
        std::mismatch(e.tokens.begin(), e.tokens.begin() + n, tokens.begin()).first -
        e.tokens.begin());
    out.shared = std::max(out.shared, common);
    if (common == e.tokens.size() && common < tokens.size() &&
        (best == nullptr || common > best->tokens.size())) {
      best = &e;
    }
  }
  if (best != nullptr) {
    best->last_used = ++uses_;
    out.state = best->state.get();
    out.length = best->tokens.size();
  }
  return out;
}

bool PrefixCache::Contains(std::span<const int32_t> tokens) const {
  return std::any_of(entries_.begin(), entries_.end(), [&](const Entry& e) {
    return std::equal(e.tokens.begin(), e.tokens.end(), tokens.begin(), tokens.end());
  });
}

void PrefixCache::Insert(std::span<const int32_t> tokens, std::unique_ptr<SequenceState> state) {
  if (capacity_ == 0) return;
  if (entries_.size() >= capacity_) {
    entries_.erase(
        std::min_element(entries_.begin(), entries_.end(),
                         [](const Entry& a, const Entry& b) { return a.last_used < b.last_used; }));
  }
  entries_.push_back(
      {std::vector<int32_t>(tokens.begin(), tokens.end()), std::move(state), ++uses_});
}

}  // namespace inference
