#include "inference/model/compressor.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "inference/backend/cpu/compressor_pool.h"
#include "inference/backend/cpu/matmul.h"
#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/product_batch.h"
#include "inference/backend/cpu/quantize.h"
#include "inference/backend/cpu/rms_norm.h"

namespace inference {

void AddCompressorProjections(const CompressorWeights& w, ProductBatch& batch, size_t x_activations,
                              size_t T, CompressorProjections& out) {
  const size_t W = static_cast<size_t>(w.overlap ? 2 * w.head_dim : w.head_dim);
  out.kv.resize(T * W);
  out.score.resize(T * W);
  // The reference runs the compressor projections in fp32 from the bf16 input.
  batch.AddBf16(x_activations, w.wkv, out.kv.data());
  batch.AddBf16(x_activations, w.wgate, out.score.data());
}

void CompressorAppend(const CompressorWeights& w, const Rope& rope, float norm_eps,
                      int64_t rope_dim, const CompressorProjections& projections, size_t T,
                      int64_t start_pos, CompressorState& state, std::vector<float>& entries) {
  const size_t m = static_cast<size_t>(w.ratio);
  const size_t D = static_cast<size_t>(w.head_dim);
  const size_t W = w.overlap ? 2 * D : D;
  const std::vector<float>& kv = projections.kv;
  const std::vector<float>& score = projections.score;
  if (kv.size() != T * W || score.size() != T * W)
    throw std::logic_error("CompressorAppend: the compressor's projections were not computed");
  std::vector<float> entry(D);
  const float* kv_slots[256];
  const float* score_slots[256];
  for (size_t t = 0; t < T; ++t) {
    const int64_t pos = start_pos + static_cast<int64_t>(t);
    const size_t slot = static_cast<size_t>(pos % w.ratio);
    std::copy_n(&kv[t * W], W, &state.cur_kv[slot * W]);
    float* slot_score = &state.cur_score[slot * W];
    std::copy_n(&score[t * W], W, slot_score);
    AddScaled(slot_score, 1.0f, &w.ape[slot * W], W);  // score + ape (1 * ape is ape)
    if ((pos + 1) % w.ratio != 0) continue;
    // Block b = pos / m is complete: pool it, 16 channels at a time.
    const size_t lanes = D % 16 == 0 ? 16 : 1;
    for (size_t c = 0; c < D; c += lanes) {
      size_t n = 0;
      if (w.overlap) {
        for (size_t i = 0; i < m; ++i, ++n) {
          kv_slots[n] = &state.prev_kv[i * W + c];
          score_slots[n] = &state.prev_score[i * W + c];
        }
        for (size_t i = 0; i < m; ++i, ++n) {
          kv_slots[n] = &state.cur_kv[i * W + D + c];
          score_slots[n] = &state.cur_score[i * W + D + c];
        }
      } else {
        for (size_t i = 0; i < m; ++i, ++n) {
          kv_slots[n] = &state.cur_kv[i * W + c];
          score_slots[n] = &state.cur_score[i * W + c];
        }
      }
      PoolChannels(kv_slots, score_slots, n, lanes, &entry[c]);
      for (size_t l = c; l < c + lanes; ++l) entry[l] = RoundToBf16(entry[l]);
    }
    if (w.overlap) {
      state.prev_kv = state.cur_kv;
      state.prev_score = state.cur_score;
    }
    RmsNormBf16(entry.data(), D, w.norm.data(), norm_eps, entry.data());
    rope.Apply(entry.data() + D - rope_dim, pos + 1 - w.ratio);
    if (w.rotate) {
      HadamardRotateBf16(entry.data(), D);
      SimulateFp4InPlace(entry.data(), D, 32);
    } else {
      SimulateFp8InPlace(entry.data(), D - rope_dim, 64);
    }
    entries.insert(entries.end(), entry.begin(), entry.end());
  }
}

}  // namespace inference
