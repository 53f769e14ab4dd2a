// Top-k selection with torch's CPU tie behaviour: (value, index) pairs in index order,
// std::nth_element with a "greater value" comparator (or std::partial_sort when k * 64 <= n),
// then std::sort of the first k - 1. Equal values therefore come out in the order libstdc++'s
// introselect leaves them, which is what the reference's top-k (experts, indexer blocks) chose.
// Pure function; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace inference {

// Indices of the k largest of values[0..n), sorted by descending value (ties as torch leaves
// them). k must be <= n.
std::vector<int32_t> TopKIndices(const float* values, size_t n, size_t k);

}  // namespace inference
