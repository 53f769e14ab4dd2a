// PoolChannels (compressor_pool.h) on 16 channels at once: each lane runs one channel's scalar
// steps (max, exponentials, the sum, the runs of 16 slots) in the same order, bit for bit. A
// decode step pools a block every 4 tokens in each CSA layer (512 channels x 8 slots, and the
// indexer's 128 x 8) and every 128 tokens in each HCA layer (512 x 128), on one thread.
// Requires AVX-512F and FMA (the caller checks). Pure function; thread-safe.
#pragma once

#include <cstddef>

namespace inference {

// PoolChannelsScalar(kv, score, n, 16, out).
void PoolChannels16Avx512(const float* const* kv, const float* const* score, size_t n, float* out);

}  // namespace inference
