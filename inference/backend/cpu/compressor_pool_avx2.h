// PoolChannels (compressor_pool.h) on 16 channels at once for AVX2 CPUs: two 8-lane halves, each
// lane running one channel's scalar steps (max, exponentials, the sum, the runs of 16 slots) in
// the same order, bit for bit, as compressor_pool_avx512.h does on one 16-lane vector.
// Requires AVX2 and FMA (the caller checks). Pure function; thread-safe.
#pragma once

#include <cstddef>

namespace inference {

// PoolChannelsScalar(kv, score, n, 16, out).
void PoolChannels16Avx2(const float* const* kv, const float* const* score, size_t n, float* out);

}  // namespace inference
