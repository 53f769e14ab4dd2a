// The KV compressor's pooling step: for each channel, a softmax over a block's slots of their
// scores (fp32), then the weighted sum of their kv values in torch's order for a reduction over
// a non-innermost dimension (runs of 16 slots summed in order, the run totals added in order;
// n <= 256, so one cascade level). Adjacent channels of a slot are adjacent floats, so the
// AVX-512 path pools 16 channels at once (the AVX2 path as two 8-lane halves), each lane running
// one channel's scalar steps.
// Owned by the CPU backend. Pure functions; thread-safe.
#pragma once

#include <cstddef>

namespace inference {

// out[l] for channels l < lanes (1..16): slot i's kv and score of channel l are kv[i][l] and
// score[i][l], for i < n (n <= 256).
void PoolChannels(const float* const* kv, const float* const* score, size_t n, size_t lanes,
                  float* out);

// The scalar definition (what PoolChannels computes on any path; tests compare them).
void PoolChannelsScalar(const float* const* kv, const float* const* score, size_t n, size_t lanes,
                        float* out);

}  // namespace inference
