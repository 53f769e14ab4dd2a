#include "inference/model/rope.h"

#include <algorithm>
#include <atomic>
#include <cmath>

#include "inference/backend/cpu/number_formats.h"

namespace inference {

namespace {

// The cos and sin of one position's angles. A decode step rotates some twenty vectors per layer
// (every query head, the key, the output heads again, the compressors' and the indexer's) at
// the same one or two positions, and computing 32 sines and cosines for each showed on the
// step's single-threaded path; each thread keeps the last few positions' values.
struct Angles {
  uint64_t rope_id = 0;  // 0: empty
  int64_t pos = 0;
  std::vector<float> cos, sin;
};
constexpr size_t kRecentPositions = 4;
thread_local Angles recent[kRecentPositions];
thread_local size_t next_slot = 0;

std::atomic<uint64_t> next_rope_id{1};

}  // namespace

Rope::Rope(const ModelConfig& c, bool compressed) : id_(next_rope_id.fetch_add(1)) {
  const int64_t dim = c.rope_head_dim;
  const double base = compressed ? c.compress_rope_theta : c.rope_theta;
  inv_freq_.resize(dim / 2);
  // fp32 as the reference: base ** (arange(0, dim, 2) / dim), then its reciprocal.
  for (int64_t i = 0; i < dim / 2; ++i) {
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(dim);
    inv_freq_[i] = 1.0f / std::pow(static_cast<float>(base), exponent);
  }
  if (compressed && c.original_seq_len > 0) {
    // YaRN: frequencies below the beta_slow correction dim are divided by the factor, those
    // above beta_fast kept, with a linear ramp between (no mscale, see v4-architecture §3.11).
    auto correction_dim = [&](double rotations) {
      return dim * std::log(c.original_seq_len / (rotations * 2 * M_PI)) / (2 * std::log(base));
    };
    const double low = std::max(std::floor(correction_dim(c.beta_fast)), 0.0);
    double high = std::min(std::ceil(correction_dim(c.beta_slow)), static_cast<double>(dim - 1));
    if (low == high) high += 0.001;
    const float factor = static_cast<float>(c.rope_factor);
    for (int64_t i = 0; i < dim / 2; ++i) {
      const float ramp = std::clamp(
          (static_cast<float>(i) - static_cast<float>(low)) / static_cast<float>(high - low), 0.0f,
          1.0f);
      const float smooth = 1.0f - ramp;
      inv_freq_[i] = inv_freq_[i] / factor * (1.0f - smooth) + inv_freq_[i] * smooth;
    }
  }
}

void Rope::Apply(float* x, int64_t pos, bool inverse) const {
  const Angles* angles = nullptr;
  for (const Angles& a : recent) {
    if (a.rope_id == id_ && a.pos == pos) angles = &a;
  }
  if (angles == nullptr) {
    Angles& a = recent[next_slot];
    next_slot = (next_slot + 1) % kRecentPositions;
    a.rope_id = id_;
    a.pos = pos;
    a.cos.resize(inv_freq_.size());
    a.sin.resize(inv_freq_.size());
    for (size_t i = 0; i < inv_freq_.size(); ++i) {
      const float angle = static_cast<float>(pos) * inv_freq_[i];
      a.cos[i] = std::cos(angle);
      a.sin[i] = std::sin(angle);
    }
    angles = &a;
  }
  for (size_t i = 0; i < inv_freq_.size(); ++i) {
    const float c = angles->cos[i];
    const float s = inverse ? -angles->sin[i] : angles->sin[i];
    const float a = x[2 * i], b = x[2 * i + 1];
    x[2 * i] = RoundToBf16(a * c - b * s);
    x[2 * i + 1] = RoundToBf16(a * s + b * c);
  }
}

}  // namespace inference
